/**
 * What WAIT costs: claim + mark of 100-record batches through RedisDedupStore on a Redis Cluster,
 * with `waitReplicas: 1` (WAIT after each script, same pipeline) and without, alternating rounds on
 * the same cluster. Loopback replication is far faster than cross-AZ: on ElastiCache add the
 * replica's round trip (about 0.5-1 ms within a region) to the figure with WAIT.
 */
import { randomBytes } from 'node:crypto';
import { createRedisClient } from '../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../lambdas/adapters/redis-dedup-store.ts';
import { alternate, median, percentile, round } from '../harness.ts';

/** Claim + mark latency per batch, with and without WAIT. */
export interface DedupWaitCost {
  readonly batchSize: number;
  /** Batches measured on each side. */
  readonly batches: number;
  readonly withWait: { readonly medianMs: number; readonly p95Ms: number };
  readonly withoutWait: { readonly medianMs: number; readonly p95Ms: number };
  /** withWait.medianMs ÷ withoutWait.medianMs */
  readonly ratio: number;
}

const BATCH_SIZE = 100;

/** Measures on the cluster seeded by `seeds` (`host:port`); leaves no keys behind. */
export async function measureDedupWaitCost(
  seeds: readonly string[],
  options: { batchesPerRound: number; rounds: number },
): Promise<DedupWaitCost> {
  const client = createRedisClient({ url: `redis://${seeds[0] as string}`, isCluster: true });
  const prefix = `bench-wait-${Date.now().toString(36)}:`;
  const common = { windowSeconds: 86_400, leaseMs: 60_000 };
  const stores = {
    wait: new RedisDedupStore(client, {
      ...common,
      keyPrefix: `${prefix}w:`,
      waitReplicas: 1,
      waitTimeoutMs: 250,
    }),
    noWait: new RedisDedupStore(client, { ...common, keyPrefix: `${prefix}n:` }),
  };
  /** Claim + mark latency (ms) of each of `batchesPerRound` fresh batches. */
  const batches = async (store: RedisDedupStore): Promise<number[]> => {
    const samples: number[] = [];
    for (let b = 0; b < options.batchesPerRound; b++) {
      const ids = Array.from({ length: BATCH_SIZE }, () => randomBytes(16).toString('base64url'));
      const started = performance.now();
      await store.claim(ids, 'bench');
      await store.mark(
        ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
        'bench',
      );
      samples.push(performance.now() - started);
    }
    return samples;
  };
  try {
    await batches(stores.wait); // warm-up: scripts loaded, slot map and key plans known
    await batches(stores.noWait);
    const result = await alternate(
      options.rounds,
      () => batches(stores.wait),
      () => batches(stores.noWait),
      () => undefined,
    );
    const withWait = result.herald.flat();
    const withoutWait = result.baseline.flat();
    const figures = (samples: number[]) => ({
      medianMs: round(median(samples)),
      p95Ms: round(percentile(samples, 95)),
    });
    return {
      batchSize: BATCH_SIZE,
      batches: withWait.length,
      withWait: figures(withWait),
      withoutWait: figures(withoutWait),
      ratio: round(median(withWait) / median(withoutWait)),
    };
  } finally {
    // One UNLINK per key: keys of one node span many slots, and a multi-key UNLINK must not.
    const primaries = 'nodes' in client ? client.nodes('master') : [];
    await Promise.all(
      primaries.map(async (node) => {
        const pipeline = node.pipeline();
        for (const key of await node.keys(`${prefix}*`)) pipeline.unlink(key);
        await pipeline.exec();
      }),
    );
    client.disconnect();
  }
}
