/**
 * The RateLimiter contract, run against RedisRateLimiter (real Redis) and InMemoryRateLimiter, so the
 * fake cannot drift. Real time; the schedules are exact because one reservation reads one clock.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../lambdas/ports/rate-limiter.ts';

const vendorName = () => `vendor-${randomBytes(6).toString('hex')}`;

/** Registers the contract suite; each `makeLimiter()` must be isolated from the others. */
export function describeRateLimiterContract(name: string, makeLimiter: () => Promise<RateLimiter>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    it('grants the burst at once, then spaces the rest by the interval within the wait budget', async () => {
      const limiter = await makeLimiter();

      const grant = await limiter.reserve(vendorName(), 20, { perSecond: 10, burst: 5 }, 1_000);

      // Sends 0..4 now (the burst), then one per 100 ms up to 1 000 ms: 15 sends.
      expect(grant.granted).toBe(15);
      expect(grant.delaysMs).toEqual([0, 0, 0, 0, 0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000]);
      expect(grant.nextFreeInMs).toBe(1_100);
    });

    it('continues the schedule for the next reservation, from any caller', async () => {
      const [first, second] = [await makeLimiter(), await makeLimiter()];
      const vendor = vendorName();
      const limit = { perSecond: 10, burst: 1 };
      await first.reserve(vendor, 3, limit, 1_000);

      const now = await second.reserve(vendor, 5, limit, 0);
      const later = await second.reserve(vendor, 2, limit, 500);

      expect(now.granted).toBe(0);
      expect(now.nextFreeInMs).toBeGreaterThan(250);
      expect(now.nextFreeInMs).toBeLessThanOrEqual(300);
      expect(later.granted).toBe(2);
      expect(later.delaysMs[0]).toBeGreaterThan(250);
      expect((later.delaysMs[1] ?? 0) - (later.delaysMs[0] ?? 0)).toBeCloseTo(100, 6);
    });

    it('keeps vendors apart', async () => {
      const limiter = await makeLimiter();
      const limit = { perSecond: 1, burst: 1 };
      const a = vendorName();
      await limiter.reserve(a, 1, limit, 0);

      expect((await limiter.reserve(a, 1, limit, 0)).granted).toBe(0);
      expect((await limiter.reserve(vendorName(), 1, limit, 0)).granted).toBe(1);
    });

    it('refills the burst once the vendor was idle long enough', async () => {
      const limiter = await makeLimiter();
      const vendor = vendorName();
      const limit = { perSecond: 20, burst: 2 };
      expect((await limiter.reserve(vendor, 2, limit, 0)).granted).toBe(2);
      expect((await limiter.reserve(vendor, 1, limit, 0)).granted).toBe(0);

      await sleep(130);

      expect(await limiter.reserve(vendor, 2, limit, 0)).toMatchObject({ granted: 2, delaysMs: [0, 0] });
    });

    it('grants nothing and changes nothing for a count of 0', async () => {
      const limiter = await makeLimiter();
      const vendor = vendorName();
      const limit = { perSecond: 1, burst: 1 };

      expect(await limiter.reserve(vendor, 0, limit, 0)).toEqual({
        granted: 0,
        delaysMs: [],
        nextFreeInMs: 0,
      });
      expect((await limiter.reserve(vendor, 1, limit, 0)).granted).toBe(1);
    });

    it('starts nothing before the pause a throttling answer asked for ends, then at half the rate', async () => {
      const limiter = await makeLimiter();
      const vendor = vendorName();
      const limit = { perSecond: 100, burst: 10 };
      await limiter.slowDown(vendor, limit, { pauseMs: 300 });

      const during = await limiter.reserve(vendor, 5, limit, 0);
      const after = await limiter.reserve(vendor, 3, limit, 400);

      expect(during.granted).toBe(0);
      expect(during.nextFreeInMs).toBeGreaterThan(250);
      expect(during.nextFreeInMs).toBeLessThanOrEqual(300);
      expect(after.granted).toBe(3);
      expect(after.delaysMs[0]).toBeGreaterThan(250);
      // 100/s is one per 10 ms; slowed down, one per 20 ms.
      expect((after.delaysMs[2] ?? 0) - (after.delaysMs[0] ?? 0)).toBeCloseTo(40, 6);
    });

    it('counts throttling answers within a second once, and halves the rate again after that', async () => {
      const limiter = await makeLimiter();
      const vendor = vendorName();
      const limit = { perSecond: 100, burst: 1 };
      await limiter.slowDown(vendor, limit, { pauseMs: 0 });
      await limiter.slowDown(vendor, limit, { pauseMs: 0 });
      const once = await limiter.reserve(vendor, 2, limit, 1_000);

      await sleep(1_050);
      await limiter.slowDown(vendor, limit, { pauseMs: 0 });
      const twice = await limiter.reserve(vendor, 2, limit, 1_000);

      expect((once.delaysMs[1] ?? 0) - (once.delaysMs[0] ?? 0)).toBeCloseTo(20, 6);
      expect((twice.delaysMs[1] ?? 0) - (twice.delaysMs[0] ?? 0)).toBeCloseTo(40, 6);
    });

    it('never lowers the rate below an eighth of the configured one', async () => {
      const limiter = await makeLimiter();
      const vendor = vendorName();
      const limit = { perSecond: 1_000, burst: 1 };
      for (let i = 0; i < 5; i++) {
        await limiter.slowDown(vendor, limit, { pauseMs: 0 });
        await sleep(1_010);
      }

      const grant = await limiter.reserve(vendor, 2, limit, 1_000);

      expect((grant.delaysMs[1] ?? 0) - (grant.delaysMs[0] ?? 0)).toBeCloseTo(8, 6);
    });

    it('is back at the configured rate once the slow-down has run out', async () => {
      const limiter = await makeLimiter();
      const vendor = vendorName();
      const limit = { perSecond: 100, burst: 1 };
      await limiter.slowDown(vendor, limit, { pauseMs: 0, forMs: 150 });

      await sleep(250);
      const grant = await limiter.reserve(vendor, 3, limit, 1_000);

      expect(grant.delaysMs[0]).toBe(0);
      expect((grant.delaysMs[2] ?? 0) - (grant.delaysMs[0] ?? 0)).toBeCloseTo(20, 6);
    });

    it('never lets concurrent callers start more than the rate allows', async () => {
      const limiters = await Promise.all(Array.from({ length: 4 }, () => makeLimiter()));
      const vendor = vendorName();
      const limit = { perSecond: 100, burst: 10 };

      const started = performance.now();
      const grants = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (limiters[i % 4] as RateLimiter).reserve(vendor, 10, limit, 500),
        ),
      );
      const elapsedMs = performance.now() - started;

      // At one instant, 500 ms hold the burst of 10 (τ = 90 ms) plus one per 10 ms: 60 sends. Each
      // 10 ms the calls take opens one more slot; never more than that.
      const total = grants.reduce((sum, grant) => sum + grant.granted, 0);
      expect(total).toBeGreaterThanOrEqual(60);
      expect(total).toBeLessThanOrEqual(60 + Math.ceil(elapsedMs / 10));
      const starts = grants.flatMap((grant) => grant.delaysMs).sort((a, b) => a - b);
      expect(starts.filter((delay) => delay === 0).length).toBeLessThanOrEqual(
        10 + Math.ceil(elapsedMs / 10),
      );
    });
  });
}
