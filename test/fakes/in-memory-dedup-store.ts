/**
 * In-memory DedupStore for unit tests. Passes the same contract suite as RedisDedupStore
 * (test/fakes/contracts/dedup-store.contract.ts). `isAvailable = false` simulates an unreachable store;
 * `isFailing` a cluster that fails part-way: a call writes every other id, then throws.
 */
import type { ClaimResult, DeliveryMark, MarkKind, SendIntent } from '../../lambdas/core/dedup.ts';
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import type { DedupStore } from '../../lambdas/ports/dedup-store.ts';

/** Settings of the fake. */
export interface InMemoryDedupStoreOptions {
  readonly windowSeconds: number;
  readonly leaseMs: number;
  /** Clock in ms; tests may pass a controllable one. @default Date.now */
  readonly now?: () => number;
}

/** In-memory DedupStore with the real store's semantics. */
export class InMemoryDedupStore implements DedupStore {
  readonly claims = new Map<string, { owner: string; expiresAtMs: number }>();
  readonly marks = new Map<string, { kind: MarkKind; expiresAtMs: number }>();
  readonly intents = new Map<string, { vendor: string; expiresAtMs: number }>();
  /** Number of claim/mark/release calls (each is one round trip per slot group in Redis). */
  calls = 0;
  isAvailable = true;
  /**
   * Ids whose slot group is down (cluster mode): claim, mark and release write every other id of the
   * call, then throw DependencyUnavailableError, as RedisDedupStore does when one group's call fails.
   */
  isFailing: (deliveryId: string) => boolean = () => false;
  readonly #options: InMemoryDedupStoreOptions;
  readonly #now: () => number;

  constructor(options: InMemoryDedupStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async claim(deliveryIds: readonly string[], owner: string): Promise<ReadonlyMap<string, ClaimResult>> {
    this.#enter('claim');
    const now = this.#now();
    const results = new Map<string, ClaimResult>();
    for (const id of this.#healthy(deliveryIds)) {
      const mark = this.marks.get(id);
      if (mark && mark.expiresAtMs > now) {
        results.set(id, { outcome: 'duplicate', mark: mark.kind });
        continue;
      }
      const claim = this.claims.get(id);
      if (claim && claim.expiresAtMs > now && claim.owner !== owner) {
        results.set(id, { outcome: 'in-flight', leaseRemainingMs: claim.expiresAtMs - now });
        continue;
      }
      this.claims.set(id, { owner, expiresAtMs: now + this.#options.leaseMs });
      const intent = this.intents.get(id);
      const sendingAt = intent && intent.expiresAtMs > now ? intent.vendor : undefined;
      results.set(id, sendingAt ? { outcome: 'claimed', sendingAt } : { outcome: 'claimed' });
    }
    if (deliveryIds.some((id) => this.isFailing(id))) {
      // As RedisDedupStore: the part claimed before the failure is given back.
      for (const [id, result] of results)
        if (result.outcome === 'claimed' && this.claims.get(id)?.owner === owner) this.claims.delete(id);
    }
    this.#failPartWay('claim', deliveryIds);
    return results;
  }

  async intend(intents: readonly SendIntent[], _owner: string): Promise<void> {
    this.#enter('intent');
    const expiresAtMs = this.#now() + this.#options.windowSeconds * 1000;
    for (const { deliveryId, vendor } of intents) this.intents.set(deliveryId, { vendor, expiresAtMs });
  }

  async mark(marks: readonly DeliveryMark[], _owner: string): Promise<void> {
    this.#enter('mark');
    const now = this.#now();
    for (const mark of marks) {
      if (this.isFailing(mark.deliveryId)) continue;
      this.marks.set(mark.deliveryId, {
        kind: mark.kind,
        expiresAtMs: now + this.#options.windowSeconds * 1000,
      });
      // As the Redis store: a marked id's claim goes whoever holds it, and its intent with it.
      this.claims.delete(mark.deliveryId);
      this.intents.delete(mark.deliveryId);
    }
    this.#failPartWay(
      'mark',
      marks.map((mark) => mark.deliveryId),
    );
  }

  async release(
    deliveryIds: readonly string[],
    owner: string,
    options: { readonly keepIntents?: boolean } = {},
  ): Promise<void> {
    this.#enter('release');
    for (const id of this.#healthy(deliveryIds)) {
      if (this.claims.get(id)?.owner === owner) this.claims.delete(id);
      // As the Redis store: an intent goes only with its claim (another owner's live claim keeps it).
      if (!options.keepIntents && !this.claims.has(id)) this.intents.delete(id);
    }
    this.#failPartWay('release', deliveryIds);
  }

  #healthy(ids: readonly string[]): string[] {
    return ids.filter((id) => !this.isFailing(id));
  }

  #failPartWay(operation: string, ids: readonly string[]): void {
    if (ids.some((id) => this.isFailing(id)))
      throw new DependencyUnavailableError('redis', `dedup ${operation} failed for part of the batch`);
  }

  #enter(operation: string): void {
    this.calls++;
    if (!this.isAvailable) throw new DependencyUnavailableError('redis', `dedup ${operation} failed`);
  }
}
