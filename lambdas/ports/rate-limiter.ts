/**
 * A per-vendor send rate shared by every concurrent dispatch invocation. A batch asks once per vendor
 * for the sends it wants to make and gets a schedule: how many may go, and when each may start, spaced
 * so that all invocations together keep to the vendor's rate. What it cannot get within its wait budget
 * goes to the next vendor (or waits for a later batch), per failover policy.
 */

import type { RateGrant, RateLimit, SlowDownRequest } from '../core/rate-schedule.ts';

export type { RateGrant, RateLimit, SlowDownRequest } from '../core/rate-schedule.ts';

/** The shared rate limiter. */
export interface RateLimiter {
  /**
   * Reserves up to `count` sends at `vendor` whose start falls within `maxWaitMs` from now, in one
   * round trip. Throws DependencyUnavailableError when the store cannot be reached.
   */
  reserve(vendor: string, count: number, limit: RateLimit, maxWaitMs: number): Promise<RateGrant>;
  /**
   * The vendor answered "throttled": no send at it may start for `request.pauseMs`, and its rate is
   * lowered for a while (core/rate-schedule.ts SlowDown) for every invocation. Reservations already made
   * keep their slots. Throws DependencyUnavailableError when the store cannot be reached.
   */
  slowDown(vendor: string, limit: RateLimit, request: SlowDownRequest): Promise<void>;
}
