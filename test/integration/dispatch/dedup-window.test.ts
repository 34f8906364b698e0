/**
 * The dedup window's laws, checked on the Lua that runs in production: RedisDedupStore on the real
 * Redis, its claim and mark scripts with one change only, the clock. Each script reads Redis time
 * through one function (CLOCK_LUA); here it reads a key the test sets, so a property can write a mark
 * at any moment and look it up at any later one (across bucket edges, a week on) in milliseconds.
 *
 * Why clocks ahead of real time: mark keys get EXPIREAT on the script's clock; a clock behind real
 * time would let Redis drop them at once, a clock ahead keeps them while the script decides.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../../lambdas/adapters/redis-client.ts';
import {
  CLAIM_LUA,
  CLOCK_LUA,
  MARK_LUA,
  RELEASE_LUA,
} from '../../../lambdas/adapters/redis-dedup-scripts.ts';
import { RedisDedupStore } from '../../../lambdas/adapters/redis-dedup-store.ts';
import { testEngines, uniqueName } from '../../support/engines.ts';

const clockKey = uniqueName('dedup-window-clock');
const client: RedisClient = createRedisClient({ url: testEngines().redisUrl, isCluster: false });
// Defined before any store: RedisDedupStore keeps a command already defined on its client.
for (const [name, lua] of [
  ['heraldDedupClaim', CLAIM_LUA],
  ['heraldDedupMark', MARK_LUA],
] as const) {
  if (!lua.includes(CLOCK_LUA)) throw new Error(`${name} does not read the clock through CLOCK_LUA`);
  const onTestClock = `local function nowSeconds() return tonumber(redis.call('GET', '${clockKey}')) end`;
  client.defineCommand(name, { lua: lua.replace(CLOCK_LUA, onTestClock) });
}
client.defineCommand('heraldDedupRelease', { lua: RELEASE_LUA });

afterAll(async () => {
  await client.del(clockKey);
  client.disconnect();
});

const realNow = () => Math.floor(Date.now() / 1000);
const setClock = (seconds: number) => client.set(clockKey, String(seconds));

/** A store on the test clock with a fresh key prefix. */
function storeOf(windowSeconds: number, bucketsPerWindow: number): RedisDedupStore {
  return new RedisDedupStore(client, {
    keyPrefix: `${uniqueName('win')}:`,
    windowSeconds,
    leaseMs: 60_000,
    bucketsPerWindow,
  });
}

/** What a claim by a new owner finds for `id` at `seconds` on the test clock. */
async function lookUp(store: RedisDedupStore, id: string, seconds: number): Promise<string | undefined> {
  await setClock(seconds);
  const outcome = (await store.claim([id], uniqueName('reader'))).get(id)?.outcome;
  if (outcome === 'claimed') await store.release([id], 'unused'); // a lookup leaves no lease behind
  return outcome;
}

/** Writes, at `seconds`, a sent mark for a fresh id (and other marks around it, to fill the bucket). */
async function markAt(store: RedisDedupStore, seconds: number, others: number): Promise<string> {
  const id = randomBytes(16).toString('base64url');
  const fill = Array.from({ length: others }, () => randomBytes(16).toString('base64url'));
  await setClock(seconds);
  await store.claim([id], 'writer');
  await store.mark(
    [id, ...fill].map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
    'writer',
  );
  return id;
}

/**
 * A write moment, in seconds after the start of the test clock: anywhere in ten years, or within 2 s
 * of a bucket edge (where off-by-one errors live).
 */
function writeMoment(spanSeconds: number, [isNearEdge, anywhere, edge, offset]: MomentSeed): number {
  return isNearEdge ? Math.max(0, edge * spanSeconds + offset) : anywhere;
}
type MomentSeed = [boolean, number, number, number];
const momentSeed = fc.tuple(
  fc.boolean(),
  fc.integer({ min: 0, max: 10 * 365 * 86_400 }),
  fc.integer({ min: 1, max: 1_000 }),
  fc.integer({ min: -2, max: 1 }),
);

describe('the dedup window, on the production Lua', () => {
  it('finds a mark for at least the whole window after it was written, across bucket edges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 * 86_400 }),
        fc.integer({ min: 1, max: 8 }),
        momentSeed,
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 0, max: 300 }),
        async (window, buckets, seed, fraction, others) => {
          const store = storeOf(window, buckets);
          const span = Math.max(1, Math.ceil(window / buckets));
          const writtenAt = realNow() + 60 + writeMoment(span, seed);
          const id = await markAt(store, writtenAt, others);
          const lookupAt = writtenAt + Math.floor(fraction * window);
          expect(await lookUp(store, id, lookupAt)).toBe('duplicate');
          expect(await lookUp(store, id, writtenAt + window)).toBe('duplicate');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('lets a mark go at most one bucket span after the window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 * 86_400 }),
        fc.integer({ min: 1, max: 8 }),
        momentSeed,
        async (window, buckets, seed) => {
          const store = storeOf(window, buckets);
          const span = Math.max(1, Math.ceil(window / buckets));
          const writtenAt = realNow() + 60 + writeMoment(span, seed);
          const id = await markAt(store, writtenAt, 0);
          expect(await lookUp(store, id, writtenAt + window + span)).toBe('claimed');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('finds every mark of a bucket that split many times, for the whole window', async () => {
    // 2,000 marks at one moment: the bucket splits into ~40 hashes while it is written.
    const store = storeOf(3_600, 4);
    const writtenAt = realNow() + 60 + 899; // one second before a bucket edge (span 900 s)
    const ids = Array.from({ length: 2_000 }, () => randomBytes(16).toString('base64url'));
    await setClock(writtenAt);
    for (let i = 0; i < ids.length; i += 250)
      await store.mark(
        ids.slice(i, i + 250).map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
        'writer',
      );
    await setClock(writtenAt + 3_599);
    const results = await store.claim(ids, 'reader');
    expect(ids.filter((id) => results.get(id)?.outcome !== 'duplicate')).toEqual([]);
  });
});
