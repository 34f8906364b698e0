/**
 * Exactly once with vendors that do not dedupe (the mock vendors' default, as the real providers):
 * Herald's dedup is the only guard. Real Kafka, real Redis, real HTTP mock vendors; each case is one
 * way the issue found to deliver twice, and counts what the recipients would see in the vendors' log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDelivery } from '../../unit/dispatch/support/deliveries.ts';
import { type DispatchHarness, sendCounts, startDispatchHarness } from './support/dispatch-harness.ts';

const harnesses: DispatchHarness[] = [];
async function start(options: Parameters<typeof startDispatchHarness>[0] = {}) {
  const harness = await startDispatchHarness(options);
  harnesses.push(harness);
  return harness;
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
});

const requests = (h: DispatchHarness) =>
  Object.values(h.vendors).reduce((sum, vendor) => sum + vendor.requestCount(), 0);

describe('exactly once, with vendors that deliver every request they get', () => {
  it('delivers once when the vendor answers after twice the timeout and delivers anyway', async () => {
    // Prepare: sms-a answers (and delivers) 2 s after a request; the adapter gives up after 1 s
    const h = await start({ vendorTimeoutMs: 1_000 });
    await h.vendors.a.setFaults({ latencyMs: 2_000 });
    const delivery = makeDelivery();
    await h.produce([delivery]);
    const event = await h.event();

    // Act: the batch, then its redelivery once the vendor has delivered
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });
    await sleep(1_500);
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });

    // Assess: one request, one delivery, nothing to sms-b or sms-c; held as maybe-sent
    expect(requests(h)).toBe(1);
    expect(sendCounts(h.vendorLog())).toEqual(new Map([[delivery.deliveryId, 1]]));
    expect((await h.dedup.claim([delivery.deliveryId], 'probe')).get(delivery.deliveryId)).toEqual({
      outcome: 'duplicate',
      mark: 'maybe-sent',
    });
  });

  it('sends everything through sms-b when sms-a answers 401, opening its circuit; nothing failed', async () => {
    const h = await start();
    await h.vendors.a.setFaults({ answerStatus: 401 });
    const batch = Array.from({ length: 30 }, () => makeDelivery());
    await h.produce(batch);

    expect(await h.invoke(await h.event())).toEqual({ batchItemFailures: [] });

    expect(h.vendors.b.deliveries()).toHaveLength(30);
    expect(h.vendors.a.deliveries()).toHaveLength(0);
    // At most the calls already under way when the first 401 came back (the guard's concurrency, 8).
    expect(h.vendors.a.requestCount()).toBeLessThanOrEqual(8);
    const claims = await h.dedup.claim(
      batch.map((d) => d.deliveryId),
      'probe',
    );
    expect([...claims.values()].every((c) => c.outcome === 'duplicate' && c.mark === 'sent')).toBe(true);
  });

  it('after an ambiguous answer, sends nothing to sms-b or sms-c while sms-a is down, and once when it returns (same-vendor)', async () => {
    // Prepare: sms-a drops the connection after taking the request (nothing delivered), then goes down
    const h = await start({ ambiguousRetryPolicy: 'same-vendor' });
    await h.vendors.a.setFaults({ resetRate: 1 });
    const delivery = makeDelivery();
    await h.produce([delivery]);
    const event = await h.event();

    // Act: the ambiguous attempt; a redelivery while sms-a is down; one after it is back
    expect((await h.invoke(event)).batchItemFailures).toHaveLength(1);
    await h.vendors.a.setFaults({ resetRate: 0, down: true });
    expect((await h.invoke(event)).batchItemFailures).toHaveLength(1);
    await h.vendors.a.setFaults({ down: false });
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });

    // Assess
    expect(h.vendors.b.requestCount() + h.vendors.c.requestCount()).toBe(0);
    expect(h.vendorLog().map((entry) => [entry.vendor, entry.deliveryId])).toEqual([
      ['sms-a', delivery.deliveryId],
    ]);
  });

  it('sends nothing again when the consumer group is reset to the earliest offset and the dispatcher restarts with fresh vendors', async () => {
    // Prepare: a first dispatcher delivers 25 records
    const first = await start();
    const batch = Array.from({ length: 25 }, () => makeDelivery());
    await first.produce(batch);
    const replay = await first.event();
    expect(await first.invoke(replay)).toEqual({ batchItemFailures: [] });
    expect(first.vendorLog()).toHaveLength(25);

    // Act: a new dispatcher (new container, new vendors) on the same Redis gets every record again
    const restarted = await start({ keyPrefix: first.keyPrefix });
    expect(await restarted.invoke(replay)).toEqual({ batchItemFailures: [] });

    // Assess: not one request reached the fresh vendors
    expect(requests(restarted)).toBe(0);
    expect(restarted.vendorLog()).toEqual([]);
  });
});
