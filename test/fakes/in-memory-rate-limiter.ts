/**
 * In-memory RateLimiter for unit tests: the same GCRA arithmetic (lambdas/core/rate-schedule.ts) the
 * Redis script runs, on a local clock. Passes the RateLimiter contract suite.
 */
import {
  grantOf,
  nextSlowFactor,
  pausedTat,
  reserveSlots,
  SlowDown,
  type SlowDownRequest,
} from '../../lambdas/core/rate-schedule.ts';
import type { RateGrant, RateLimit, RateLimiter } from '../../lambdas/ports/rate-limiter.ts';

const nowMicros = () => Math.floor((performance.timeOrigin + performance.now()) * 1_000);

interface Slowed {
  readonly factor: number;
  readonly raisedAtMicros: number;
  readonly untilMicros: number;
}

/** In-memory rate limiter, one schedule per vendor. */
export class InMemoryRateLimiter implements RateLimiter {
  readonly #tats = new Map<string, number>();
  readonly #slowed = new Map<string, Slowed>();

  async reserve(vendor: string, count: number, limit: RateLimit, maxWaitMs: number): Promise<RateGrant> {
    const now = nowMicros();
    const tat = this.#tats.get(vendor) ?? 0;
    const reservation = reserveSlots(tat, now, count, limit, maxWaitMs, this.#factor(vendor, now));
    if (reservation.granted > 0) this.#tats.set(vendor, reservation.newTatMicros);
    return grantOf(reservation);
  }

  async slowDown(vendor: string, limit: RateLimit, request: SlowDownRequest): Promise<void> {
    const now = nowMicros();
    const slowed = this.#slowed.get(vendor);
    const isLive = slowed !== undefined && slowed.untilMicros > now;
    const factor = isLive ? nextSlowFactor(slowed.factor, (now - slowed.raisedAtMicros) / 1_000) : 2;
    const raisedAtMicros = isLive && factor === slowed.factor ? slowed.raisedAtMicros : now;
    const untilMicros = now + (request.forMs ?? SlowDown.forMs) * 1_000;
    this.#slowed.set(vendor, { factor, raisedAtMicros, untilMicros });
    this.#tats.set(vendor, pausedTat(this.#tats.get(vendor) ?? 0, now, request.pauseMs, limit, factor));
  }

  #factor(vendor: string, now: number): number {
    const slowed = this.#slowed.get(vendor);
    return slowed && slowed.untilMicros > now ? slowed.factor : 1;
  }
}
