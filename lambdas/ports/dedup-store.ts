/**
 * Exactly-once bookkeeping per deliveryId (see lambdas/core/dedup.ts for the protocol). Every call
 * covers a whole batch in O(1) round trips per shard. Implementations fail closed: when the store is
 * unreachable they throw DependencyUnavailableError and nothing may be sent.
 */
import type { ClaimResult, DeliveryMark, SendIntent } from '../core/dedup.ts';

/** Claims, marks and releases deliveries for one owner (one invocation). */
export interface DedupStore {
  /**
   * Claims each id for `owner` with a lease (the store's lease time). An id marked within the window is
   * a duplicate; an id leased by another owner is in flight (with how long that lease still runs); an
   * id leased by `owner` is re-claimed. A claimed id whose intent is still recorded says which vendor
   * it may have been sent through (`sendingAt`).
   */
  claim(deliveryIds: readonly string[], owner: string): Promise<ReadonlyMap<string, ClaimResult>>;
  /**
   * Records, before the vendor calls, that these deliveries may be sent through these vendors. Kept for
   * the dedup window unless the delivery is marked, or released with nothing possibly sent. Throws
   * DependencyUnavailableError when it cannot be written: then nothing may be sent.
   */
  intend(intents: readonly SendIntent[], owner: string): Promise<void>;
  /**
   * Marks finalised deliveries (kept at least the dedup window) and drops their leases. A store may drop
   * another owner's lease on a marked id too: a marked id is never claimed again, so no one can tell.
   */
  mark(marks: readonly DeliveryMark[], owner: string): Promise<void>;
  /**
   * Drops `owner`'s leases so the deliveries can be retried at once; others' leases are untouched.
   * Their intents go too (nothing was sent), unless `keepIntents`: a delivery possibly sent at a vendor
   * stays pinned there for its later attempts.
   */
  release(
    deliveryIds: readonly string[],
    owner: string,
    options?: { readonly keepIntents?: boolean },
  ): Promise<void>;
}
