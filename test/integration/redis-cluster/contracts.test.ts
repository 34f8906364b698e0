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

const cluster = testRedisClient('cluster');
afterAll(async () => {
  await cluster.quit().catch(() => cluster.disconnect());
});

describeDedupStoreContract(
  'RedisDedupStore (Redis Cluster)',
  async ({ windowSeconds, leaseMs }) =>
    new RedisDedupStore(cluster, { keyPrefix: `${uniqueName('t')}:`, windowSeconds, leaseMs }),
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
);

describeIdempotencyStoreContract(
  'RedisIdempotencyStore (Redis Cluster)',
  async (options) =>
    new RedisIdempotencyStore(cluster, { keyPrefix: `${uniqueName('herald-test')}:`, ...options }),
);

describeStatusStoreContract(
  'RedisStatusStore (Redis Cluster)',
  async (options) =>
    new RedisStatusStore(cluster, { keyPrefix: `${uniqueName('herald-test')}:`, ...options }),
);
