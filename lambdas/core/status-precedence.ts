/**
 * Which delivery status wins when writes race. Ingest records `queued` after Kafka acks, but
 * dispatch may already have consumed the record and recorded `sent`; a redelivered record may be
 * `suppressed` as a duplicate of one already `sent`. Statuses therefore only move forward:
 * queued < suppressed < failed < sent; among equals the newer write wins.
 * The Redis status store implements the same rule in Lua.
 */

/** Delivery states in precedence order, lowest first. */
export const STATE_PRECEDENCE = ['queued', 'suppressed', 'failed', 'sent'] as const;
/** A delivery state known to the precedence rule. */
export type RankedState = (typeof STATE_PRECEDENCE)[number];

/** A status as far as precedence is concerned. */
export interface RankedStatus {
  readonly state: RankedState;
  /** ISO-8601 time of the write. */
  readonly updatedAt: string;
}

/** Whether `incoming` replaces `current` (always, when there is no current status). */
export function isStatusSuperseded(current: RankedStatus | undefined, incoming: RankedStatus): boolean {
  if (current === undefined) return true;
  const currentRank = STATE_PRECEDENCE.indexOf(current.state);
  const incomingRank = STATE_PRECEDENCE.indexOf(incoming.state);
  return (
    incomingRank > currentRank || (incomingRank === currentRank && incoming.updatedAt >= current.updatedAt)
  );
}
