/**
 * Redeliveries of records whose claims another invocation holds: the batch waits out leases that end
 * within its wait budget and claims those ids once more, never sending before a lease has run out and
 * respecting a holder that marked, released or renewed meanwhile. On in-memory fakes, real time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MSKEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { ClaimResult } from '../../../lambdas/core/dedup.ts';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
import { leasesToWaitFor } from '../../../lambdas/dispatch/lease-wait.ts';
import type { VendorMessage, VendorOutcome } from '../../../lambdas/ports/vendor.ts';
import { LEASE_EXPIRY_SLACK_MS, leaseWaitBudgetMs } from '../../../lambdas/shared/timing.ts';
import { FakeVendor } from '../../fakes/fake-vendor.ts';
import { eventOfDeliveries, lambdaContext, makeDelivery } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

/** A FakeVendor that notes when each delivery was first sent. */
class TimedVendor extends FakeVendor {
  readonly sentAtMs = new Map<string, number>();
  override async send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    if (!this.sentAtMs.has(message.deliveryId)) this.sentAtMs.set(message.deliveryId, Date.now());
    return super.send(message, signal);
  }
}

// A 4 s lease (1 s vendor timeouts) with 10 s left: 6 s to wait for other owners' leases.
const LEASE_MS = 4_000;
const REMAINING_MS = 10_000;

function setup() {
  const primary = new TimedVendor('sms-a');
  const dispatch = fakeDispatch({
    claimLeaseMs: LEASE_MS,
    vendors: [primary, new FakeVendor('sms-b'), new FakeVendor('sms-c')].map((vendor) => ({
      vendor,
      timeoutMs: 1_000,
      guard: { maxConcurrent: 4, failureThreshold: 1_000, halfOpenAfterMs: 30_000 },
    })),
  });
  /** What a crashed (or still running) invocation leaves: its claims, leased for `leaseMs` more. */
  const holdBy = (owner: string, deliveries: readonly Delivery[], leaseMs: number) => {
    for (const d of deliveries)
      dispatch.dedup.claims.set(d.deliveryId, { owner, expiresAtMs: Date.now() + leaseMs });
  };
  const invoke = (event: MSKEvent) => dispatch.app(event, lambdaContext(REMAINING_MS));
  return { ...dispatch, primary, holdBy, invoke };
}

const sent = (vendor: FakeVendor) => vendor.deliveries.map((m) => m.deliveryId).sort();
const idsOf = (deliveries: readonly Delivery[]) => deliveries.map((d) => d.deliveryId).sort();

describe('redelivery of records claimed by another invocation', () => {
  it("waits out a crashed invocation's leases and sends those deliveries in the same invocation, after the lease", async () => {
    const { invoke, primary, holdBy, dedup, metric } = setup();
    const deliveries = Array.from({ length: 5 }, () => makeDelivery());
    const held = deliveries.slice(0, 3);
    holdBy('crashed-invocation', held, 300);
    const leaseEnds = new Map(held.map((d) => [d.deliveryId, dedup.claims.get(d.deliveryId)?.expiresAtMs]));

    const response = await invoke(eventOfDeliveries(deliveries));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(sent(primary)).toEqual(idsOf(deliveries));
    expect(primary.calls).toHaveLength(5);
    for (const [id, endsAt] of leaseEnds)
      expect(primary.sentAtMs.get(id)).toBeGreaterThanOrEqual(endsAt as number);
    expect(metric('LeaseWaited')).toBe(3);
    expect(metric('DeliverySent')).toBe(5);
    expect([...dedup.marks.keys()].sort()).toEqual(idsOf(deliveries));
  });

  it('suppresses what a live holder marked sent while the batch waited', async () => {
    const { invoke, primary, holdBy, dedup } = setup();
    const [held, free] = [makeDelivery(), makeDelivery()];
    holdBy('live-invocation', [held], 400);
    const holderFinishes = sleep(100).then(() =>
      dedup.mark([{ deliveryId: held.deliveryId, kind: 'sent' }], 'live-invocation'),
    );

    const response = await invoke(eventOfDeliveries([held, free]));
    await holderFinishes;

    expect(response).toEqual({ batchItemFailures: [] });
    expect(primary.calls.map((m) => m.deliveryId)).toEqual([free.deliveryId]);
  });

  it('sends what a live holder released while the batch waited, once its claim is ours', async () => {
    const { invoke, primary, holdBy, dedup } = setup();
    const held = makeDelivery();
    holdBy('live-invocation', [held], 400);
    const holderGivesUp = sleep(100).then(() => dedup.release([held.deliveryId], 'live-invocation'));

    const response = await invoke(eventOfDeliveries([held]));
    await holderGivesUp;

    expect(response).toEqual({ batchItemFailures: [] });
    expect(sent(primary)).toEqual([held.deliveryId]);
  });

  it('retries, without sending, a delivery whose holder renewed its lease while the batch waited', async () => {
    const { invoke, primary, holdBy } = setup();
    const held = makeDelivery();
    holdBy('live-invocation', [held], 300);
    const renewal = sleep(100).then(() => holdBy('live-invocation', [held], 5_000));

    const response = await invoke(eventOfDeliveries([held], 7));
    await renewal;

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 7 } }],
    });
    expect(primary.calls).toHaveLength(0);
  });

  it('leaves a lease that ends after the wait budget for a later retry, and sends the rest at once', async () => {
    const { invoke, primary, holdBy, metric } = setup();
    const [held, free] = [makeDelivery(), makeDelivery()];
    holdBy('crashed-invocation', [held], 6_500);
    const started = Date.now();

    const response = await invoke(eventOfDeliveries([held, free], 10));

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 10 } }],
    });
    expect(sent(primary)).toEqual([free.deliveryId]);
    expect(metric('LeaseWaited')).toBe(0);
    // Not waited for: the answer comes long before the 6.5 s lease would have ended.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('retries the held records, having sent the others, when the claim after the wait fails', async () => {
    const { invoke, primary, holdBy, dedup } = setup();
    const [held, free] = [makeDelivery(), makeDelivery()];
    holdBy('crashed-invocation', [held], 300);
    const outage = sleep(150).then(() => {
      dedup.isAvailable = false;
    });

    const response = await invoke(eventOfDeliveries([held, free], 20));
    await outage;

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 20 } }],
    });
    expect(primary.calls.map((m) => m.deliveryId)).toEqual([free.deliveryId]);
  });
});

describe('leasesToWaitFor', () => {
  const inFlight = (leaseRemainingMs: number) => ({ outcome: 'in-flight', leaseRemainingMs }) as const;

  it('picks the in-flight ids whose lease ends within the budget and waits for the last of them', () => {
    const claims = new Map<string, ClaimResult>([
      ['a', inFlight(200)],
      ['b', inFlight(900)],
      ['c', inFlight(5_000)],
      ['d', { outcome: 'claimed' }],
      ['e', { outcome: 'duplicate', mark: 'sent' }],
    ]);

    expect(leasesToWaitFor(claims, 1_000)).toEqual({
      ids: ['a', 'b'],
      waitMs: 900 + LEASE_EXPIRY_SLACK_MS,
    });
  });

  it('waits for nothing when no lease ends within the budget', () => {
    expect(leasesToWaitFor(new Map([['a', inFlight(1_000)]]), 1_000)).toBeUndefined();
    expect(leasesToWaitFor(new Map([['a', inFlight(10)]]), 0)).toBeUndefined();
  });
});

describe('leaseWaitBudgetMs', () => {
  it.each([
    [25_000, 58_000, 33_000],
    [25_000, 25_000, 0],
    [25_000, 10_000, 0],
  ])('lease %i ms, %i ms left → may wait %i ms', (lease, remaining, expected) => {
    expect(leaseWaitBudgetMs(lease, remaining)).toBe(expected);
  });
});
