/**
 * The DedupStore contract, run against RedisDedupStore (real Redis, single node and cluster) and
 * InMemoryDedupStore, so the fake cannot drift from the real adapter. Uses real time with short
 * leases and windows.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import type { DedupStore } from '../../../lambdas/ports/dedup-store.ts';

/** Builds a store with the given window and lease; each call must be isolated from the others. */
export type DedupStoreFactory = (options: { windowSeconds: number; leaseMs: number }) => Promise<DedupStore>;

/** A fresh, valid deliveryId (22 base64url characters). */
export function randomDeliveryId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * A store of which one part can be made to fail, as one slot group (shard) of a Redis Cluster can:
 * the ids whose first byte is ≥ 0x80 (RedisDedupStore's slot groups 8-f).
 */
export interface PartlyFailingDedupStore {
  readonly store: DedupStore;
  /** True when a call writes its healthy part before it fails (cluster mode); false: all or nothing. */
  readonly isPartWay: boolean;
  /** From now on, calls fail for the upper half of the ids. */
  breakUpperHalf(): Promise<void>;
  heal(): Promise<void>;
}

/** `count` fresh deliveryIds whose first byte is in the lower (< 0x80) or upper half. */
export function deliveryIdsIn(half: 'lower' | 'upper', count: number): string[] {
  return Array.from({ length: count }, () => {
    const raw = randomBytes(16);
    raw[0] = half === 'upper' ? (raw[0] as number) | 0x80 : (raw[0] as number) & 0x7f;
    return raw.toString('base64url');
  });
}

const sentMarks = (ids: readonly string[]) =>
  ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const }));

/** Registers the contract suite for one implementation. */
export function describeDedupStoreContract(
  name: string,
  makeStore: DedupStoreFactory,
  makePartlyFailing?: (options: {
    windowSeconds: number;
    leaseMs: number;
  }) => Promise<PartlyFailingDedupStore>,
): void {
  describe(`DedupStore contract: ${name}`, () => {
    const slow = { windowSeconds: 3600, leaseMs: 60_000 };

    it('claims a delivery nobody has seen', async () => {
      const store = await makeStore(slow);
      const id = randomDeliveryId();
      const results = await store.claim([id], 'owner-a');
      expect(results.get(id)).toEqual({ outcome: 'claimed' });
    });

    it('reports a delivery claimed by another owner as in flight, and re-claims for the same owner', async () => {
      const store = await makeStore(slow);
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');
      expect((await store.claim([id], 'owner-b')).get(id)).toEqual({
        outcome: 'in-flight',
        leaseRemainingMs: expect.any(Number),
      });
      expect((await store.claim([id], 'owner-a')).get(id)).toEqual({ outcome: 'claimed' });
    });

    it("tells how long the holder's lease still runs, counting down from the lease time", async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 2_000 });
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');

      const first = (await store.claim([id], 'owner-b')).get(id);
      await sleep(300);
      const later = (await store.claim([id], 'owner-b')).get(id);

      const remaining = (result: typeof first) =>
        result?.outcome === 'in-flight' ? result.leaseRemainingMs : Number.NaN;
      expect(remaining(first)).toBeGreaterThan(1_500);
      expect(remaining(first)).toBeLessThanOrEqual(2_000);
      // Asking again is no claim: the holder's lease keeps running down, it is not renewed.
      expect(remaining(later)).toBeLessThanOrEqual(remaining(first) - 250);
      expect(remaining(later)).toBeGreaterThan(0);
    });

    it('lets another owner claim once the remaining lease it was told about has run out', async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 400 });
      const id = randomDeliveryId();
      await store.claim([id], 'crashed-owner');
      await sleep(150);
      const held = (await store.claim([id], 'owner-b')).get(id);
      if (held?.outcome !== 'in-flight') throw new Error(`expected in-flight, got ${held?.outcome}`);

      await sleep(held.leaseRemainingMs + 20);

      expect((await store.claim([id], 'owner-b')).get(id)).toEqual({ outcome: 'claimed' });
    });

    it('lets another owner claim once the lease has expired', async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 300 });
      const id = randomDeliveryId();
      await store.claim([id], 'crashed-owner');
      await sleep(450);
      expect((await store.claim([id], 'owner-b')).get(id)).toEqual({ outcome: 'claimed' });
    });

    it('suppresses a delivery already marked sent or failed, for any owner', async () => {
      const store = await makeStore(slow);
      const [sent, failed] = [randomDeliveryId(), randomDeliveryId()];
      await store.claim([sent, failed], 'owner-a');
      await store.mark(
        [
          { deliveryId: sent, kind: 'sent' },
          { deliveryId: failed, kind: 'failed' },
        ],
        'owner-a',
      );
      const results = await store.claim([sent, failed], 'owner-b');
      expect(results.get(sent)).toEqual({ outcome: 'duplicate', mark: 'sent' });
      expect(results.get(failed)).toEqual({ outcome: 'duplicate', mark: 'failed' });
      expect((await store.claim([sent], 'owner-a')).get(sent)).toEqual({
        outcome: 'duplicate',
        mark: 'sent',
      });
    });

    it('releases its own claim so the delivery can be retried at once', async () => {
      const store = await makeStore(slow);
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');
      await store.release([id], 'owner-a');
      expect((await store.claim([id], 'owner-b')).get(id)).toEqual({ outcome: 'claimed' });
    });

    it("never releases another owner's claim", async () => {
      const store = await makeStore(slow);
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');
      await store.release([id], 'owner-b');
      expect((await store.claim([id], 'owner-b')).get(id)).toMatchObject({ outcome: 'in-flight' });
    });

    it('keeps a mark for the whole window and lets it go after the window plus one bucket', async () => {
      const store = await makeStore({ windowSeconds: 2, leaseMs: 60_000 });
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');
      await store.mark([{ deliveryId: id, kind: 'sent' }], 'owner-a');
      await sleep(1_700);
      expect((await store.claim([id], 'owner-b')).get(id)).toEqual({ outcome: 'duplicate', mark: 'sent' });
      // Window 2 s in 8 buckets → 1 s buckets: gone at most 2 + 1 s after the write (+ clock rounding).
      await sleep(2_500);
      expect((await store.claim([id], 'owner-b')).get(id)).toEqual({ outcome: 'claimed' });
    });

    it('answers for every id of a 100-id batch, repeated ids included', async () => {
      const store = await makeStore(slow);
      const ids = Array.from({ length: 100 }, randomDeliveryId);
      const [done, taken] = [ids.slice(0, 30), ids.slice(30, 60)];
      await store.claim(done, 'owner-a');
      await store.mark(
        done.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
        'owner-a',
      );
      await store.claim(taken, 'owner-c');
      const results = await store.claim([...ids, ids[0] as string, ids[99] as string], 'owner-b');
      expect(results.size).toBe(100);
      expect(done.every((id) => results.get(id)?.outcome === 'duplicate')).toBe(true);
      expect(taken.every((id) => results.get(id)?.outcome === 'in-flight')).toBe(true);
      expect(ids.slice(60).every((id) => results.get(id)?.outcome === 'claimed')).toBe(true);
    });

    it('fails a whole call when the store is down part-way, never letting another owner claim what it held, and marks every id on retry', async () => {
      if (!makePartlyFailing) throw new Error('every DedupStore contract run must cover part-way failures');
      // Prepare
      const { store, isPartWay, breakUpperHalf, heal } = await makePartlyFailing(slow);
      const [lower, upper] = [deliveryIdsIn('lower', 20), deliveryIdsIn('upper', 20)];
      const all = [...lower, ...upper];
      await store.claim(all, 'owner-a');
      await breakUpperHalf();

      // Act
      const failedMark = await store.mark(sentMarks(all), 'owner-a').then(
        () => 'marked',
        (error: unknown) => error,
      );
      await heal();
      const between = await store.claim(all, 'owner-b');
      await store.mark(sentMarks(all), 'owner-a');
      const after = await store.claim(all, 'owner-b');

      // Assess: the caller sees an error for the whole call and must retry every id of it; meanwhile
      // each id is marked (the part written before the failure) or still held by its owner.
      expect(failedMark).toBeInstanceOf(DependencyUnavailableError);
      expect(upper.map((id) => between.get(id)?.outcome)).toEqual(upper.map(() => 'in-flight'));
      const lowerOutcome = isPartWay ? 'duplicate' : 'in-flight';
      expect(lower.map((id) => between.get(id)?.outcome)).toEqual(lower.map(() => lowerOutcome));
      expect(all.filter((id) => after.get(id)?.outcome !== 'duplicate')).toEqual([]);
    });

    it('fails a claim that is refused part-way and leaves none of its ids held; every id is claimed on retry', async () => {
      if (!makePartlyFailing) throw new Error('every DedupStore contract run must cover part-way failures');
      // Prepare
      const { store, breakUpperHalf, heal } = await makePartlyFailing(slow);
      const [lower, upper] = [deliveryIdsIn('lower', 20), deliveryIdsIn('upper', 20)];
      const all = [...lower, ...upper];
      await breakUpperHalf();

      // Act
      const failedClaim = await store.claim(all, 'owner-a').then(
        () => 'claimed',
        (error: unknown) => error,
      );
      await heal();
      const byOther = await store.claim(all, 'owner-b');
      await store.release(all, 'owner-b');
      const retried = await store.claim(all, 'owner-a');

      // Assess: nothing may be sent for a failed claim call, so a part it claimed is given back at once
      // (a batch retried by another invocation does not wait a lease for it).
      expect(failedClaim).toBeInstanceOf(DependencyUnavailableError);
      expect(all.filter((id) => byOther.get(id)?.outcome !== 'claimed')).toEqual([]);
      expect(all.filter((id) => retried.get(id)?.outcome !== 'claimed')).toEqual([]);
    });

    it('does nothing for empty batches', async () => {
      const store = await makeStore(slow);
      expect((await store.claim([], 'owner-a')).size).toBe(0);
      await expect(store.mark([], 'owner-a')).resolves.toBeUndefined();
      await expect(store.release([], 'owner-a')).resolves.toBeUndefined();
    });
  });
}
