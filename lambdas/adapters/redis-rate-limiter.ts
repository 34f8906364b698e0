/**
 * RateLimiter on Redis: GCRA (lambdas/core/rate-schedule.ts) in one Lua script per vendor and batch,
 * on one key per vendor (`<prefix>rate:{<vendor>}`, a hash tag of its own, so it works on Redis
 * Cluster). The script reads the clock with TIME, so invocations on hosts with skewed clocks still
 * share one schedule. A key expires once its schedule lies in the past: an idle vendor costs nothing.
 */
import { DependencyUnavailableError } from '../core/errors.ts';
import { grantOf, intervalMicros } from '../core/rate-schedule.ts';
import type { RateGrant, RateLimit, RateLimiter } from '../ports/rate-limiter.ts';
import type { RedisClient } from './redis-client.ts';
import { defineScript, type RedisScript } from './redis-script.ts';

// ARGV: count, interval µs, burst, max wait µs. Returns {granted, first offset µs, new tat − now µs}.
// Same steps as reserveSlots in core/rate-schedule.ts.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local count, interval, burst, maxWait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local tolerance = (burst - 1) * interval
local room = math.floor((now + maxWait - (tat - tolerance)) / interval) + 1
local granted = math.max(0, math.min(count, room))
local newTat = tat + granted * interval
if granted > 0 then
  redis.call('SET', KEYS[1], string.format('%d', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1000)
end
return {granted, tat - tolerance - now, newTat - now}`;

// ARGV: pause µs, tolerance µs. No send starts before now + pause.
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local paused = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
if paused > tat then
  redis.call('SET', KEYS[1], string.format('%d', paused), 'PX', math.ceil((paused - now) / 1000) + 1000)
end
return 1`;

/** Settings of the Redis rate limiter. */
export interface RedisRateLimiterOptions {
  /** Prefix of every key, e.g. `herald:`. */
  readonly keyPrefix: string;
}

/** The shared per-vendor rate limiter in Redis. */
export class RedisRateLimiter implements RateLimiter {
  readonly #keyPrefix: string;
  readonly #reserve: RedisScript;
  readonly #pause: RedisScript;

  constructor(redis: RedisClient, options: RedisRateLimiterOptions) {
    this.#keyPrefix = options.keyPrefix;
    this.#reserve = defineScript(redis, 'heraldRateReserve', RESERVE);
    this.#pause = defineScript(redis, 'heraldRatePause', PAUSE);
  }

  async reserve(vendor: string, count: number, limit: RateLimit, maxWaitMs: number): Promise<RateGrant> {
    const args = [count, intervalMicros(limit), limit.burst, Math.round(maxWaitMs * 1_000)].map(String);
    let reply: unknown;
    try {
      reply = await this.#reserve([this.#key(vendor)], args);
    } catch (error) {
      throw new DependencyUnavailableError('redis', 'rate limiter unavailable', { cause: error });
    }
    const [granted, firstOffsetMicros, newTatMicros] = (reply as number[]).map(Number) as [
      number,
      number,
      number,
    ];
    return grantOf({ granted, firstOffsetMicros, newTatMicros }, limit);
  }

  async pause(vendor: string, pauseMs: number, limit: RateLimit): Promise<void> {
    const tolerance = (limit.burst - 1) * intervalMicros(limit);
    try {
      await this.#pause([this.#key(vendor)], [String(Math.round(pauseMs * 1_000)), String(tolerance)]);
    } catch (error) {
      throw new DependencyUnavailableError('redis', 'rate limiter unavailable', { cause: error });
    }
  }

  #key(vendor: string): string {
    return `${this.#keyPrefix}rate:{${vendor}}`;
  }
}
