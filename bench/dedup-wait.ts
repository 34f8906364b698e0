/**
 * What WAIT costs: claim + mark of 100-record batches through RedisDedupStore on the local Redis
 * Cluster (3 primaries + 3 replicas), with `waitReplicas: 1` (WAIT after each script, same pipeline)
 * and without, alternating rounds on the same cluster. Prints per-batch latency for each.
 *
 *   node bench/dedup-wait.ts [batches per round] [rounds]
 *
 * Starts (or reuses) the cluster under HERALD_HOME as `herald infra up --redis-cluster` does, or uses
 * HERALD_REDIS_CLUSTER_NODES. Loopback replication is far faster than cross-AZ: on ElastiCache add
 * the replica's round trip (about 0.5-1 ms within a region) to the figure with WAIT.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { createRedisClient } from '../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../lambdas/adapters/redis-dedup-store.ts';
import { readLocalEnv } from '../local/infra/local-env.ts';
import { RedisCluster } from '../local/redis/redis-cluster.ts';
import { alternate, median, percentile, round } from './harness.ts';

const batchesPerRound = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 6);
const batchSize = 100;

const local = readLocalEnv();
const seeds = local.redisClusterNodes ?? (await new RedisCluster({ home: local.heraldHome }).start()).seeds;
const client = createRedisClient({ url: `redis://${seeds[0] as string}`, isCluster: true });
const prefix = `bench-wait-${Date.now().toString(36)}:`;
const stores = {
  wait: new RedisDedupStore(client, {
    keyPrefix: `${prefix}w:`,
    windowSeconds: 86_400,
    leaseMs: 60_000,
    waitReplicas: 1,
    waitTimeoutMs: 250,
  }),
  noWait: new RedisDedupStore(client, { keyPrefix: `${prefix}n:`, windowSeconds: 86_400, leaseMs: 60_000 }),
};

/** Claim + mark latency (ms) of each of `batchesPerRound` fresh batches. */
async function batches(store: RedisDedupStore): Promise<number[]> {
  const samples: number[] = [];
  for (let b = 0; b < batchesPerRound; b++) {
    const ids = Array.from({ length: batchSize }, () => randomBytes(16).toString('base64url'));
    const started = performance.now();
    await store.claim(ids, 'bench');
    await store.complete(
      ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
      'bench',
    );
    samples.push(performance.now() - started);
  }
  return samples;
}

await batches(stores.wait); // warm-up: scripts loaded, slot map and key plans known
await batches(stores.noWait);
const result = await alternate(
  rounds,
  () => batches(stores.wait),
  () => batches(stores.noWait),
  () => undefined,
);
const report = (name: string, samples: number[]) =>
  `${name.padEnd(22)} median ${round(median(samples)).toFixed(2)} ms   p95 ${round(percentile(samples, 95)).toFixed(2)} ms   per batch of ${batchSize} (claim + mark)`;
const withWait = result.herald.flat();
const withoutWait = result.baseline.flat();
console.log(
  `dedup WAIT cost on the local Redis Cluster (3 + 3 nodes, loopback), ${withWait.length} batches each`,
);
console.log(report('with WAIT 1 replica', withWait));
console.log(report('without WAIT', withoutWait));
console.log(
  `WAIT adds ${round(median(withWait) - median(withoutWait)).toFixed(2)} ms per batch at the median ` +
    `(load average ${loadavg()[0]?.toFixed(2)} on ${cpus().length} cores)`,
);
// Clean up: one UNLINK per key (keys of one node span many slots, and a multi-key UNLINK must not).
const primaries = 'nodes' in client ? client.nodes('master') : [];
await Promise.all(
  primaries.map(async (node) => {
    const pipeline = node.pipeline();
    for (const key of await node.keys(`${prefix}*`)) pipeline.unlink(key);
    await pipeline.exec();
  }),
);
client.disconnect();
