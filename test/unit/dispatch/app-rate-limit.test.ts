/** The dispatch app keeps a rate-limited vendor to its rate with the shared limiter (a fake here). */
import { describe, expect, it, vi } from 'vitest';
import type { RateLimiter } from '../../../lambdas/ports/rate-limiter.ts';
import type { Vendor, VendorMessage, VendorOutcome } from '../../../lambdas/ports/vendor.ts';
import { FakeVendor } from '../../fakes/fake-vendor.ts';
import { InMemoryRateLimiter } from '../../fakes/in-memory-rate-limiter.ts';
import { eventOfDeliveries, makeDelivery } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

const guard = { maxConcurrent: 100, failureThreshold: 1_000, halfOpenAfterMs: 30_000 };

function limitedDispatch(rateLimiter: RateLimiter) {
  return fakeDispatch({
    rateLimiter,
    vendors: [
      { vendor: new FakeVendor('sms-a'), timeoutMs: 1_000, guard, rateLimit: { perSecond: 10, burst: 1 } },
      { vendor: new FakeVendor('sms-b'), timeoutMs: 1_000, guard },
      { vendor: new FakeVendor('sms-c'), timeoutMs: 1_000, guard },
    ],
  });
}

/** A vendor that answers "throttled, retry after `retryAfterMs`" to its first call, then delivers. */
class ThrottlesOnce implements Vendor {
  readonly name: string;
  readonly retryAfterMs: number;
  readonly delivered: VendorMessage[] = [];
  #calls = 0;
  constructor(name: string, retryAfterMs: number) {
    this.name = name;
    this.retryAfterMs = retryAfterMs;
  }
  async send(message: VendorMessage): Promise<VendorOutcome> {
    if (this.#calls++ === 0)
      return { kind: 'throttled', reason: `${this.name}: 429`, retryAfterMs: this.retryAfterMs };
    this.delivered.push(message);
    return { kind: 'accepted' };
  }
}

describe('per-vendor rate limits', () => {
  it('sends what fits the rate within the wait, retries the rest, and never moves them to another vendor', async () => {
    // Prepare: sms-a at 10/s, strictly spaced; the wait budget is 2 s, so 21 slots (0, 100 … 2,000 ms)
    const { invoke, vendors, dedup } = limitedDispatch(new InMemoryRateLimiter());
    const deliveries = Array.from({ length: 30 }, () => makeDelivery());

    // Act
    const response = await invoke(eventOfDeliveries(deliveries));

    // Assess
    expect(vendors.a.deliveries).toHaveLength(21);
    expect(response.batchItemFailures).toHaveLength(9);
    expect(vendors.b.calls.length + vendors.c.calls.length).toBe(0);
    const retried = deliveries.filter(
      (d) => !vendors.a.deliveries.some((m) => m.deliveryId === d.deliveryId),
    );
    // Released at once (nothing was sent), so the retry need not wait out a lease.
    for (const d of retried) expect(dedup.claims.has(d.deliveryId)).toBe(false);
  });

  it('sends nothing at a limited vendor while the limiter is unreachable (fail closed)', async () => {
    const down: RateLimiter = {
      reserve: async () => {
        throw new Error('simulated: Redis unavailable');
      },
      slowDown: async () => undefined,
    };
    const { invoke, vendors } = limitedDispatch(down);

    const response = await invoke(eventOfDeliveries([makeDelivery(), makeDelivery()]));

    expect(response.batchItemFailures).toHaveLength(2);
    expect(vendors.a.calls.length + vendors.b.calls.length + vendors.c.calls.length).toBe(0);
  });

  it('rations failover traffic at a limited second vendor, in one reservation for the calls that fail over together', async () => {
    // Prepare: sms-a down; sms-b at 10/s (21 slots within the 2 s wait), its overflow policy wait
    const limiter = new InMemoryRateLimiter();
    const reserve = vi.spyOn(limiter, 'reserve');
    const { invoke, vendors } = fakeDispatch({
      rateLimiter: limiter,
      vendors: [
        { vendor: new FakeVendor('sms-a', { down: true }), timeoutMs: 1_000, guard },
        { vendor: new FakeVendor('sms-b'), timeoutMs: 1_000, guard, rateLimit: { perSecond: 10, burst: 1 } },
        { vendor: new FakeVendor('sms-c'), timeoutMs: 1_000, guard },
      ],
    });
    const deliveries = Array.from({ length: 30 }, () => makeDelivery());

    // Act
    const response = await invoke(eventOfDeliveries(deliveries));

    // Assess
    expect(vendors.b.deliveries).toHaveLength(21);
    expect(vendors.c.calls).toHaveLength(0);
    expect(response.batchItemFailures).toHaveLength(9);
    expect(reserve.mock.calls.filter(([vendor]) => vendor === 'sms-b')).toHaveLength(1);
  });

  it('moves what finds no slot to the next tier when the vendor overflows by failover', async () => {
    // Prepare: sms-a at 10/s with rate overflow failover
    const { invoke, vendors } = fakeDispatch({
      rateLimiter: new InMemoryRateLimiter(),
      vendors: [
        {
          vendor: new FakeVendor('sms-a'),
          timeoutMs: 1_000,
          guard,
          rateLimit: { perSecond: 10, burst: 1, overflow: 'failover' },
        },
        { vendor: new FakeVendor('sms-b'), timeoutMs: 1_000, guard },
        { vendor: new FakeVendor('sms-c'), timeoutMs: 1_000, guard },
      ],
    });

    // Act
    const response = await invoke(eventOfDeliveries(Array.from({ length: 30 }, () => makeDelivery())));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(vendors.a.deliveries).toHaveLength(21);
    expect(vendors.b.deliveries).toHaveLength(9);
  });

  it('counts SMS message parts at a vendor whose rate is in parts (End User Messaging MPS)', async () => {
    // Prepare: 10 parts/s, 21 slots within the 2 s wait; 15 two-part messages need 30
    const { invoke, vendors } = fakeDispatch({
      rateLimiter: new InMemoryRateLimiter(),
      vendors: [
        {
          vendor: new FakeVendor('sms-a'),
          timeoutMs: 1_000,
          guard,
          rateLimit: { perSecond: 10, burst: 1, countsParts: true },
        },
        { vendor: new FakeVendor('sms-b'), timeoutMs: 1_000, guard },
        { vendor: new FakeVendor('sms-c'), timeoutMs: 1_000, guard },
      ],
    });
    const twoParts = { body: 'a'.repeat(200) };
    const deliveries = Array.from({ length: 15 }, () => makeDelivery({ content: twoParts }));

    // Act
    const response = await invoke(eventOfDeliveries(deliveries));

    // Assess: 10 whole messages fit (20 slots); the 21st slot is half a message, so it does not go
    expect(vendors.a.deliveries).toHaveLength(10);
    expect(response.batchItemFailures).toHaveLength(5);
  });

  it('lowers the shared rate of a vendor that answers throttled, once per batch, for every invocation', async () => {
    // Prepare: sms-a at 5/s (one start per 200 ms) throttles its first call (Retry-After 300 ms)
    const limiter = new InMemoryRateLimiter();
    const slowDown = vi.spyOn(limiter, 'slowDown');
    const reserve = vi.spyOn(limiter, 'reserve');
    const limit = { perSecond: 5, burst: 1 };
    const throttling = new ThrottlesOnce('sms-a', 300);
    const { invoke, vendors } = fakeDispatch({
      rateLimiter: limiter,
      vendors: [
        { vendor: throttling, timeoutMs: 1_000, guard, rateLimit: limit },
        { vendor: new FakeVendor('sms-b'), timeoutMs: 1_000, guard },
        { vendor: new FakeVendor('sms-c'), timeoutMs: 1_000, guard },
      ],
    });

    // Act
    const response = await invoke(eventOfDeliveries(Array.from({ length: 10 }, () => makeDelivery())));
    const after = await limiter.reserve('sms-a', 2, limit, 5_000);

    // Assess: the throttled delivery went on to sms-b. The other 9 gave up their slots (200, 400 …
    // 1,800 ms; not handed back: another invocation may have reserved after them) and reserved again
    // together, at half the rate: only one start (at 2,000 ms) fits their 2 s wait, the other 8 are
    // retried by later invocations, which find the vendor slowed down.
    expect(slowDown).toHaveBeenCalledTimes(1);
    expect(slowDown).toHaveBeenCalledWith('sms-a', expect.objectContaining(limit), { pauseMs: 300 });
    expect(reserve.mock.calls.filter(([vendor]) => vendor === 'sms-a')).toHaveLength(3); // 2 + ours below
    expect(vendors.b.deliveries).toHaveLength(1);
    expect(throttling.delivered).toHaveLength(1);
    expect(response.batchItemFailures).toHaveLength(8);
    expect((after.delaysMs[1] ?? 0) - (after.delaysMs[0] ?? 0)).toBeCloseTo(400, 6);
  });
});
