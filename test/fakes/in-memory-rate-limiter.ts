/**
 * In-memory RateLimiter for unit tests: the same GCRA steps (lambdas/core/rate-schedule.ts) on the
 * local clock. Passes the same contract suite as RedisRateLimiter (test/fakes/contracts/rate-limiter.contract.ts).
 */
import { grantOf, pausedTat, reserveSlots } from '../../lambdas/core/rate-schedule.ts';
import type { RateGrant, RateLimit, RateLimiter } from '../../lambdas/ports/rate-limiter.ts';

const nowMicros = () => Math.floor((performance.timeOrigin + performance.now()) * 1_000);

/** In-memory rate limiter, one schedule per vendor. */
export class InMemoryRateLimiter implements RateLimiter {
  readonly #tats = new Map<string, number>();

  async reserve(vendor: string, count: number, limit: RateLimit, maxWaitMs: number): Promise<RateGrant> {
    const reservation = reserveSlots(this.#tats.get(vendor) ?? 0, nowMicros(), count, limit, maxWaitMs);
    if (reservation.granted > 0) this.#tats.set(vendor, reservation.newTatMicros);
    return grantOf(reservation, limit);
  }

  async pause(vendor: string, pauseMs: number, limit: RateLimit): Promise<void> {
    this.#tats.set(vendor, pausedTat(this.#tats.get(vendor) ?? 0, nowMicros(), pauseMs, limit));
  }
}
