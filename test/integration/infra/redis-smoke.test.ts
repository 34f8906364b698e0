import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testEngines, uniqueName } from '../../support/engines.ts';

describe('the local redis-server', () => {
  const redis = new Redis(testEngines().redisUrl);

  afterAll(() => {
    redis.disconnect();
  });

  it('stores and expires a key and runs a Lua script', async () => {
    // Prepare
    const key = uniqueName('smoke');

    // Act
    await redis.set(key, 'v', 'EX', 60);
    const value = await redis.get(key);
    const ttl = await redis.ttl(key);
    const scripted = await redis.eval("return redis.call('GET', KEYS[1]) .. ARGV[1]", 1, key, '!');

    // Assess
    expect(value).toBe('v');
    expect(ttl).toBeGreaterThan(0);
    expect(scripted).toBe('v!');
  });

  it('runs without persistence and never evicts (noeviction, as the ElastiCache parameter group)', async () => {
    // Act
    const [, save] = (await redis.config('GET', 'save')) as [string, string];
    const [, appendOnly] = (await redis.config('GET', 'appendonly')) as [string, string];
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];

    // Assess
    expect(save).toBe('');
    expect(appendOnly).toBe('no');
    expect(policy).toBe('noeviction');
  });
});
