/**
 * Exactly-once bookkeeping per deliveryId (see lambdas/core/dedup.ts for the protocol). Every call
 * covers a whole batch in O(1) round trips per shard. Implementations fail closed: when the store is
 * unreachable they throw DependencyUnavailableError and nothing may be sent.
 */
import type { ClaimResult, CompletionMark } from '../core/dedup.ts';

/** Claims, marks and releases deliveries for one owner (one invocation). */
export interface DedupStore {
  /**
   * Claims each id for `owner` with a lease (the store's lease time). An id marked within the window is
   * a duplicate; an id leased by another owner is in flight (with how long that lease still runs); an
   * id leased by `owner` is re-claimed.
   */
  claim(deliveryIds: readonly string[], owner: string): Promise<ReadonlyMap<string, ClaimResult>>;
  /**
   * Marks finalised deliveries (kept at least the dedup window) and drops their leases. A store may drop
   * another owner's lease on a marked id too: a marked id is never claimed again, so no one can tell.
   */
  complete(marks: readonly CompletionMark[], owner: string): Promise<void>;
  /** Drops `owner`'s leases so the deliveries can be retried at once; others' leases are untouched. */
  release(deliveryIds: readonly string[], owner: string): Promise<void>;
}
