/**
 * The IdempotencyStore contract, run against RedisIdempotencyStore (real Redis) and
 * InMemoryIdempotencyStore, so the fake cannot drift from the real adapter. Real time, short TTLs.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type {
  IdempotencyStore,
  Reservation,
  ReserveResult,
} from '../../../lambdas/ports/idempotency-store.ts';

/** Builds a store with the given window and lease; each call must be isolated from the others. */
export type IdempotencyStoreFactory = (options: {
  windowSeconds: number;
  leaseSeconds: number;
}) => Promise<IdempotencyStore>;

const scope = () => randomBytes(32).toString('hex');
const fingerprint = () => randomBytes(32).toString('hex');
const accepted = { accepted: 100, collapsedDuplicates: 7 };

function reservationOf(result: ReserveResult): Reservation {
  if (result.outcome !== 'reserved') throw new Error(`expected reserved, got ${result.outcome}`);
  return result.reservation;
}

/** Registers the contract suite for one implementation. */
export function describeIdempotencyStoreContract(name: string, makeStore: IdempotencyStoreFactory): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    const slow = { windowSeconds: 3600, leaseSeconds: 60 };

    it('reserves a key nobody holds', async () => {
      const store = await makeStore(slow);
      const [id, fp] = [scope(), fingerprint()];
      const result = await store.reserve(id, fp);
      expect(result).toMatchObject({ outcome: 'reserved', reservation: { scopeId: id, fingerprint: fp } });
    });

    it('reports a held key as in progress to the same request and as a mismatch to another', async () => {
      const store = await makeStore(slow);
      const [id, fp] = [scope(), fingerprint()];
      reservationOf(await store.reserve(id, fp));
      expect(await store.reserve(id, fp)).toEqual({ outcome: 'in-progress' });
      expect(await store.reserve(id, fingerprint())).toEqual({ outcome: 'mismatch' });
    });

    it('replays the stored response of a completed key, and refuses a different request', async () => {
      const store = await makeStore(slow);
      const [id, fp] = [scope(), fingerprint()];
      await store.complete(reservationOf(await store.reserve(id, fp)), accepted);
      expect(await store.reserve(id, fp)).toEqual({ outcome: 'completed', response: accepted });
      expect(await store.reserve(id, fp)).toEqual({ outcome: 'completed', response: accepted });
      expect(await store.reserve(id, fingerprint())).toEqual({ outcome: 'mismatch' });
    });

    it('lets a released key be reserved again, even with another request', async () => {
      const store = await makeStore(slow);
      const id = scope();
      await store.release(reservationOf(await store.reserve(id, fingerprint())));
      expect((await store.reserve(id, fingerprint())).outcome).toBe('reserved');
    });

    it('ignores release of a completed key', async () => {
      const store = await makeStore(slow);
      const [id, fp] = [scope(), fingerprint()];
      const reservation = reservationOf(await store.reserve(id, fp));
      await store.complete(reservation, accepted);
      await store.release(reservation);
      expect(await store.reserve(id, fp)).toEqual({ outcome: 'completed', response: accepted });
    });

    it('grants exactly one of many concurrent reservations of one key', async () => {
      const store = await makeStore(slow);
      const [id, fp] = [scope(), fingerprint()];
      const results = await Promise.all(Array.from({ length: 10 }, () => store.reserve(id, fp)));
      expect(results.filter((r) => r.outcome === 'reserved')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'in-progress')).toHaveLength(9);
    });

    it('frees an abandoned reservation after the lease, and keeps the stale holder out', async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseSeconds: 1 });
      const [id, fp] = [scope(), fingerprint()];
      const stale = reservationOf(await store.reserve(id, fp));
      await sleep(1_300);
      const fresh = reservationOf(await store.reserve(id, fp));
      await store.release(stale);
      expect(await store.reserve(id, fp)).toEqual({ outcome: 'in-progress' });
      await store.complete(stale, { accepted: 1, collapsedDuplicates: 0 });
      await store.complete(fresh, accepted);
      expect(await store.reserve(id, fp)).toEqual({ outcome: 'completed', response: accepted });
    });

    it('completes a reservation whose lease ran out if nobody took the key over', async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseSeconds: 1 });
      const [id, fp] = [scope(), fingerprint()];
      const slowHolder = reservationOf(await store.reserve(id, fp));
      await sleep(1_300);
      await store.complete(slowHolder, accepted);
      expect(await store.reserve(id, fp)).toEqual({ outcome: 'completed', response: accepted });
    });

    it('keeps the first completion: a second one of the same reservation changes nothing', async () => {
      const store = await makeStore(slow);
      const [id, fp] = [scope(), fingerprint()];
      const reservation = reservationOf(await store.reserve(id, fp));
      await store.complete(reservation, accepted);
      await store.complete(reservation, { accepted: 3, collapsedDuplicates: 0 });
      expect(await store.reserve(id, fp)).toEqual({ outcome: 'completed', response: accepted });
    });

    it('forgets a completed key after the idempotency window', async () => {
      const store = await makeStore({ windowSeconds: 1, leaseSeconds: 1 });
      const [id, fp] = [scope(), fingerprint()];
      await store.complete(reservationOf(await store.reserve(id, fp)), accepted);
      await sleep(1_300);
      expect((await store.reserve(id, fingerprint())).outcome).toBe('reserved');
    });
  });
}
