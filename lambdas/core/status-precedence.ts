/**
 * Which delivery status wins when writes race or repeat. Ingest records `queued` after Kafka acks, but
 * dispatch may already have consumed the record and recorded `sent`. Statuses therefore only move
 * forward: queued < suppressed < failed < maybe-sent < sent < unknown < delivered < undeliverable < bounced < complained;
 * among equals the newer write wins.
 *
 * After `sent`, the provider's receipts move a delivery on (core/receipts.ts). Why this order: `unknown`
 * (no receipt within the receipt timeout) yields to any late receipt; a mail server can accept a message
 * (`delivered`) and bounce it later (`bounced`); a complaint is only possible after delivery and is the
 * last thing that can happen; SMS final events (`delivered` / `undeliverable`) exclude each other, so
 * their relative order only settles a provider contradicting itself, in favour of the failure.
 * A dead-lettered delivery is recorded `failed`; a redriven one that is then sent moves on to `sent`.
 *
 * A redelivered record whose delivery is already marked in the dedup store is recorded with the
 * mark's state (`sent` or `failed`) and no vendor or reason: the crash that caused the redelivery may
 * have come between the mark and the status write, and then this repeat is the only status write the
 * delivery ever gets. Such a repeat must not erase what the first write said, so a write of the same
 * state keeps the stored vendor and reason it does not carry itself.
 * The Redis status store implements the same rule in Lua.
 */

/** Delivery states in precedence order, lowest first. */
export const STATE_PRECEDENCE = [
  'queued',
  'suppressed',
  'failed',
  'maybe-sent',
  'sent',
  'unknown',
  'delivered',
  'undeliverable',
  'bounced',
  'complained',
] as const;
/** A delivery state known to the precedence rule. */
export type RankedState = (typeof STATE_PRECEDENCE)[number];

/** States a receipt (or the receipt timeout) can set: every state after `sent`. */
export const RECEIPT_STATES = ['unknown', 'delivered', 'undeliverable', 'bounced', 'complained'] as const;
/** One of the receipt states. */
export type ReceiptState = (typeof RECEIPT_STATES)[number];

/**
 * Final states: a caller learns of each by callback. `complained` is not final in that sense (it
 * follows `delivered`, which was already reported) but still moves the status forward.
 */
export const FINAL_STATES = ['delivered', 'failed', 'bounced', 'undeliverable', 'unknown'] as const;
/** One of the final states. */
export type FinalState = (typeof FINAL_STATES)[number];

/** Whether `state` is a final state. */
export function isFinalState(state: string): state is FinalState {
  return (FINAL_STATES as readonly string[]).includes(state);
}

/** A status as far as precedence is concerned. */
export interface RankedStatus<S extends RankedState = RankedState> {
  readonly state: S;
  /** ISO-8601 time of the write. */
  readonly updatedAt: string;
}

/** A status with what a write may say besides its state. */
export interface StatusFields<S extends RankedState = RankedState> extends RankedStatus<S> {
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
export function applyStatusWrite<S extends RankedState>(
  current: StatusFields<S> | undefined,
  incoming: StatusFields<S>,
): StatusFields<S> {
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
