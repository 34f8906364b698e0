/**
 * `endToEnd`: deliveries/s through the whole local runtime (API Gateway emulator + ingest Lambda →
 * Kafka → MSK event source mapping emulator + dispatch Lambda → three mock vendors per channel at
 * 20 ms latency), 100-recipient requests, against the naive pipeline on the same engines and vendor,
 * plus the ceiling: the bare kafkajs produce→consume rate on the same broker. The mock vendors do not
 * dedupe (a repeated request is delivered again), so `herald.duplicates` counts what recipients
 * would see twice (must be 0). `dedupWait`: what WAIT for one replica costs per batch (claim + mark)
 * on a Redis Cluster of the scenario's own (3 + 3 nodes, loopback), as cluster mode runs it in AWS.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { deleteByPrefix } from '../../capacity/redis-memory.ts';
import { createRedisClient } from '../../lambdas/adapters/redis-client.ts';
import { RedisCluster } from '../../local/redis/redis-cluster.ts';
import { startRuntime } from '../../local/runtime/runtime.ts';
import { ensureTopics } from '../../local/runtime/topics.ts';
import { median, perSecond, round } from '../harness.ts';
import { type DedupWaitCost, measureDedupWaitCost } from './dedup-wait-cost.ts';
import { startKafkaCeiling } from './kafka-ceiling.ts';
import { startNaivePipeline } from './naive-pipeline.ts';
import { requestBody, requestRecords } from './records.ts';
import type { ScenarioContext } from './scenario.ts';
import { VendorLogFollower, waitUntil } from './vendor-log.ts';

const VENDOR_LATENCY_MS = 20;
const CONCURRENT_CLIENTS = 8;
const TOKEN = 'bench-token';

/** The `endToEnd` result. */
export interface EndToEndResult {
  readonly vendorLatencyMs: number;
  readonly recipientsPerRequest: number;
  /** The event source mapping as the runtime ran it (the dev stage's). */
  readonly esm: { readonly batchSize: number; readonly maximumBatchingWindowMs: number };
  readonly herald: {
    deliveriesPerSec: number;
    deliveriesPerRound: number;
    /** Sends beyond the first per recipient in the vendor log (non-idempotent vendors): must be 0. */
    duplicates: number;
    samples: number[];
  };
  /** Claim + mark per 100-record batch with WAIT for one replica and without. */
  readonly dedupWait: DedupWaitCost;
  readonly naive: { deliveriesPerSec: number; deliveriesPerRound: number; samples: number[] };
  readonly ceiling: { recordsPerSec: number; recordsPerRound: number; samples: number[] };
  /** herald ÷ naive */
  readonly ratio: number;
  /** herald deliveries/s ÷ ceiling records/s */
  readonly heraldToCeiling: number;
}

/** Steps this scenario reports to the progress bar. */
export function endToEndSteps(rounds: number): number {
  return rounds * 3 + 2;
}

/** Runs `task` `count` times with `parallel` in flight. */
async function inParallel(count: number, parallel: number, task: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next++ < count) await task();
    }),
  );
}

/** Runs the scenario. */
export async function runEndToEnd(ctx: ScenarioContext): Promise<EndToEndResult> {
  const id = randomUUID().slice(0, 8);
  const home = mkdtempSync(join(tmpdir(), 'herald-bench-e2e-'));
  const topics = {
    herald: `herald-bench-e2e-${id}`,
    dlq: `herald-bench-e2e-${id}-dlq`,
    naive: `herald-bench-naive-${id}`,
    ceiling: `herald-bench-ceiling-${id}`,
  };
  const sizes = ctx.isQuick
    ? { herald: 3, naive: 1, ceiling: 2_000 }
    : { herald: 40, naive: 4, ceiling: 20_000 };
  const brokers = [...ctx.engines.kafkaBrokers];
  const kafka = new Kafka({ clientId: 'herald-bench-e2e', brokers, logLevel: logLevel.NOTHING });
  const redis = createRedisClient({ url: ctx.engines.redisUrl, isCluster: false });
  const keyPrefix = `herald-bench-${id}:`;
  await ensureTopics(brokers, [
    { name: topics.herald, partitions: 6 },
    { name: topics.dlq, partitions: 1 },
    { name: topics.naive, partitions: 6 },
    { name: topics.ceiling, partitions: 6 },
  ]);
  const vendorLogPath = join(home, 'vendor-deliveries.jsonl');
  const runtime = await startRuntime({
    kafkaBrokers: brokers,
    redisUrl: ctx.engines.redisUrl,
    runDir: join(home, 'run'),
    apiPort: 0,
    apiTokens: `${TOKEN}=bench-client`,
    vendorLogPath,
    deliveriesTopic: topics.herald,
    deadLetterTopic: topics.dlq,
    keyPrefix,
    logLevel: 'ERROR',
    esm: { consumerGroupId: `herald-bench-${id}` },
    // The naive baseline posts to sms-a with the generic HTTP vendor protocol: both use the mock vendor.
    vendorSet: 'mock',
    functionEnvironment: { POWERTOOLS_METRICS_DISABLED: 'true' },
    outputFile: join(home, 'runtime.log'),
    log: () => undefined,
  });
  const stops: Array<() => Promise<unknown>> = [() => runtime.stop()];
  try {
    await Promise.all(
      runtime.vendors.map((vendor) =>
        fetch(`${vendor.adminUrl}/faults`, {
          method: 'PUT',
          body: JSON.stringify({ latencyMs: VENDOR_LATENCY_MS }),
        }),
      ),
    );
    const smsA = runtime.vendors.find((vendor) => vendor.name === 'sms-a');
    if (!smsA) throw new Error('the runtime runs no sms-a vendor');
    const naive = await startNaivePipeline({
      kafka,
      redis: redis as never,
      topic: topics.naive,
      keyPrefix,
      vendorUrl: smsA.url,
    });
    stops.push(() => naive.stop());
    const ceiling = await startKafkaCeiling(kafka, topics.ceiling);
    stops.push(() => ceiling.stop());
    const log = new VendorLogFollower(vendorLogPath);

    const heraldRound = async (requests: number) => {
      const requestIds = new Set<string>();
      const started = performance.now();
      await inParallel(requests, CONCURRENT_CLIENTS, async () => {
        const response = await fetch(`${runtime.apiUrl}/v1/messages`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TOKEN}`,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: requestBody(100),
        });
        const body = (await response.json()) as { requestId?: string };
        if (response.status !== 202 || !body.requestId) throw new Error(`ingest answered ${response.status}`);
        requestIds.add(body.requestId);
      });
      await waitUntil(() => log.poll(requestIds).deliveries >= requests * 100, 180_000, 'Herald deliveries');
      return perSecond(requests * 100, performance.now() - started);
    };
    const naiveRound = async (requests: number) => {
      const requestIds = new Set<string>();
      const started = performance.now();
      await inParallel(requests, CONCURRENT_CLIENTS, async () => {
        const records = requestRecords(100);
        requestIds.add((JSON.parse(records[0]?.value ?? '{}') as { requestId: string }).requestId);
        await naive.ingest(records);
      });
      await waitUntil(() => naive.delivered(requestIds) >= requests * 100, 300_000, 'naive deliveries');
      return perSecond(requests * 100, performance.now() - started);
    };

    await heraldRound(1); // cold starts: ingest and dispatch Lambdas, group assignment
    await naiveRound(1);
    await ceiling.measure(1_000, CONCURRENT_CLIENTS);
    ctx.step('endToEnd: runtime, naive pipeline and ceiling warm');
    const samples = { herald: [] as number[], naive: [] as number[], ceiling: [] as number[] };
    const sides = {
      herald: () => heraldRound(sizes.herald),
      naive: () => naiveRound(sizes.naive),
      ceiling: () => ceiling.measure(sizes.ceiling, CONCURRENT_CLIENTS),
    };
    const names = ['herald', 'naive', 'ceiling'] as const;
    for (let r = 0; r < ctx.rounds; r++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(r + i) % names.length] as (typeof names)[number];
        samples[name].push(await sides[name]());
        ctx.step(`endToEnd round ${r + 1}/${ctx.rounds} ${name} done`);
      }
    }
    // Why after the runtime stopped: a send from an expired claim could land after the round counted
    // its deliveries; once stopped, the log holds every send there will ever be.
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
    const duplicates = log.poll(new Set()).duplicates;
    // Why after the pipeline stopped: the cluster's six servers would compete with it for the cores.
    const cluster = new RedisCluster({ home });
    stops.push(() => cluster.stop());
    const { seeds } = await cluster.start();
    const dedupWait = await measureDedupWaitCost(seeds, {
      batchesPerRound: ctx.isQuick ? 20 : 200,
      rounds: ctx.rounds,
    });
    ctx.step('endToEnd: WAIT cost measured');
    const herald = median(samples.herald);
    const ceilingRate = median(samples.ceiling);
    const naiveRate = median(samples.naive);
    return {
      vendorLatencyMs: VENDOR_LATENCY_MS,
      recipientsPerRequest: 100,
      esm: {
        batchSize: runtime.esm.batchSize ?? 100,
        maximumBatchingWindowMs: runtime.esm.maximumBatchingWindowMs ?? 500,
      },
      herald: {
        deliveriesPerSec: round(herald, 0),
        deliveriesPerRound: sizes.herald * 100,
        duplicates,
        samples: samples.herald.map((s) => round(s, 0)),
      },
      naive: {
        deliveriesPerSec: round(naiveRate, 1),
        deliveriesPerRound: sizes.naive * 100,
        samples: samples.naive.map((s) => round(s, 1)),
      },
      ceiling: {
        recordsPerSec: round(ceilingRate, 0),
        recordsPerRound: sizes.ceiling,
        samples: samples.ceiling.map((s) => round(s, 0)),
      },
      dedupWait,
      ratio: round(herald / naiveRate, 2),
      heraldToCeiling: round(herald / ceilingRate, 3),
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await deleteByPrefix(redis as never, keyPrefix).catch(() => undefined);
    redis.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    rmSync(home, { recursive: true, force: true });
  }
}
