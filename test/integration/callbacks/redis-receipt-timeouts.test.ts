/**
 * RedisReceiptTimeouts on the real Redis, single node and the 3 + 3 node Redis Cluster: the contract
 * suite the in-memory fake passes too, plus what only Redis shows: every key expires, and the memory
 * an entry costs (printed, for docs/capacity.md).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RECEIPT_TIMEOUT_TAGS } from '../../../capacity/plan-inputs.ts';
import { RedisReceiptTimeouts } from '../../../lambdas/adapters/redis-receipt-timeouts.ts';
import { describeReceiptTimeoutsContract } from '../../fakes/contracts/receipt-timeouts.contract.ts';
import { redisTopologies, testRedisClient, uniqueName } from '../../support/engines.ts';

for (const topology of redisTopologies) {
  const redis = testRedisClient(topology);
  afterAll(async () => {
    await redis.quit().catch(() => redis.disconnect());
  });

  describeReceiptTimeoutsContract(
    `RedisReceiptTimeouts (${topology})`,
    async ({ clientIds }) =>
      new RedisReceiptTimeouts(redis, { keyPrefix: `${uniqueName('herald-rt')}:`, clientIds }),
  );

  describe(`RedisReceiptTimeouts on Redis (${topology})`, () => {
    it('puts its keys under the hash tags the capacity planner places them by', async () => {
      const keyPrefix = `${uniqueName('herald-rt')}:`;
      const store = new RedisReceiptTimeouts(redis, { keyPrefix, clientIds: ['shop'] });
      const dueMs = Date.now() + 72 * 3_600_000;
      await store.add(
        Array.from({ length: 400 }, () => ({
          clientId: 'shop',
          requestId: randomBytes(32).toString('hex'),
          deliveryId: randomBytes(16).toString('base64url'),
          dueMs,
        })),
      );

      const bucket = Math.floor(Math.ceil(dueMs / 1000) / 3_600);
      const exists = await Promise.all(
        RECEIPT_TIMEOUT_TAGS.map((tag) => redis.exists(`${keyPrefix}{${tag}}:${bucket}`)),
      );
      expect(exists).toEqual(RECEIPT_TIMEOUT_TAGS.map(() => 1));
    });

    it('gives every key it writes an expiry', async () => {
      const keyPrefix = `${uniqueName('herald-rt')}:`;
      const store = new RedisReceiptTimeouts(redis, { keyPrefix, clientIds: ['shop'], shards: 4 });
      const nowMs = Date.now();
      await store.add(
        Array.from({ length: 40 }, (_, i) => ({
          clientId: 'shop',
          requestId: randomBytes(32).toString('hex'),
          deliveryId: randomBytes(16).toString('base64url'),
          dueMs: nowMs - 3 * 3_600_000 + i * 600_000,
        })),
      );
      await store.ack(await store.takeDue(nowMs - 3_600_000, 8));

      const keys = [0, 1, 2, 3].flatMap((shard) =>
        [-4, -3, -2, -1, 0, 1, 2, 3].map(
          (hours) => `${keyPrefix}{rt:${shard}}:${Math.floor((nowMs + hours * 3_600_000) / 3_600_000)}`,
        ),
      );
      const cursors = [0, 1, 2, 3].map((shard) => `${keyPrefix}{rt:${shard}}:c`);
      const ttls = await Promise.all([...keys, ...cursors].map((key) => redis.pttl(key)));
      const existing = ttls.filter((ttl) => ttl !== -2);

      expect(existing.length).toBeGreaterThan(4);
      expect(existing.every((ttl) => ttl > 0)).toBe(true);
    });

    it('deletes the buckets a sweep has read to the end once their hour is over, and keeps the current one', async () => {
      const keyPrefix = `${uniqueName('herald-rt')}:`;
      const store = new RedisReceiptTimeouts(redis, { keyPrefix, clientIds: ['shop'], shards: 2 });
      const hour = 3_600_000;
      const startMs = Math.floor(Date.now() / hour) * hour;
      await store.add(
        // Five hours of entries, and one in the sixth hour (the current one when the sweep runs).
        Array.from({ length: 61 }, (_, i) => ({
          clientId: 'shop',
          requestId: randomBytes(32).toString('hex'),
          deliveryId: randomBytes(16).toString('base64url'),
          dueMs: i < 60 ? startMs + i * 5 * 60_000 : startMs + 5 * hour + 30_000,
        })),
      );
      const bucketKeys = [0, 1].flatMap((shard) =>
        [0, 1, 2, 3, 4].map((h) => `${keyPrefix}{rt:${shard}}:${startMs / hour + h}`),
      );
      const currentKeys = [0, 1].map((shard) => `${keyPrefix}{rt:${shard}}:${startMs / hour + 5}`);
      const before = await Promise.all(bucketKeys.map((key) => redis.exists(key)));

      let taken = 0;
      for (;;) {
        const batch = await store.takeDue(startMs + 5 * hour + 60_000, 16);
        await store.ack(batch);
        if (batch.entries.length === 0) break;
        taken += batch.entries.length;
      }
      const after = await Promise.all(bucketKeys.map((key) => redis.exists(key)));
      const current = await Promise.all(currentKeys.map((key) => redis.exists(key)));

      expect(taken).toBe(61);
      expect(current.filter(Boolean)).toHaveLength(1);
      expect(before.filter(Boolean).length).toBeGreaterThanOrEqual(6);
      expect(after).toEqual(bucketKeys.map(() => 0));
    });

    it('measures the memory of an entry', async () => {
      const keyPrefix = `${uniqueName('herald-rt')}:`;
      const shards = 16;
      const store = new RedisReceiptTimeouts(redis, { keyPrefix, clientIds: ['shop'], shards });
      const count = 32_000;
      const dueMs = Date.now() + 72 * 3_600_000;
      for (let i = 0; i < count; i += 500)
        await store.add(
          Array.from({ length: 500 }, () => ({
            clientId: 'shop',
            requestId: randomBytes(32).toString('hex'),
            deliveryId: randomBytes(16).toString('base64url'),
            dueMs,
          })),
        );
      const bucket = Math.floor((Math.ceil(dueMs / 1000) * 1000) / 3_600_000);
      const keys = Array.from({ length: shards }, (_, shard) => `${keyPrefix}{rt:${shard}}:${bucket}`);
      const sizes = await Promise.all(keys.map((key) => redis.memory('USAGE', key)));
      const bytes = sizes.reduce<number>((sum, size) => sum + Number(size ?? 0), 0);
      console.log(`receipt timeouts (${topology}): ${count} entries, ${(bytes / count).toFixed(1)} B/entry`);

      // 56 B records; below 1 MB a string APPENDed to may hold up to as much again preallocated.
      expect(bytes / count).toBeGreaterThanOrEqual(56);
      expect(bytes / count).toBeLessThanOrEqual(2 * 56 + 8);
      await Promise.all(keys.map((key) => redis.del(key)));
    });
  });
}
