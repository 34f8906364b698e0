/**
 * What WAIT costs (bench/scenarios/dedup-wait-cost.ts), on its own: claim + mark of 100-record
 * batches on the local Redis Cluster (3 primaries + 3 replicas) with and without WAIT for one replica.
 * `npm run bench` reports the same figure as `endToEnd.dedupWait`.
 *
 *   node bench/dedup-wait.ts [batches per round] [rounds]
 *
 * Starts (or reuses) the cluster under HERALD_HOME as `herald infra up --redis-cluster` does, or uses
 * HERALD_REDIS_CLUSTER_NODES.
 */
import { cpus, loadavg } from 'node:os';
import { readLocalEnv } from '../local/infra/local-env.ts';
import { RedisCluster } from '../local/redis/redis-cluster.ts';
import { round } from './harness.ts';
import { measureDedupWaitCost } from './scenarios/dedup-wait-cost.ts';

const batchesPerRound = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 6);

const local = readLocalEnv();
const seeds = local.redisClusterNodes ?? (await new RedisCluster({ home: local.heraldHome }).start()).seeds;
const cost = await measureDedupWaitCost(seeds, { batchesPerRound, rounds });
const line = (name: string, side: { medianMs: number; p95Ms: number }) =>
  `${name.padEnd(22)} median ${side.medianMs.toFixed(2)} ms   p95 ${side.p95Ms.toFixed(2)} ms   per batch of ${cost.batchSize} (claim + mark)`;
console.log(
  `dedup WAIT cost on the local Redis Cluster (3 + 3 nodes, loopback), ${cost.batches} batches each`,
);
console.log(line('with WAIT 1 replica', cost.withWait));
console.log(line('without WAIT', cost.withoutWait));
console.log(
  `WAIT adds ${round(cost.withWait.medianMs - cost.withoutWait.medianMs).toFixed(2)} ms per batch at the median ` +
    `(load average ${loadavg()[0]?.toFixed(2)} on ${cpus().length} cores)`,
);
