/** The dispatch app keeps a rate-limited vendor to its rate with the shared limiter (a fake here). */
import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../lambdas/ports/rate-limiter.ts';
import { FakeVendor } from '../../fakes/fake-vendor.ts';
import { InMemoryRateLimiter } from '../../fakes/in-memory-rate-limiter.ts';
import { eventOfDeliveries, makeDelivery } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

function limitedDispatch(rateLimiter: RateLimiter) {
  const guard = { maxConcurrent: 100, failureThreshold: 1_000, halfOpenAfterMs: 30_000 };
  return fakeDispatch({
    rateLimiter,
    vendors: [
      { vendor: new FakeVendor('sms-a'), timeoutMs: 1_000, guard, rateLimit: { perSecond: 10, burst: 1 } },
      { vendor: new FakeVendor('sms-b'), timeoutMs: 1_000, guard },
      { vendor: new FakeVendor('sms-c'), timeoutMs: 1_000, guard },
    ],
  });
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
      pause: async () => undefined,
    };
    const { invoke, vendors } = limitedDispatch(down);

    const response = await invoke(eventOfDeliveries([makeDelivery(), makeDelivery()]));

    expect(response.batchItemFailures).toHaveLength(2);
    expect(vendors.a.calls.length + vendors.b.calls.length + vendors.c.calls.length).toBe(0);
  });
});
