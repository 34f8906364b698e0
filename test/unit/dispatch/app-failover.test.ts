/** The dispatch app's vendor handling on fakes: failover, permanent rejection, ambiguity, breakers, limits. */
import { describe, expect, it } from 'vitest';
import type { Vendor, VendorMessage, VendorOutcome } from '../../../lambdas/ports/vendor.ts';
import { FakeVendor } from '../../fakes/fake-vendor.ts';
import { eventOfDeliveries, makeDelivery } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

const ids = (messages: readonly VendorMessage[]) => messages.map((m) => m.deliveryId);

describe('dispatch failover', () => {
  it('sends everything through the secondary while the primary is down', async () => {
    const { invoke, vendors, metric } = fakeDispatch();
    vendors.a.setFaults({ down: true });
    const deliveries = Array.from({ length: 6 }, () => makeDelivery());

    expect(await invoke(eventOfDeliveries(deliveries))).toEqual({ batchItemFailures: [] });

    expect(ids(vendors.b.deliveries).sort()).toEqual(deliveries.map((d) => d.deliveryId).sort());
    expect(vendors.c.calls).toHaveLength(0);
    expect(metric('VendorFailover')).toBe(6);
    expect(metric('VendorFailure')).toBe(6);
  });

  it('sends through the tertiary while primary and secondary are down', async () => {
    const { invoke, vendors } = fakeDispatch();
    vendors.a.setFaults({ down: true });
    vendors.b.setFaults({ errorRate: 1 });
    const deliveries = Array.from({ length: 3 }, () => makeDelivery());

    await invoke(eventOfDeliveries(deliveries));

    expect(ids(vendors.c.deliveries).sort()).toEqual(deliveries.map((d) => d.deliveryId).sort());
    expect(vendors.a.deliveries.length + vendors.b.deliveries.length).toBe(0);
  });

  it('retries everything while all three are down, releases the claims, and delivers once one recovers', async () => {
    const { invoke, vendors, dedup } = fakeDispatch();
    for (const vendor of Object.values(vendors)) vendor.setFaults({ down: true });
    const deliveries = [makeDelivery(), makeDelivery()];
    const event = eventOfDeliveries(deliveries, 40);

    expect(await invoke(event)).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'herald.deliveries-0', offset: 40 } },
        { itemIdentifier: { partition: 'herald.deliveries-0', offset: 41 } },
      ],
    });
    expect(dedup.claims.size).toBe(0);

    vendors.b.setFaults({ down: false });
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });
    expect(ids(vendors.b.deliveries).sort()).toEqual(deliveries.map((d) => d.deliveryId).sort());
  });

  it('records a permanent rejection as failed with the reason, without failover or retry', async () => {
    const { invoke, vendors, metric, statuses } = fakeDispatch();
    const delivery = makeDelivery({ recipient: '+15550009999' });
    vendors.a.setFaults({ rejectTo: ['+15550009999'] });

    expect(await invoke(eventOfDeliveries([delivery]))).toEqual({ batchItemFailures: [] });
    expect(await invoke(eventOfDeliveries([delivery]))).toEqual({ batchItemFailures: [] });

    expect(vendors.a.calls).toHaveLength(1);
    expect(vendors.b.calls).toHaveLength(0);
    expect(metric('DeliveryFailed')).toBe(1);
    const now = new Date().toISOString();
    await statuses.recordAccepted({
      requestId: delivery.requestId,
      clientId: 'client-a',
      acceptedAt: now,
      deliveries: [{ position: 0, deliveryId: delivery.deliveryId }],
    });
    expect((await statuses.read(delivery.requestId, 'client-a'))?.recipients[0]).toMatchObject({
      state: 'failed',
      vendor: 'sms-a',
      reason: 'sms-a: HTTP 400 invalid_recipient',
    });
  });

  it('fails a delivery for a channel without vendors, with the reason', async () => {
    const { invoke, vendors, metric } = fakeDispatch();
    expect(await invoke(eventOfDeliveries([makeDelivery({ channel: 'push' })]))).toEqual({
      batchItemFailures: [],
    });
    expect(vendors.a.calls).toHaveLength(0);
    expect(metric('DeliveryFailed')).toBe(1);
  });
});

describe('ambiguous outcomes', () => {
  /** A vendor that delivers but whose first answer is lost (the request timed out after sending). */
  function lostFirstAnswer(inner: FakeVendor): Vendor {
    let calls = 0;
    return {
      name: inner.name,
      send: async (message) => {
        calls++;
        const outcome = await inner.send(message);
        return calls === 1 ? { kind: 'ambiguous', reason: `${inner.name}: no answer` } : outcome;
      },
    };
  }

  it('retries the same vendor with the same idempotency key first (default policy): delivered once', async () => {
    const a = new FakeVendor('sms-a');
    const { invoke, vendors } = fakeDispatch({ vendors: entries(lostFirstAnswer(a), 'sms-b', 'sms-c') });
    const delivery = makeDelivery();

    expect(await invoke(eventOfDeliveries([delivery]))).toEqual({ batchItemFailures: [] });

    expect(a.calls).toHaveLength(2);
    expect(a.deliveries).toHaveLength(1);
    expect(vendors.b.calls).toHaveLength(0);
  });

  it('fails over at once under the failover policy: the duplicate risk the policy documents', async () => {
    const a = new FakeVendor('sms-a');
    const b = new FakeVendor('sms-b');
    const { invoke } = fakeDispatch({
      vendors: entries(lostFirstAnswer(a), b, 'sms-c'),
      ambiguousRetryPolicy: 'failover',
    });

    await invoke(eventOfDeliveries([makeDelivery()]));

    expect(a.deliveries).toHaveLength(1);
    expect(b.deliveries).toHaveLength(1);
  });

  it('retries the record later instead of failing over under the same-vendor-only policy', async () => {
    let calls = 0;
    const silent: Vendor = {
      name: 'sms-a',
      send: async () => {
        calls++;
        return { kind: 'ambiguous', reason: 'sms-a: no answer' };
      },
    };
    const b = new FakeVendor('sms-b');
    const { invoke, dedup } = fakeDispatch({
      vendors: entries(silent, b, 'sms-c'),
      ambiguousRetryPolicy: 'same-vendor-only',
    });

    const response = await invoke(eventOfDeliveries([makeDelivery()], 8));

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'herald.deliveries-0', offset: 8 } },
    ]);
    expect(calls).toBe(2);
    expect(b.calls).toHaveLength(0);
    expect(dedup.claims.size).toBe(0);
  });
});

describe('send deadline', () => {
  it('starts no vendor call when the lease leaves no time to finish one, and retries the records', async () => {
    const { invoke, vendors, dedup } = fakeDispatch({ claimLeaseMs: 2_500 });

    const response = await invoke(eventOfDeliveries([makeDelivery()], 4));

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 4 } }],
    });
    expect(vendors.a.calls).toHaveLength(0);
    expect(dedup.claims.size).toBe(0);
  });

  it('stops starting calls once the deadline passes, leaving the rest for a retry', async () => {
    const slow = new FakeVendor('sms-a', { latencyMs: 300 });
    // 1 s timeout + 2 s margin out of a 3.5 s lease: 500 ms to start calls, one at a time.
    const { invoke } = fakeDispatch({
      claimLeaseMs: 3_500,
      vendors: entries(slow, 'sms-b', 'sms-c', { maxConcurrent: 1 }),
    });

    const response = await invoke(eventOfDeliveries(Array.from({ length: 6 }, () => makeDelivery())));

    expect(slow.deliveries.length).toBeGreaterThan(0);
    expect(slow.deliveries.length).toBeLessThan(6);
    expect(response.batchItemFailures).toHaveLength(6 - slow.deliveries.length);
  });
});

describe('vendor guards', () => {
  it('opens the circuit after consecutive failures and stops calling the vendor', async () => {
    const a = new FakeVendor('sms-a', { errorRate: 1 });
    const b = new FakeVendor('sms-b');
    const { invoke } = fakeDispatch({
      vendors: entries(a, b, 'sms-c', { failureThreshold: 3, maxConcurrent: 1 }),
    });

    await invoke(eventOfDeliveries(Array.from({ length: 10 }, () => makeDelivery())));

    expect(a.calls).toHaveLength(3);
    expect(b.deliveries).toHaveLength(10);
  });

  it('pauses a throttled vendor for its Retry-After and sends elsewhere meanwhile', async () => {
    const a = new FakeVendor('sms-a', { throttleRate: 1, retryAfterSeconds: 60 });
    const b = new FakeVendor('sms-b');
    const { invoke } = fakeDispatch({ vendors: entries(a, b, 'sms-c', { maxConcurrent: 1 }) });

    await invoke(eventOfDeliveries(Array.from({ length: 5 }, () => makeDelivery())));
    await invoke(eventOfDeliveries(Array.from({ length: 5 }, () => makeDelivery())));

    expect(a.calls).toHaveLength(1);
    expect(b.deliveries).toHaveLength(10);
  });

  it('calls one vendor concurrently, never more than its limit at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const inner = new FakeVendor('sms-a', { latencyMs: 20 });
    const counting: Vendor = {
      name: 'sms-a',
      send: async (message): Promise<VendorOutcome> => {
        peak = Math.max(peak, ++inFlight);
        try {
          return await inner.send(message);
        } finally {
          inFlight--;
        }
      },
    };
    const { invoke } = fakeDispatch({ vendors: entries(counting, 'sms-b', 'sms-c', { maxConcurrent: 5 }) });

    await invoke(eventOfDeliveries(Array.from({ length: 40 }, () => makeDelivery())));

    expect(inner.deliveries).toHaveLength(40);
    expect(peak).toBe(5);
  });
});

/** Vendor entries for the harness: vendors or names of fresh fakes, with guard overrides. */
function entries(
  a: Vendor | string,
  b: Vendor | string,
  c: Vendor | string,
  guard: { failureThreshold?: number; maxConcurrent?: number } = {},
) {
  return [a, b, c].map((vendor) => ({
    vendor: typeof vendor === 'string' ? new FakeVendor(vendor) : vendor,
    timeoutMs: 1_000,
    guard: { maxConcurrent: 4, failureThreshold: 1_000, halfOpenAfterMs: 30_000, ...guard },
  }));
}
