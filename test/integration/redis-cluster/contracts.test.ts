/**
 * The Redis contract suites (dedup, status, idempotency) on the real 3 + 3 node Redis Cluster that
 * test/global-setup.ts starts, through the production cluster client: the same cases the single node
 * and the in-memory fakes pass. Each test uses its own key prefix.
 */
import { afterAll } from 'vitest';
import { RedisDedupStore } from '../../../lambdas/adapters/redis-dedup-store.ts';
import { RedisIdempotencyStore } from '../../../lambdas/adapters/redis-idempotency-store.ts';
import { RedisStatusStore } from '../../../lambdas/adapters/redis-status-store.ts';
import { describeDedupStoreContract } from '../../fakes/contracts/dedup-store.contract.ts';
import { describeIdempotencyStoreContract } from '../../fakes/contracts/idempotency-store.contract.ts';
import { describeStatusStoreContract } from '../../fakes/contracts/status-store.contract.ts';
import { testRedisClient, uniqueName } from '../../support/engines.ts';
import { type RestrictedClient, restrictedClient } from '../../support/redis-acl.ts';

const cluster = testRedisClient('cluster');
afterAll(async () => {
  await cluster.quit().catch(() => cluster.disconnect());
});

const restricted: RestrictedClient[] = [];
afterAll(async () => {
  await Promise.all(restricted.map((entry) => entry.close()));
});

/** A store whose slot groups 8-f can be refused (ACL), as a failing shard would answer. */
async function partlyFailing(options: { windowSeconds: number; leaseMs: number; waitReplicas?: number }) {
  const entry = await restrictedClient('cluster');
  restricted.push(entry);
  const store = new RedisDedupStore(entry.client, { keyPrefix: `${uniqueName('t')}:`, ...options });
  return {
    store,
    // One script call per slot group in cluster mode: the healthy groups are written.
    isPartWay: true,
    breakUpperHalf: () => entry.refuse(['8', '9', 'a', 'b', 'c', 'd', 'e', 'f']),
    heal: () => entry.allowAll(),
  };
}

describeDedupStoreContract(
  'RedisDedupStore (Redis Cluster)',
  async ({ windowSeconds, leaseMs }) =>
    new RedisDedupStore(cluster, { keyPrefix: `${uniqueName('t')}:`, windowSeconds, leaseMs }),
  partlyFailing,
);

describeDedupStoreContract(
  'RedisDedupStore (Redis Cluster, WAIT for 1 replica)',
  async ({ windowSeconds, leaseMs }) =>
    new RedisDedupStore(cluster, {
      keyPrefix: `${uniqueName('t')}:`,
      windowSeconds,
      leaseMs,
      waitReplicas: 1,
      waitTimeoutMs: 1_000,
    }),
  (options) => partlyFailing({ ...options, waitReplicas: 1 }),
);

describeIdempotencyStoreContract(
  'RedisIdempotencyStore (Redis Cluster)',
  async (options) =>
    new RedisIdempotencyStore(cluster, { keyPrefix: `${uniqueName('herald-test')}:`, ...options }),
);

/** Each status store on its own restricted connection, so that one can be reopened or broken alone. */
const statusStores = new Map<
  RedisStatusStore,
  { entry: Awaited<ReturnType<typeof restrictedClient>>; prefix: string; retentionSeconds: number }
>();
async function openStatusStore(prefix: string, retentionSeconds: number): Promise<RedisStatusStore> {
  const entry = await restrictedClient('cluster');
  restricted.push(entry);
  const store = new RedisStatusStore(entry.client, { keyPrefix: prefix, retentionSeconds });
  statusStores.set(store, { entry, prefix, retentionSeconds });
  return store;
}

describeStatusStoreContract(
  'RedisStatusStore (Redis Cluster)',
  async ({ retentionSeconds }) => openStatusStore(`${uniqueName('herald-test')}:`, retentionSeconds),
  {
    reopen: async (store) => {
      const opened = statusStores.get(store as RedisStatusStore);
      if (!opened) throw new Error('not a contract store');
      return openStatusStore(opened.prefix, opened.retentionSeconds);
    },
    // Every key refused (ACL), as a cluster that cannot serve the slot answers an error.
    breakStore: async (store) => {
      await statusStores.get(store as RedisStatusStore)?.entry.refuseAll();
    },
  },
);
