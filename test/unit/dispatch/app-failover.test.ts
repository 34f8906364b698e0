/** The dispatch app's vendor handling on fakes: failover, permanent rejection, ambiguity, breakers, limits. */
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
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

describe('a push tier mixing services', () => {
  /** A FakeVendor that serves only recipients of one service (as the FCM and APNs adapters do). */
  function serving(name: string, prefix: string): FakeVendor {
    const vendor = new FakeVendor(name);
    return Object.assign(vendor, { serves: (to: string) => to.startsWith(prefix) });
  }

  it('passes over a vendor of the other service to the one that serves the recipient; nothing failed', async () => {
    const fcm = serving('sms-a', 'fcm:');
    const apns = serving('sms-b', 'apns:');
    const { invoke, metric } = fakeDispatch({ vendors: entries(fcm, apns, 'sms-c') });
    const token = `apns:${'ab'.repeat(32)}`;

    expect(await invoke(eventOfDeliveries([makeDelivery({ recipient: token })]))).toEqual({
      batchItemFailures: [],
    });

    expect(fcm.calls).toHaveLength(0);
    expect(apns.deliveries.map((m) => m.to)).toEqual([token]);
    expect(metric('DeliveryFailed')).toBe(0);
  });
});

describe('a vendor named in a tier but not configured', () => {
  const tiersWithMissing = {
    sms: {
      primary: { name: 'sms-missing', weight: 100 },
      secondary: { name: 'sms-b', weight: 0 },
      tertiary: { name: 'sms-c', weight: 0 },
    },
  };

  it('is routed past: every delivery goes to the next tier, and the skip is logged and counted', async () => {
    const logger = new Logger({ serviceName: 'herald-dispatch-test', logLevel: 'SILENT' });
    const info = vi.spyOn(logger, 'info');
    const { invoke, vendors, metric, statuses } = fakeDispatch({ tiers: tiersWithMissing, logger });
    const deliveries = Array.from({ length: 3 }, () => makeDelivery());

    expect(await invoke(eventOfDeliveries(deliveries))).toEqual({ batchItemFailures: [] });

    expect(ids(vendors.b.deliveries).sort()).toEqual(deliveries.map((d) => d.deliveryId).sort());
    expect(vendors.c.calls).toHaveLength(0);
    expect(metric('VendorFailover')).toBe(3);
    expect(metric('VendorFailure')).toBe(3);
    const failovers = info.mock.calls.filter(([message]) => message === 'delivery sent after failover');
    expect(failovers).toHaveLength(3);
    expect(failovers[0]?.[1]).toMatchObject({
      vendor: 'sms-b',
      attempts: [
        { vendor: 'sms-missing', kind: 'unavailable', reason: 'sms-missing: not configured' },
        { vendor: 'sms-b', kind: 'accepted' },
      ],
    });
    const [first] = deliveries as [Delivery];
    await statuses.recordAccepted({
      requestId: first.requestId,
      clientId: first.clientId,
      acceptedAt: first.acceptedAt,
      deliveries: [{ position: 0, deliveryId: first.deliveryId }],
    });
    expect((await statuses.read(first.requestId, first.clientId))?.recipients[0]).toMatchObject({
      state: 'sent',
      vendor: 'sms-b',
    });
  });

  it('loses nothing when the configured tiers are down too: the record is retried and its claim released', async () => {
    const { invoke, vendors, dedup } = fakeDispatch({ tiers: tiersWithMissing });
    vendors.b.setFaults({ down: true });
    vendors.c.setFaults({ down: true });
    const delivery = makeDelivery();

    expect(await invoke(eventOfDeliveries([delivery], 5))).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 5 } }],
    });
    expect(dedup.claims.size).toBe(0);
    expect(dedup.marks.size).toBe(0);

    vendors.c.setFaults({ down: false });
    expect(await invoke(eventOfDeliveries([delivery], 5))).toEqual({ batchItemFailures: [] });
    expect(ids(vendors.c.deliveries)).toEqual([delivery.deliveryId]);
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

  it('holds a delivery whose answer was lost (default policy): never sent again, anywhere', async () => {
    // Prepare
    const a = new FakeVendor('sms-a');
    const { invoke, vendors, statuses, metric } = fakeDispatch({
      vendors: entries(lostFirstAnswer(a), 'sms-b', 'sms-c'),
    });
    const updates = vi.spyOn(statuses, 'recordUpdates');
    const delivery = makeDelivery();
    const event = eventOfDeliveries([delivery]);

    // Act: the batch, then its redelivery
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });

    // Assess: one call, one delivery, maybe-sent at sms-a
    expect(a.calls).toHaveLength(1);
    expect(a.deliveries).toHaveLength(1);
    expect(vendors.b.calls).toHaveLength(0);
    expect(metric('DeliveryMaybeSent')).toBe(1);
    expect(updates.mock.calls[0]?.[0]).toEqual([
      expect.objectContaining({ state: 'maybe-sent', vendor: 'sms-a' }),
    ]);
  });

  it('never fails over on a 409: the vendor holds the message', async () => {
    const a = new FakeVendor('sms-a', { answerStatus: 409 });
    const { invoke, vendors } = fakeDispatch({ vendors: entries(a, 'sms-b', 'sms-c') });
    await invoke(eventOfDeliveries([makeDelivery()]));
    expect(vendors.b.calls.length + vendors.c.calls.length).toBe(0);
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

  it('pins the delivery to its vendor under same-vendor: retried later there only, even while it is down', async () => {
    // Prepare: sms-a resets the connection (nothing delivered), then goes down
    const a = new FakeVendor('sms-a', { resetRate: 1 });
    const { invoke, vendors, dedup } = fakeDispatch({
      vendors: entries(a, 'sms-b', 'sms-c'),
      ambiguousRetryPolicy: 'same-vendor',
    });
    const delivery = makeDelivery();
    const event = eventOfDeliveries([delivery], 8);

    // Act + Assess: retried, the intent kept
    expect((await invoke(event)).batchItemFailures).toHaveLength(1);
    expect(dedup.intents.get(delivery.deliveryId)?.vendor).toBe('sms-a');
    a.setFaults({ resetRate: 0, down: true });
    expect((await invoke(event)).batchItemFailures).toHaveLength(1);
    a.setFaults({ down: false });
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });

    // Nothing went to sms-b or sms-c; sms-a delivered it once, when it came back
    expect(vendors.b.calls.length + vendors.c.calls.length).toBe(0);
    expect(a.deliveries).toHaveLength(1);
    expect(dedup.intents.has(delivery.deliveryId)).toBe(false);
  });

  it('lets a channel opt in to another policy while the rest hold', async () => {
    const a = new FakeVendor('sms-a');
    const b = new FakeVendor('sms-b');
    const { invoke } = fakeDispatch({
      vendors: entries(lostFirstAnswer(a), b, 'sms-c'),
      ambiguousRetryPolicy: 'hold',
      ambiguousRetryPolicyByChannel: { sms: 'failover' },
    });
    await invoke(eventOfDeliveries([makeDelivery()]));
    expect(b.deliveries).toHaveLength(1);
  });
});

describe('a crash during a vendor call', () => {
  it('leaves the send intent, so the redelivery holds the delivery instead of sending it again', async () => {
    // Prepare: the invocation dies while sms-a has the message (the call never answers)
    const a = new FakeVendor('sms-a', { latencyMs: 60_000 });
    const shared = fakeDispatch({ vendors: entries(a, 'sms-b', 'sms-c'), claimLeaseMs: 60_000 });
    const delivery = makeDelivery();
    const event = eventOfDeliveries([delivery]);
    void shared.invoke(event);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(shared.dedup.intents.get(delivery.deliveryId)?.vendor).toBe('sms-a');

    // Act: a new container gets the redelivery after the lease; sms-a is now down
    shared.dedup.claims.clear();
    a.setFaults({ down: true });
    const next = fakeDispatch({ vendors: entries(a, 'sms-b', 'sms-c'), dedup: shared.dedup });
    const updates = vi.spyOn(next.statuses, 'recordUpdates');
    const response = await next.invoke(event);

    // Assess: held as maybe-sent at sms-a, nothing to sms-b or sms-c
    expect(response).toEqual({ batchItemFailures: [] });
    expect(next.vendors.b.calls.length + next.vendors.c.calls.length).toBe(0);
    expect(updates.mock.calls[0]?.[0]).toEqual([
      expect.objectContaining({ state: 'maybe-sent', vendor: 'sms-a' }),
    ]);
  });
});

describe('vendor-level failures', () => {
  it("open the vendor's circuit at once and fail over; nothing is failed", async () => {
    const a = new FakeVendor('sms-a', { answerStatus: 401 });
    const { invoke, vendors, metric } = fakeDispatch({ vendors: entries(a, 'sms-b', 'sms-c') });
    const deliveries = Array.from({ length: 20 }, () => makeDelivery());

    expect(await invoke(eventOfDeliveries(deliveries))).toEqual({ batchItemFailures: [] });

    expect(vendors.b.deliveries).toHaveLength(20);
    expect(a.calls.length).toBeLessThan(20);
    expect(metric('DeliveryFailed')).toBe(0);
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

describe('the dedup store failing at the send intent', () => {
  it('retries the record without calling any vendor and without counting a vendor failure', async () => {
    // Prepare: intents cannot be written (the store is reachable for the claim, then fails)
    const { invoke, vendors, dedup, metric } = fakeDispatch();
    dedup.intend = async () => {
      throw new Error('simulated: Redis unavailable');
    };

    // Act
    const response = await invoke(eventOfDeliveries([makeDelivery()], 5));

    // Assess: retried, nothing sent anywhere, no failover, no vendor blamed
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'herald.deliveries-0', offset: 5 } },
    ]);
    expect(vendors.a.calls.length + vendors.b.calls.length + vendors.c.calls.length).toBe(0);
    expect(metric('VendorFailure')).toBe(0);
    expect(metric('VendorFailover')).toBe(0);
  });
});
