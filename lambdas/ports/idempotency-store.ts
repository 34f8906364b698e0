/**
 * Remembers Idempotency-Keys for the idempotency window (Stripe-style): the first call with a key
 * reserves it, completes it with its response, or releases it when it could not be accepted.
 */

/**
 * What a completed key keeps to replay its 202: the counts. The requestId is not stored, since a
 * repeat (same client, key and body) hashes to the same requestId, and the status code is always 202
 * (a request that was not accepted releases its key).
 */
export interface StoredResponse {
  /** Deliveries queued, 1..100. */
  readonly accepted: number;
  /** Recipients listed more than once, 0..99. */
  readonly collapsedDuplicates: number;
}

/** A held reservation; only its holder can complete or release it. */
export interface Reservation {
  /** Opaque id of (client, Idempotency-Key), see idempotencyScopeId. */
  readonly scopeId: string;
  /** Fingerprint of the request that holds the key (client + canonical body). */
  readonly fingerprint: string;
  /** Random token of this reservation, so a stale holder cannot touch a newer one. */
  readonly token: string;
}

/** Possible results of reserving a key. */
export const ReserveOutcome = {
  reserved: 'reserved',
  completed: 'completed',
  inProgress: 'in-progress',
  mismatch: 'mismatch',
} as const;
/** One of the reserve outcomes. */
export type ReserveOutcome = (typeof ReserveOutcome)[keyof typeof ReserveOutcome];

/** What reserving a key found. */
export type ReserveResult =
  | { readonly outcome: 'reserved'; readonly reservation: Reservation }
  | { readonly outcome: 'completed'; readonly response: StoredResponse }
  | { readonly outcome: 'in-progress' }
  | { readonly outcome: 'mismatch' };

/** Stores Idempotency-Key reservations and completed responses; every entry expires. */
export interface IdempotencyStore {
  /**
   * Atomically reserves `scopeId` for a request with `fingerprint`, or reports what holds it:
   * a different fingerprint → `mismatch` (whatever its state), a completed one → its response,
   * one still being accepted → `in-progress`.
   */
  reserve(scopeId: string, fingerprint: string): Promise<ReserveResult>;
  /** Stores the response for the idempotency window; a no-op if the reservation was taken over. */
  complete(reservation: Reservation, response: StoredResponse): Promise<void>;
  /** Drops the reservation so the client's retry is accepted; a no-op if it is no longer held. */
  release(reservation: Reservation): Promise<void>;
}
