/**
 * Which delivery status wins when writes race or repeat. Ingest records `queued` after Kafka acks, but
 * dispatch may already have consumed the record and recorded `sent`. Statuses therefore only move
 * forward: queued < suppressed < failed < maybe-sent < sent; among equals the newer write wins.
 *
 * A redelivered record whose delivery is already marked in the dedup store is recorded with the
 * mark's state (`sent` or `failed`) and no vendor or reason: the crash that caused the redelivery may
 * have come between the mark and the status write, and then this repeat is the only status write the
 * delivery ever gets. Such a repeat must not erase what the first write said, so a write of the same
 * state keeps the stored vendor and reason it does not carry itself.
 * The Redis status store implements the same rule in Lua.
 */

/** Delivery states in precedence order, lowest first. */
export const STATE_PRECEDENCE = ['queued', 'suppressed', 'failed', 'maybe-sent', 'sent'] as const;
/** A delivery state known to the precedence rule. */
export type RankedState = (typeof STATE_PRECEDENCE)[number];

/** A status as far as precedence is concerned. */
export interface RankedStatus {
  readonly state: RankedState;
  /** ISO-8601 time of the write. */
  readonly updatedAt: string;
}

/** A status with what a write may say besides its state. */
export interface StatusFields extends RankedStatus {
  readonly vendor?: string;
  readonly reason?: string;
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

/**
 * The status after applying `incoming` to `current`: `current` when it is not superseded; otherwise
 * `incoming`, which keeps `current`'s vendor and reason where it has none and the state is the same.
 */
export function applyStatusWrite(current: StatusFields | undefined, incoming: StatusFields): StatusFields {
  if (current !== undefined && !isStatusSuperseded(current, incoming)) return current;
  const kept = current?.state === incoming.state ? current : undefined;
  const vendor = incoming.vendor || kept?.vendor;
  const reason = incoming.reason || kept?.reason;
  return {
    state: incoming.state,
    updatedAt: incoming.updatedAt,
    ...(vendor ? { vendor } : {}),
    ...(reason ? { reason } : {}),
  };
}
