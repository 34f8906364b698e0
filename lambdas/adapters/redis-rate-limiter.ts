/**
 * RateLimiter on Redis: GCRA (lambdas/core/rate-schedule.ts) in one Lua script per vendor and batch,
 * on one key per vendor (`<prefix>rate:{<vendor>}`) and, while a throttling answer has it slowed
 * down, a second (`…:slow`, "factor:raisedAtµs", expiring when the lowered rate ends), both under the
 * vendor's hash tag so it works on Redis Cluster. The scripts read the clock with TIME, so invocations
 * on hosts with skewed clocks still share one schedule. A key expires once its schedule lies in the
 * past: an idle vendor costs nothing.
 */
import { DependencyUnavailableError } from '../core/errors.ts';
import { grantOf, intervalMicros, SlowDown, type SlowDownRequest } from '../core/rate-schedule.ts';
import type { RateGrant, RateLimit, RateLimiter } from '../ports/rate-limiter.ts';
import type { RedisClient } from './redis-client.ts';
import { defineScript, type RedisScript } from './redis-script.ts';

// KEYS: schedule, slow. ARGV: count, interval µs, burst, max wait µs.
// Returns {granted, first offset µs, new tat − now µs, interval µs}. Same steps as reserveSlots.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local count, burst, maxWait = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
local factor = tonumber(string.match(redis.call('GET', KEYS[2]) or '1:0', '^(%d+):')) or 1
local interval = tonumber(ARGV[2]) * factor
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local tolerance = (burst - 1) * interval
local room = math.floor((now + maxWait - (tat - tolerance)) / interval) + 1
local granted = math.max(0, math.min(count, room))
local newTat = tat + granted * interval
if granted > 0 then
  redis.call('SET', KEYS[1], string.format('%d', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1000)
end
return {granted, tat - tolerance - now, newTat - now, interval}`;

// KEYS: schedule, slow. ARGV: pause µs, base interval µs, burst, slow-for ms, max factor, recount-after µs.
// Doubles the factor (once per recount window), then no send starts before now + pause.
// Same steps as nextSlowFactor and pausedTat.
const SLOW_DOWN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local stored = redis.call('GET', KEYS[2])
local factor, raisedAt = 2, now
if stored then
  local f, at = string.match(stored, '^(%d+):(%d+)$')
  factor, raisedAt = tonumber(f), tonumber(at)
  if now - raisedAt >= tonumber(ARGV[6]) then
    factor, raisedAt = math.min(factor * 2, tonumber(ARGV[5])), now
  end
end
redis.call('SET', KEYS[2], string.format('%d:%d', factor, raisedAt), 'PX', tonumber(ARGV[4]))
local tolerance = (tonumber(ARGV[3]) - 1) * tonumber(ARGV[2]) * factor
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local paused = now + tonumber(ARGV[1]) + tolerance
if paused > tat then
  redis.call('SET', KEYS[1], string.format('%d', paused), 'PX', math.ceil((paused - now) / 1000) + 1000)
end
return factor`;

/** Settings of the Redis rate limiter. */
export interface RedisRateLimiterOptions {
  /** Prefix of every key, e.g. `herald:`. */
  readonly keyPrefix: string;
}

/** The shared per-vendor rate limiter in Redis. */
export class RedisRateLimiter implements RateLimiter {
  readonly #keyPrefix: string;
  readonly #reserve: RedisScript;
  readonly #slowDown: RedisScript;

  constructor(redis: RedisClient, options: RedisRateLimiterOptions) {
    this.#keyPrefix = options.keyPrefix;
    this.#reserve = defineScript(redis, 'heraldRateReserve', RESERVE);
    this.#slowDown = defineScript(redis, 'heraldRateSlowDown', SLOW_DOWN);
  }

  async reserve(vendor: string, count: number, limit: RateLimit, maxWaitMs: number): Promise<RateGrant> {
    const args = [count, intervalMicros(limit), limit.burst, Math.round(maxWaitMs * 1_000)].map(String);
    let reply: unknown;
    try {
      reply = await this.#reserve(this.#keys(vendor), args);
    } catch (error) {
      throw new DependencyUnavailableError('redis', 'rate limiter unavailable', { cause: error });
    }
    const [granted, firstOffsetMicros, newTatMicros, interval] = (reply as number[]).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    return grantOf({ granted, firstOffsetMicros, newTatMicros, intervalMicros: interval });
  }

  async slowDown(vendor: string, limit: RateLimit, request: SlowDownRequest): Promise<void> {
    const args = [
      Math.round(request.pauseMs * 1_000),
      intervalMicros(limit),
      limit.burst,
      Math.round(request.forMs ?? SlowDown.forMs),
      SlowDown.maxFactor,
      SlowDown.recountAfterMs * 1_000,
    ].map(String);
    try {
      await this.#slowDown(this.#keys(vendor), args);
    } catch (error) {
      throw new DependencyUnavailableError('redis', 'rate limiter unavailable', { cause: error });
    }
  }

  #keys(vendor: string): string[] {
    const schedule = `${this.#keyPrefix}rate:{${vendor}}`;
    return [schedule, `${schedule}:slow`];
  }
}
