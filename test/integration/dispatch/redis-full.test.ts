/**
 * A full cache never costs a mark: on a redis-server with `noeviction` (as lib/cache.ts and the local
 * launcher run it) and a tiny maxmemory, RedisDedupStore keeps claiming and marking until Redis
 * refuses writes; then claims fail closed with DependencyUnavailableError (nothing may be sent),
 * every mark already written is still found, and claims work again once memory is freed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../../lambdas/adapters/redis-dedup-store.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { RedisServer } from '../../../local/redis/redis-launcher.ts';
import { randomDeliveryId } from '../../fakes/contracts/dedup-store.contract.ts';

const home = mkdtempSync(join(tmpdir(), 'herald-redis-full-'));
const server = new RedisServer({ home, name: 'redis-full' });
let client: RedisClient;

beforeAll(async () => {
  const { url } = await server.start();
  client = createRedisClient({ url, isCluster: false });
});

afterAll(async () => {
  client?.disconnect();
  await server.stop();
  rmSync(home, { recursive: true, force: true });
});

/** INFO memory's used_memory, in bytes. */
async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
}

describe('RedisDedupStore on a full Redis (noeviction)', () => {
  it('keeps every mark, fails claims closed while full, and claims again once memory is freed', async () => {
    // Prepare: 1.5 MB of other data, and room for a few thousand dedup entries above it.
    const [, policy] = (await client.config('GET', 'maxmemory-policy')) as [string, string];
    expect(policy).toBe('noeviction');
    await client.set('filler', 'x'.repeat(1_500_000));
    await client.config('SET', 'maxmemory', String((await usedMemory()) + 600_000));
    const store = new RedisDedupStore(client, { keyPrefix: 'full:', windowSeconds: 3600, leaseMs: 60_000 });
    const marked: string[] = [];
    let refusal: unknown;

    // Act: claim and mark 200-id batches until Redis refuses a write.
    for (let batch = 0; batch < 1_000 && refusal === undefined; batch++) {
      const ids = Array.from({ length: 200 }, randomDeliveryId);
      try {
        const claims = await store.claim(ids, 'owner');
        const claimed = ids.filter((id) => claims.get(id)?.outcome === 'claimed');
        await store.mark(
          claimed.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
          'owner',
        );
        marked.push(...claimed);
      } catch (error) {
        refusal = error;
      }
    }
    // Why the limit is lowered below use: used_memory also counts request buffers, so right at the
    // limit one call may be refused and the next pass; from here on, the node is over it for certain.
    await client.config('SET', 'maxmemory', String((await usedMemory()) - 100_000));
    const whileFull = await store.claim(Array.from({ length: 50 }, randomDeliveryId), 'owner').then(
      () => 'claimed',
      (error: unknown) => error,
    );
    const markedWhileFull = await store.claim(marked, 'redelivery');
    await client.del('filler');
    const freshAfterFree = await store.claim(Array.from({ length: 50 }, randomDeliveryId), 'owner');
    const markedAfterFree = await store.claim(marked, 'redelivery');

    // Assess
    expect(marked.length).toBeGreaterThan(1_000);
    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect(String((refusal as Error).cause)).toMatch(/OOM/);
    expect(whileFull).toBeInstanceOf(DependencyUnavailableError);
    expect(marked.filter((id) => markedWhileFull.get(id)?.outcome !== 'duplicate')).toEqual([]);
    expect([...freshAfterFree.values()].every((result) => result.outcome === 'claimed')).toBe(true);
    expect(marked.filter((id) => markedAfterFree.get(id)?.outcome !== 'duplicate')).toEqual([]);
    expect(Number(/evicted_keys:(\d+)/.exec(await client.info('stats'))?.[1])).toBe(0);
  });
});
