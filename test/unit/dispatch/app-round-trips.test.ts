/**
 * The store round trips one batch costs, counted on the dispatch app's injected stores: one claim, at
 * most one release and one status write per batch, whatever mix of fates it holds; and per wave of
 * vendor calls (calls that start or end together) one send-intent write and one mark write, sent in
 * the same turn (one round trip), so a crash mid-batch leaves marks for everything already settled.
 * Dead-lettered poison is marked on its own, after the dead-letter publish. In Redis each call is one
 * round trip per slot group; a call per record would multiply the batch's latency by its size.
 */
import { describe, expect, it } from 'vitest';
import type { DedupStore } from '../../../lambdas/ports/dedup-store.ts';
import type { StatusStore } from '../../../lambdas/ports/status-store.ts';
import type { Vendor } from '../../../lambdas/ports/vendor.ts';
import { FakeVendor } from '../../fakes/fake-vendor.ts';
import { InMemoryDedupStore } from '../../fakes/in-memory-dedup-store.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { eventOfDeliveries, makeDelivery, mskEventOf } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

/** `target` behind a proxy that counts calls per method (methods run on the target itself). */
function counting<T extends object>(target: T): { store: T; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const store = new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(property)] = (calls[String(property)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { store, calls };
}

const UNREACHABLE = '+15550007777';
const REJECTED = '+15550009999';

/** A vendor that no vendor can reach for one recipient (unavailable: retried later). */
function unreachableFor(inner: FakeVendor): Vendor {
  return {
    name: inner.name,
    send: async (message, signal) =>
      message.to === UNREACHABLE
        ? { kind: 'unavailable', reason: `${inner.name}: HTTP 503 unavailable` }
        : inner.send(message, signal),
  };
}

function countedDispatch() {
  const dedup = counting<DedupStore>(new InMemoryDedupStore({ windowSeconds: 3600, leaseMs: 60_000 }));
  const statuses = counting<StatusStore>(new InMemoryStatusStore());
  const fakes = ['sms-a', 'sms-b', 'sms-c'].map((name) => new FakeVendor(name, { rejectTo: [REJECTED] }));
  const dispatch = fakeDispatch({
    dedup: dedup.store,
    statuses: statuses.store,
    vendors: fakes.map((vendor) => ({
      vendor: unreachableFor(vendor),
      timeoutMs: 1_000,
      guard: { maxConcurrent: 4, failureThreshold: 1_000, halfOpenAfterMs: 30_000 },
    })),
  });
  return { ...dispatch, dedupCalls: dedup.calls, statusCalls: statuses.calls, fakes };
}

describe('round trips per batch', () => {
  it('costs one claim, one mark, one release and one status write for a batch of every fate', async () => {
    const { invoke, dedup, dedupCalls, statusCalls, fakes } = countedDispatch();
    const sent = Array.from({ length: 4 }, () => makeDelivery());
    const alreadySent = makeDelivery();
    await dedup.mark([{ deliveryId: alreadySent.deliveryId, kind: 'sent' }], 'earlier-invocation');
    delete dedupCalls.mark;
    const rejected = makeDelivery({ recipient: REJECTED });
    const retried = makeDelivery({ recipient: UNREACHABLE });
    const noVendors = makeDelivery({ channel: 'push' });
    const event = mskEventOf([
      ...sent.map((delivery, index) => ({ offset: index, delivery })),
      { offset: 4, delivery: sent[0] },
      { offset: 5, delivery: alreadySent },
      { offset: 6, delivery: rejected },
      { offset: 7, delivery: retried },
      { offset: 8, delivery: noVendors },
      { offset: 9, value: Buffer.from('not json') },
    ]);

    const response = await invoke(event);

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 7 } }],
    });
    expect(fakes[0]?.deliveries.map((m) => m.deliveryId).sort()).toEqual(
      sent.map((d) => d.deliveryId).sort(),
    );
    const { intend = 0, mark = 0, ...perBatch } = dedupCalls;
    expect(perBatch).toEqual({ claim: 1, release: 1 });
    const vendorCalls = fakes.reduce((sum, fake) => sum + fake.calls.length, 0) + 2; // + the unreachable's
    expect(intend).toBeGreaterThanOrEqual(1);
    expect(intend).toBeLessThan(vendorCalls);
    // One mark write per wave that settled deliveries (at most one per intent wave), plus the poison's.
    expect(mark).toBeGreaterThanOrEqual(2);
    expect(mark).toBeLessThanOrEqual(intend + 1);
    expect(statusCalls).toEqual({ recordUpdates: 1 });
  });

  it('costs one claim, one mark and one status write, and no release, when every delivery is sent', async () => {
    const { invoke, dedupCalls, statusCalls } = countedDispatch();

    expect(await invoke(eventOfDeliveries(Array.from({ length: 20 }, () => makeDelivery())))).toEqual({
      batchItemFailures: [],
    });

    // 20 deliveries through a vendor that takes 4 at a time: 5 waves, each with one coalesced intent
    // write as it starts and one mark write as it ends (the next wave's intents go out beside it).
    expect(dedupCalls).toEqual({ claim: 1, intend: 5, mark: 5 });
    expect(statusCalls).toEqual({ recordUpdates: 1 });
  });
});
