import { afterAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisIdempotencyStore } from '../../../lambdas/adapters/redis-idempotency-store.ts';
import { RedisStatusStore } from '../../../lambdas/adapters/redis-status-store.ts';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
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

/** Each contract store on its own connection, so that one can be reopened or broken alone. */
const statusStores = new Map<
  RedisStatusStore,
  { client: ReturnType<typeof createRedisClient>; prefix: string; retentionSeconds: number }
>();

function openStatusStore(prefix: string, retentionSeconds: number): RedisStatusStore {
  const client = createRedisClient({ url: testEngines().redisUrl, isCluster: false });
  client.on('error', () => undefined);
  const store = new RedisStatusStore(client, { keyPrefix: prefix, retentionSeconds });
  statusStores.set(store, { client, prefix, retentionSeconds });
  return store;
}

afterAll(() => {
  for (const { client } of statusStores.values()) client.disconnect();
});

describeStatusStoreContract(
  'RedisStatusStore (real Redis)',
  async ({ retentionSeconds }) => openStatusStore(`${uniqueName('herald-test')}:`, retentionSeconds),
  {
    reopen: async (store) => {
      const opened = statusStores.get(store as RedisStatusStore);
      if (!opened) throw new Error('not a contract store');
      return openStatusStore(opened.prefix, opened.retentionSeconds);
    },
    breakStore: async (store) => {
      statusStores.get(store as RedisStatusStore)?.client.disconnect();
    },
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
    await store.complete(done.reservation, { accepted: 1, collapsedDuplicates: 0 });

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
    expect(store.keyOf('c'.repeat(64))).toBe(`herald:i:{${Buffer.alloc(12, 0xcc).toString('base64url')}}`);
  });

  it('keeps a completed record in under 150 bytes: no response body, no token', async () => {
    const prefix = `${uniqueName('herald-test')}:`;
    const store = new RedisIdempotencyStore(redis, { keyPrefix: prefix, windowSeconds: 3600 });
    const scopeId = 'd'.repeat(64);
    const held = await store.reserve(scopeId, 'e'.repeat(64));
    if (held.outcome !== 'reserved') throw new Error('expected a reservation');
    await store.complete(held.reservation, { accepted: 100, collapsedDuplicates: 3 });

    expect(await redis.object('ENCODING', store.keyOf(scopeId))).toBe('int');
    expect(Number(await redis.memory('USAGE', store.keyOf(scopeId)))).toBeLessThan(150);
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
    deliveries: Array.from({ length: 10 }, (_, i) => ({
      position: i,
      deliveryId: deliveryIdFor(requestId, `+8210000000${i}`),
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
      r.deliveries.map((d) => ({
        requestId: r.requestId,
        clientId: 'client-a',
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
    expect(read?.recipients.map((r) => r.state)).toEqual(Array(10).fill('sent'));
  });

  it('keeps a request in one page hash whose TTL is its bucket end + the retention', async () => {
    const prefix = `${uniqueName('herald-test')}:`;
    const nowMs = Date.now();
    const store = new RedisStatusStore(redis, {
      keyPrefix: prefix,
      retentionSeconds: 16 * 3600,
      nowMs: () => nowMs,
    });
    await store.recordAccepted(accepted('4'.repeat(64)));
    await store.recordUpdates([
      {
        requestId: '5'.repeat(64),
        clientId: 'client-a',
        deliveryId: deliveryIdFor('5'.repeat(64), 'x'),
        state: 'sent',
        at: '2026-01-01T00:00:00.000Z',
      },
    ]);

    const ttls = await ttlsUnder(prefix);

    const bucket = Math.floor(nowMs / 1000 / 3600);
    expect([...ttls.keys()].sort()).toEqual([`${prefix}st:{4444}:${bucket}`, `${prefix}st:{5555}:${bucket}`]);
    const expiry = (bucket + 1) * 3600 + 16 * 3600 - nowMs / 1000;
    for (const ttl of ttls.values()) expect(Math.abs(ttl - expiry)).toBeLessThanOrEqual(2);
    expect(await redis.hlen(`${prefix}st:{4444}:${bucket}`)).toBe(1);
  });

  it('holds a 10-recipient request in a record of under 80 bytes, with no address or deliveryId in it', async () => {
    const prefix = `${uniqueName('herald-test')}:`;
    const store = new RedisStatusStore(redis, { keyPrefix: prefix, retentionSeconds: 3600 });
    const request = accepted('6'.repeat(64));
    await store.recordAccepted(request);
    await store.recordUpdates(
      request.deliveries.map((d) => ({
        requestId: request.requestId,
        clientId: 'client-a',
        deliveryId: d.deliveryId,
        state: 'sent' as const,
        vendor: 'sms-a',
        at: '2026-01-01T00:00:05.000Z',
      })),
    );

    const [page] = await redis.keys(`${prefix}*`);
    const record = Object.values(await redis.hgetallBuffer(page ?? ''))[0] ?? Buffer.alloc(0);

    expect(record.length).toBeLessThan(80);
    expect(record.includes('+8210')).toBe(false);
    for (const d of request.deliveries)
      expect(record.includes(Buffer.from(d.deliveryId, 'base64url'))).toBe(false);
  });

  it('declares every page it may touch, all under one hash tag', () => {
    const store = new RedisStatusStore(redis, { keyPrefix: 'herald:', retentionSeconds: 7 * 86_400 });
    const pages = store.pagesOf('e'.repeat(64));
    const tags = new Set(pages.map((key) => /\{([^}]+)\}/.exec(key)?.[1]));
    expect([...tags]).toEqual(['eeee']);
    expect(pages).toHaveLength(19);
  });
});
