/**
 * Bytes per entry of each kind Herald keeps in Redis: `INFO memory` used_memory delta ÷ entries,
 * written through Herald's own adapters (capacity/measure.ts). The built-in figures below were
 * measured with `npx herald capacity --measure --json` on redis-server 7.0.15 (see docs/capacity.md);
 * re-measure on your engine version with `--measure`.
 */

/** Bytes per entry, by kind. */
export interface EntrySizes {
  /** A sent (or failed) mark of RedisDedupStore. */
  readonly sentMark: number;
  /** A claim (lease) of RedisDedupStore, alive between claim and mark. */
  readonly inFlightClaim: number;
  /** A completed Idempotency-Key record of RedisIdempotencyStore (fingerprint + stored 202). */
  readonly idempotencyRecord: number;
  /** One delivery's status in RedisStatusStore (state `sent` with vendor), per recipient. */
  readonly statusEntry: number;
  /** A request's fixed status cost (meta key + the deliveries hash itself), per request. */
  readonly statusRequest: number;
  /** Recipient length the status entries were measured with. */
  readonly recipientChars: number;
}

/**
 * Measured on redis-server 7.0.15 (jemalloc, x86_64) with `herald capacity --measure` (200k marks, 50k
 * claims, 20k idempotency records, 300 + 300 status requests), two runs averaged; the sent-mark figure
 * agrees with `npm run bench`'s memory scenario at 1M marks. See docs/capacity.md.
 */
export const BUILT_IN_ENTRY_SIZES: EntrySizes = {
  sentMark: 25.5,
  inFlightClaim: 209,
  idempotencyRecord: 835,
  statusEntry: 266,
  statusRequest: 570,
  recipientChars: 64,
};
