import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../local/redis/redis-launcher.ts';
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

  it('launches redis-server without persistence and never evicting (noeviction, as the ElastiCache parameter group)', async () => {
    // Prepare: its own server, since REDIS_URL may point at a Redis this launcher did not start.
    const home = mkdtempSync(join(tmpdir(), 'herald-redis-smoke-'));
    const server = new RedisServer({ home, name: 'redis-smoke' });
    const { url } = await server.start();
    const own = new Redis(url);

    // Act
    try {
      const [, save] = (await own.config('GET', 'save')) as [string, string];
      const [, appendOnly] = (await own.config('GET', 'appendonly')) as [string, string];
      const [, policy] = (await own.config('GET', 'maxmemory-policy')) as [string, string];

      // Assess
      expect(save).toBe('');
      expect(appendOnly).toBe('no');
      expect(policy).toBe('noeviction');
    } finally {
      own.disconnect();
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
