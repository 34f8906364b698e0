/** RedisRateLimiter on the real Redis: the RateLimiter contract, key layout and expiry, an unreachable Redis. */
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisRateLimiter } from '../../../lambdas/adapters/redis-rate-limiter.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { describeRateLimiterContract } from '../../fakes/contracts/rate-limiter.contract.ts';
import { testEngines, uniqueName } from '../../support/engines.ts';

const clients = [0, 1, 2, 3].map(() => createRedisClient({ url: testEngines().redisUrl, isCluster: false }));
const prefix = `${uniqueName('herald-rate')}:`;
let next = 0;

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
});

// Each limiter its own connection, as concurrent dispatch invocations have.
describeRateLimiterContract('RedisRateLimiter (real Redis)', async () => {
  next = (next + 1) % clients.length;
  return new RedisRateLimiter(clients[next] as (typeof clients)[number], { keyPrefix: prefix });
});

describe('RedisRateLimiter', () => {
  it('keeps one key per vendor, in its own hash slot, expiring once its schedule has passed', async () => {
    const redis = clients[0] as (typeof clients)[number];
    const keyPrefix = `${uniqueName('herald-rate')}:`;
    const limiter = new RedisRateLimiter(redis, { keyPrefix });

    await limiter.reserve('sms-a', 5, { perSecond: 10, burst: 1 }, 1_000);

    expect(await redis.keys(`${keyPrefix}*`)).toEqual([`${keyPrefix}rate:{sms-a}`]);
    const ttlMs = await redis.pttl(`${keyPrefix}rate:{sms-a}`);
    expect(ttlMs).toBeGreaterThan(1_000);
    expect(ttlMs).toBeLessThanOrEqual(1_500);
  });

  it('throws DependencyUnavailableError when Redis cannot be reached', async () => {
    const dead = createRedisClient({ url: 'redis://127.0.0.1:1', isCluster: false });
    dead.on('error', () => undefined);
    const limiter = new RedisRateLimiter(dead, { keyPrefix: 'x:' });
    await expect(limiter.reserve('v', 1, { perSecond: 1, burst: 1 }, 0)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    dead.disconnect();
  });
});
