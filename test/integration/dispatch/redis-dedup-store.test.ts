/**
 * RedisDedupStore on the real Redis: the shared contract, plus what only Redis can show — round
 * trips per batch, compact listpack encoding at volume, TTL on every key, one hash slot per script,
 * and fail-closed behaviour when Redis is unreachable.
 */
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../../lambdas/adapters/redis-dedup-store.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { describeDedupIntentContract } from '../../fakes/contracts/dedup-intent.contract.ts';
import { describeDedupStoreContract, randomDeliveryId } from '../../fakes/contracts/dedup-store.contract.ts';
import { testEngines, uniqueName } from '../../support/engines.ts';
import { type RestrictedClient, restrictedClient } from '../../support/redis-acl.ts';

const clients: RedisClient[] = [];
function redis(url = testEngines().redisUrl): RedisClient {
  const client = createRedisClient({ url, isCluster: false });
  clients.push(client);
  return client;
}
afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
});

const restricted: RestrictedClient[] = [];
afterAll(async () => {
  await Promise.all(restricted.map((entry) => entry.close()));
});

describeDedupStoreContract(
  'RedisDedupStore',
  async ({ windowSeconds, leaseMs }) =>
    new RedisDedupStore(redis(), { keyPrefix: `${uniqueName('t')}:`, windowSeconds, leaseMs }),
  async ({ windowSeconds, leaseMs }) => {
    const entry = await restrictedClient('single node');
    restricted.push(entry);
    const store = new RedisDedupStore(entry.client, {
      keyPrefix: `${uniqueName('t')}:`,
      windowSeconds,
      leaseMs,
    });
    return {
      store,
      // One script call carries every slot group on a single node: it fails as a whole.
      isPartWay: false,
      breakUpperHalf: () => entry.refuse(['8', '9', 'a', 'b', 'c', 'd', 'e', 'f']),
      heal: () => entry.allowAll(),
    };
  },
);
describeDedupIntentContract(
  'RedisDedupStore',
  async ({ windowSeconds, leaseMs }) =>
    new RedisDedupStore(redis(), { keyPrefix: `${uniqueName('t')}:`, windowSeconds, leaseMs }),
);

/**
 * Counts the commands a connected client sends by wrapping sendCommand. ioredis names a script call
 * `evalsha` here even when it goes out as EVAL (first use on a connection); each is one command.
 */
function countCommands(client: RedisClient): { readonly names: string[]; readonly keys: string[][] } {
  const names: string[] = [];
  const keys: string[][] = [];
  const original = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string; args: unknown[] }) => {
    names.push(command.name);
    const count = Number(command.args[1]);
    keys.push(command.args.slice(2, 2 + count).map(String));
    return original(command as never);
  }) as typeof client.sendCommand;
  return { names, keys };
}

describe('RedisDedupStore', () => {
  it('claims and marks a 100-id batch in one round trip each on a single node', async () => {
    const client = redis();
    const store = new RedisDedupStore(client, {
      keyPrefix: `${uniqueName('rt')}:`,
      windowSeconds: 3600,
      leaseMs: 60_000,
    });
    const ids = Array.from({ length: 100 }, randomDeliveryId);
    await store.claim([randomDeliveryId()], 'warm-up'); // loads the claim script (EVALSHA miss → EVAL)
    await store.mark([{ deliveryId: randomDeliveryId(), kind: 'sent' }], 'warm-up');
    const counter = countCommands(client);
    const claims = await store.claim(ids, 'owner');
    await store.mark(
      ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
      'owner',
    );
    // The claim script goes out with the MGET of the intents, the mark script with the intent clear:
    // each pair is written back to back on one connection (one round trip).
    expect([...counter.names].sort()).toEqual(['evalsha', 'evalsha', 'evalsha', 'mget']);
    expect([...claims.values()].every((result) => result.outcome === 'claimed')).toBe(true);
    expect([...(await store.claim(ids, 'other')).values()].every((r) => r.outcome === 'duplicate')).toBe(
      true,
    );
  });

  it('in cluster mode calls each script once per slot group, declaring every key it writes, all of one slot', async () => {
    const client = redis();
    Object.defineProperty(client, 'isCluster', { value: true });
    const prefix = `${uniqueName('slot')}:`;
    const store = new RedisDedupStore(client, { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 });
    const ids = Array.from({ length: 100 }, randomDeliveryId);
    const groups = new Set(ids.map((id) => store.groupBase(id)));
    await client.ping(); // connected: queued commands would be counted twice when the offline queue flushes
    const counter = countCommands(client);
    await store.claim(ids, 'owner');
    await store.mark(
      ids.slice(0, 50).map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
      'owner',
    );
    await store.release(ids.slice(50), 'owner');
    const groupsOf = (some: string[]) => new Set(some.map((id) => store.groupBase(id))).size;
    const evalshas = counter.names.filter((name) => name === 'evalsha');
    // Per slot group: the claim script; the mark script and the intent clear; the release script and
    // the intent clear.
    expect(evalshas.length).toBe(groups.size + 2 * groupsOf(ids.slice(0, 50)) + 2 * groupsOf(ids.slice(50)));
    expect(counter.names.filter((name) => name === 'mget')).toHaveLength(groups.size);
    const scripts = counter.keys.filter((_, i) => counter.names[i] === 'evalsha');
    for (const declared of scripts) expect(new Set(declared.map(hashTagOf)).size).toBe(1);
    const keys = await client.keys(`${prefix}*`);
    const declared = new Set(counter.keys.flat());
    expect(keys.filter((key) => !declared.has(key))).toEqual([]);
    expect(keys.length).toBeGreaterThan(groups.size);
    expect(keys.every((key) => groups.has(key.slice(0, key.indexOf('}') + 1)))).toBe(true);
    for (const key of keys) expect(hashTagOf(key)).toBe(hashTagOf(key.slice(0, key.indexOf('}') + 1)));
    expect(new Set(keys.map(hashTagOf)).size).toBeGreaterThan(1);
    expect((await store.claim(ids, 'other')).get(ids[0] as string)).toEqual({
      outcome: 'duplicate',
      mark: 'sent',
    });
    expect((await store.claim(ids, 'other')).get(ids[99] as string)).toEqual({ outcome: 'claimed' });
  });

  it('plans its keys again when another writer has split the bucket since it looked', async () => {
    // Prepare
    const client = redis();
    const prefix = `${uniqueName('replan')}:`;
    const options = { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 };
    const [mine, other] = [new RedisDedupStore(client, options), new RedisDedupStore(redis(), options)];
    const sent = (ids: string[]) => ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const }));
    const first = Array.from({ length: 100 }, randomDeliveryId);
    await mine.mark(sent(first), 'owner');
    for (let i = 0; i < 10; i++)
      await other.mark(sent(Array.from({ length: 1_000 }, randomDeliveryId)), 'other');
    const next = Array.from({ length: 100 }, randomDeliveryId);
    await client.ping();
    const counter = countCommands(client);

    // Act
    await mine.mark(sent(next), 'owner');
    // The mark script's calls, not the intent clear that follows a mark (its keys are intents).
    const isIntentCall = (i: number) => (counter.keys[i] ?? []).some((key) => key.includes(':a:'));
    const markCalls = counter.names.filter((name, i) => name === 'evalsha' && !isIntentCall(i)).length;
    const found = await mine.claim([...first, ...next], 'reader');

    // Assess: the mark's first plan is stale (the other writer split the buckets), a retry planned
    // from the meta in that answer lands; the claim after it is planned from fresh meta.
    // Scripts only, besides the MGET of send intents that goes out with each claim.
    expect(counter.names.every((name) => name === 'evalsha' || name === 'mget')).toBe(true);
    expect(markCalls).toBeGreaterThanOrEqual(2);
    expect(markCalls).toBeLessThanOrEqual(4);
    expect([...found.values()].filter((result) => result.outcome !== 'duplicate')).toEqual([]);
  });

  it('keeps every mark hash in listpack encoding, under 128 fields, with a TTL, at 20,000 marks', async () => {
    const client = redis();
    const prefix = `${uniqueName('lp')}:`;
    const store = new RedisDedupStore(client, { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 });
    const ids = Array.from({ length: 20_000 }, randomDeliveryId);
    for (let i = 0; i < ids.length; i += 500) {
      await store.mark(
        ids.slice(i, i + 500).map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
        'owner',
      );
    }
    const keys = await client.keys(`${prefix}*`);
    const markKeys = keys.filter((key) => key.includes(':s:'));
    expect(markKeys.length).toBeGreaterThan(20_000 / 128);
    let fields = 0;
    for (const key of keys) {
      // The window (3,600 s) less the seconds this test has run: a mark written in the last second of
      // a bucket lives exactly the window, so a strict "> 3600" fails on a slow machine.
      expect(await client.ttl(key)).toBeGreaterThan(3_600 - 60);
      if (!key.includes(':s:')) continue;
      expect(await client.object('ENCODING', key)).toBe('listpack');
      const length = await client.hlen(key);
      expect(length).toBeLessThanOrEqual(128);
      fields += length;
    }
    expect(fields).toBe(20_000);
    const results = await store.claim(ids.slice(0, 1000), 'other');
    expect([...results.values()].every((result) => result.outcome === 'duplicate')).toBe(true);
  });

  it('finds marks written under another window and bucket count (a redeploy never hides a mark)', async () => {
    // Prepare
    const client = redis();
    const prefix = `${uniqueName('rw')}:`;
    const before = new RedisDedupStore(client, { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 });
    const after = new RedisDedupStore(client, {
      keyPrefix: prefix,
      windowSeconds: 7200,
      leaseMs: 60_000,
      bucketsPerWindow: 2,
    });
    const ids = Array.from({ length: 3000 }, randomDeliveryId);
    await before.mark(
      ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
      'owner',
    );

    // Act
    const results = await after.claim(ids, 'other');

    // Assess
    expect([...results.values()].filter((result) => result.outcome === 'duplicate')).toHaveLength(3000);
  });

  it('gives a mark hash its TTL back when it is written again after it vanished', async () => {
    // Prepare
    const client = redis();
    const prefix = `${uniqueName('rc')}:`;
    const store = new RedisDedupStore(client, { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 });
    const mark = (count: number) =>
      store.mark(
        Array.from({ length: count }, () => ({ deliveryId: randomDeliveryId(), kind: 'sent' as const })),
        'owner',
      );
    await mark(500);
    const markKeys = (await client.keys(`${prefix}*`)).filter((key) => key.includes(':s:'));
    await client.del(...markKeys);

    // Act
    await mark(500);

    // Assess
    const keys = await client.keys(`${prefix}*`);
    const ttls = await Promise.all(keys.map((key) => client.ttl(key)));
    expect(keys.length).toBeGreaterThan(1);
    expect(ttls.filter((ttl) => ttl < 0)).toEqual([]);
  });

  it('fails closed with DependencyUnavailableError when Redis is unreachable', async () => {
    const port = await closedPort();
    const unreachable = redis(`redis://127.0.0.1:${port}`);
    unreachable.on('error', () => {}); // expected: connection refused
    const store = new RedisDedupStore(unreachable, {
      keyPrefix: 'down:',
      windowSeconds: 3600,
      leaseMs: 60_000,
    });
    await expect(store.claim([randomDeliveryId()], 'owner')).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
  });
});

/** What Redis Cluster hashes: the text between the first `{` and the next `}`, if not empty. */
function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
