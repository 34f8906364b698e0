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
  /** A completed Idempotency-Key record of RedisIdempotencyStore (fingerprint + counts). */
  readonly idempotencyRecord: number;
  /** One delivery's share of its request's status record (state `sent` with vendor), per recipient. */
  readonly statusRecipient: number;
  /** A request's fixed status cost (its field in a page, header, texts), per request. */
  readonly statusRequest: number;
  /** A status page's own cost (the hash key, its expiry and table), per occupied page. */
  readonly statusPage: number;
  /** A webhook client's sent delivery awaiting its receipt timeout (RedisReceiptTimeouts). */
  readonly receiptTimeout: number;
}

/**
 * Measured on redis-server 7.0.15 (jemalloc, x86_64) with `herald capacity --measure` (defaults in
 * capacity/measure.ts), two runs averaged; the sent-mark figure agrees with `npm run bench`'s memory
 * scenario at 1M marks. See docs/capacity.md.
 */
export const BUILT_IN_ENTRY_SIZES: EntrySizes = {
  sentMark: 25.9,
  inFlightClaim: 226,
  idempotencyRecord: 143.7,
  statusRecipient: 5.6,
  statusRequest: 79.6,
  statusPage: 210.5,
  // Measured at 1M–3.6M entries in one bucket (67.2 B at 1M and 2M, 63.0 at 3.6M); a small store
  // pays more per entry (85 B at 100k) for the room a growing string reserves.
  receiptTimeout: 67.2,
};
