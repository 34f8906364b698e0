import { afterAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisIdempotencyStore } from '../../../lambdas/adapters/redis-idempotency-store.ts';
import { RedisStatusStore } from '../../../lambdas/adapters/redis-status-store.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { describeIdempotencyStoreContract } from '../../fakes/contracts/idempotency-store.contract.ts';
import { describeStatusStoreContract } from '../../fakes/contracts/status-store.contract.ts';
import { testEngines, uniqueName } from '../../support/engines.ts';
import { closedPort } from './support/closed-port.ts';

const redis = createRedisClient({ url: testEngines().redisUrl, isCluster: false });

afterAll(async () => {
  await redis.quit();
});

/** Every key under `prefix` with its TTL in seconds (-1: none, -2: gone). */
async function ttlsUnder(prefix: string): Promise<Map<string, number>> {
  const keys = await redis.keys(`${prefix}*`);
  const ttls = await Promise.all(keys.map((key) => redis.ttl(key)));
  return new Map(keys.map((key, i) => [key, ttls[i] ?? -2]));
}

describeIdempotencyStoreContract(
  'RedisIdempotencyStore (real Redis)',
  async (options) =>
    new RedisIdempotencyStore(redis, { keyPrefix: `${uniqueName('herald-test')}:`, ...options }),
);

const unreachable: ReturnType<typeof createRedisClient>[] = [];
afterAll(() => {
  for (const client of unreachable) client.disconnect();
});

describeStatusStoreContract(
  'RedisStatusStore (real Redis)',
  async (options) => new RedisStatusStore(redis, { keyPrefix: `${uniqueName('herald-test')}:`, ...options }),
  async () => {
    const down = createRedisClient({ url: `redis://127.0.0.1:${await closedPort()}`, isCluster: false });
    down.on('error', () => undefined);
    unreachable.push(down);
    return new RedisStatusStore(down, { keyPrefix: 'down:', retentionSeconds: 60 });
  },
);

describe('RedisIdempotencyStore', () => {
  it('gives every key a TTL: the lease while in progress, the window once completed', async () => {
    const prefix = `${uniqueName('herald-test')}:`;
    const store = new RedisIdempotencyStore(redis, {
      keyPrefix: prefix,
      windowSeconds: 86_400,
      leaseSeconds: 30,
    });
    const held = await store.reserve('a'.repeat(64), 'fp');
    const done = await store.reserve('b'.repeat(64), 'fp');
    if (done.outcome !== 'reserved' || held.outcome !== 'reserved') throw new Error('expected reservations');
    await store.complete(done.reservation, { statusCode: 202, body: '{}' });

    const ttls = await ttlsUnder(prefix);

    expect(ttls.size).toBe(2);
    const heldTtl = ttls.get(store.keyOf('a'.repeat(64))) ?? -1;
    const doneTtl = ttls.get(store.keyOf('b'.repeat(64))) ?? -1;
    expect(heldTtl).toBeGreaterThan(0);
    expect(heldTtl).toBeLessThanOrEqual(30);
    expect(doneTtl).toBeGreaterThan(86_000);
    expect(doneTtl).toBeLessThanOrEqual(86_400);
  });

  it('uses one hash-tagged key per scope, so it is valid on Redis Cluster', () => {
    const store = new RedisIdempotencyStore(redis, { keyPrefix: 'herald:', windowSeconds: 60 });
    expect(store.keyOf('c'.repeat(64))).toBe(`herald:idem:{${'c'.repeat(64)}}`);
  });

  it('reports an unreachable Redis as DependencyUnavailableError', async () => {
    const down = createRedisClient({ url: `redis://127.0.0.1:${await closedPort()}`, isCluster: false });
    down.on('error', () => undefined);
    const store = new RedisIdempotencyStore(down, { keyPrefix: 'herald:', windowSeconds: 60 });
    await expect(store.reserve('d'.repeat(64), 'fp')).rejects.toBeInstanceOf(DependencyUnavailableError);
    down.disconnect();
  });
});

describe('RedisStatusStore', () => {
  const accepted = (requestId: string) => ({
    requestId,
    clientId: 'client-a',
    acceptedAt: '2026-01-01T00:00:00.000Z',
    recipients: Array.from({ length: 10 }, (_, i) => ({
      deliveryId: `${requestId.slice(0, 4)}-${i}`,
      recipient: `+8210000000${i}`,
      state: 'queued' as const,
      updatedAt: '2026-01-01T00:00:00.000Z',
    })),
  });

  it('applies a batch of updates over several requests in one pipeline round trip', async () => {
    const store = new RedisStatusStore(redis, {
      keyPrefix: `${uniqueName('herald-test')}:`,
      retentionSeconds: 3600,
    });
    const requests = ['1', '2', '3'].map((n) => accepted(n.repeat(64)));
    for (const request of requests) await store.recordAccepted(request);
    const updates = requests.flatMap((r) =>
      r.recipients.map((d) => ({
        requestId: r.requestId,
        deliveryId: d.deliveryId,
        state: 'sent' as const,
        vendor: 'v',
        at: '2026-01-01T00:00:01.000Z',
      })),
    );
    const pipeline = vi.spyOn(redis, 'pipeline');

    await store.recordUpdates(updates);

    expect(pipeline).toHaveBeenCalledTimes(1);
    pipeline.mockRestore();
    const read = await store.read(requests[1]?.requestId ?? '', 'client-a');
    expect(read?.recipients.every((r) => r.state === 'sent')).toBe(true);
  });

  it('gives every key a TTL of the status retention, also keys first written by dispatch', async () => {
    const prefix = `${uniqueName('herald-test')}:`;
    const store = new RedisStatusStore(redis, { keyPrefix: prefix, retentionSeconds: 3600 });
    await store.recordAccepted(accepted('4'.repeat(64)));
    await store.recordUpdates([
      { requestId: '5'.repeat(64), deliveryId: 'x', state: 'sent', at: '2026-01-01T00:00:00.000Z' },
    ]);

    const ttls = await ttlsUnder(prefix);

    expect([...ttls.keys()].sort()).toEqual(
      [...store.keysOf('4'.repeat(64)), store.keysOf('5'.repeat(64))[1]].sort(),
    );
    for (const ttl of ttls.values()) {
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
    }
  });

  it('keeps both keys of a request in one cluster slot (same hash tag)', () => {
    const store = new RedisStatusStore(redis, { keyPrefix: 'herald:', retentionSeconds: 60 });
    const [meta, deliveries] = store.keysOf('e'.repeat(64));
    const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];
    expect(tag(meta)).toBe('e'.repeat(64));
    expect(tag(deliveries)).toBe('e'.repeat(64));
  });
});
