/**
 * `dedup`: claim + mark of 100-record batches on real Redis. Herald's RedisDedupStore (one script
 * call per step) against the per-record protocol of Powertools' idempotency utility (SET NX to claim,
 * then SET to mark, per record, records one after another). Also measured: the per-record commands
 * with all 100 records in flight at once (perRecordConcurrent), and both main sides again through a
 * proxy that adds about a millisecond of network round trip (atNetworkRtt), as between a Lambda and
 * ElastiCache, which loopback does not have.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { randomDeliveryIds } from '../../capacity/measure.ts';
import { deleteByPrefix } from '../../capacity/redis-memory.ts';
import { createRedisClient } from '../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../lambdas/adapters/redis-dedup-store.ts';
import { alternate, median, perSecond, round } from '../harness.ts';
import { startLatencyProxy } from '../latency-proxy.ts';
import { countRoundTrips } from '../round-trips.ts';
import type { ScenarioContext } from './scenario.ts';

const BATCH = 100;
const WINDOW_SECONDS = 86_400;
const LEASE_MS = 120_000;
/** Added to every client→server chunk by the proxy; Node timers make it at least 1 ms. */
const PROXY_DELAY_MS = 1;

/** Figures of one side. */
export interface DedupSide {
  readonly recordsPerSec: number;
  readonly roundTripsPerBatch: number;
  readonly commandsPerBatch: number;
  readonly samplesRecordsPerSec: number[];
}

/** The `dedup` result. */
export interface DedupResult {
  readonly batchSize: number;
  readonly batchesPerRound: number;
  readonly herald: DedupSide & { readonly roundTripsPerStep: number };
  readonly perRecord: DedupSide;
  readonly perRecordConcurrent: DedupSide;
  /** herald.recordsPerSec ÷ perRecord.recordsPerSec */
  readonly ratio: number;
  /** The same comparison through a proxy that adds network delay (loopback has almost none). */
  readonly atNetworkRtt: {
    readonly rttMs: number;
    readonly batchesPerRound: number;
    readonly herald: { readonly recordsPerSec: number; readonly samplesRecordsPerSec: number[] };
    readonly perRecord: { readonly recordsPerSec: number; readonly samplesRecordsPerSec: number[] };
    readonly ratio: number;
  };
}

/** Steps this scenario reports to the progress bar. */
export function dedupSteps(rounds: number): number {
  return rounds * 5 + 1;
}

/** One batch of each protocol on `client`, under `prefix`. */
function protocols(client: Redis, prefix: string) {
  const store = new RedisDedupStore(client, {
    keyPrefix: prefix,
    windowSeconds: WINDOW_SECONDS,
    leaseMs: LEASE_MS,
  });
  const perRecordOne = async (id: string, owner: string) => {
    const key = `${prefix}pr:${id}`;
    await client.set(key, owner, 'PX', LEASE_MS, 'NX');
    await client.set(key, '1', 'EX', WINDOW_SECONDS);
  };
  return {
    herald: async () => {
      const ids = randomDeliveryIds(BATCH);
      const owner = randomUUID();
      await store.claim(ids, owner);
      await store.mark(
        ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
        owner,
      );
    },
    perRecord: async () => {
      const owner = randomUUID();
      for (const id of randomDeliveryIds(BATCH)) await perRecordOne(id, owner);
    },
    perRecordConcurrent: async () => {
      const owner = randomUUID();
      await Promise.all(randomDeliveryIds(BATCH).map((id) => perRecordOne(id, owner)));
    },
  };
}

/** Records/s of `batches` batches, then the keys are dropped (outside the timing). */
function timed(client: Redis, prefix: string, batches: number, batch: () => Promise<void>) {
  return async () => {
    const started = performance.now();
    for (let i = 0; i < batches; i++) await batch();
    const rate = perSecond(batches * BATCH, performance.now() - started);
    await deleteByPrefix(client, prefix);
    return rate;
  };
}

const samples = (values: number[]) => ({
  recordsPerSec: round(median(values), 0),
  samplesRecordsPerSec: values.map((v) => round(v, 0)),
});

/** Runs the scenario. */
export async function runDedup(ctx: ScenarioContext): Promise<DedupResult> {
  const client = createRedisClient({ url: ctx.engines.redisUrl, isCluster: false }) as Redis;
  const prefix = `herald-bench-${randomUUID().slice(0, 8)}:`;
  const batches = ctx.isQuick ? 10 : 200;
  const run = protocols(client, prefix);
  const redisUrl = new URL(ctx.engines.redisUrl);
  const proxy = await startLatencyProxy(
    { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
    PROXY_DELAY_MS,
  );
  const slowUrl = new URL(ctx.engines.redisUrl);
  slowUrl.hostname = '127.0.0.1';
  slowUrl.port = String(proxy.port);
  const slow = createRedisClient({ url: slowUrl.toString(), isCluster: false }) as Redis;
  try {
    await run.herald(); // connects and loads the scripts
    const counted = {
      herald: await countRoundTrips(client, run.herald),
      perRecord: await countRoundTrips(client, run.perRecord),
      perRecordConcurrent: await countRoundTrips(client, run.perRecordConcurrent),
    };
    await deleteByPrefix(client, prefix);
    ctx.step('dedup: round trips counted');
    const main = await alternate(
      ctx.rounds,
      timed(client, prefix, batches, run.herald),
      timed(client, prefix, batches, run.perRecord),
      (label) => ctx.step(`dedup ${label}`),
    );
    const concurrent: number[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      concurrent.push(await timed(client, prefix, batches, run.perRecordConcurrent)());
      ctx.step(`dedup round ${r + 1}/${ctx.rounds} perRecordConcurrent done`);
    }
    const viaProxy = protocols(slow, prefix);
    await viaProxy.herald();
    const pings: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await slow.ping();
      pings.push(performance.now() - started);
    }
    const slowBatches = ctx.isQuick ? 2 : 20;
    const atRtt = await alternate(
      ctx.rounds,
      timed(client, prefix, slowBatches, viaProxy.herald),
      timed(client, prefix, slowBatches, viaProxy.perRecord),
      (label) => ctx.step(`dedup at network RTT ${label}`),
    );
    const side = (values: number[], count: { commands: number; roundTrips: number }): DedupSide => ({
      ...samples(values),
      roundTripsPerBatch: count.roundTrips,
      commandsPerBatch: count.commands,
    });
    return {
      batchSize: BATCH,
      batchesPerRound: batches,
      // claim and mark are one step each: on a single node each step is one round trip.
      herald: { ...side(main.herald, counted.herald), roundTripsPerStep: counted.herald.roundTrips / 2 },
      perRecord: side(main.baseline, counted.perRecord),
      perRecordConcurrent: side(concurrent, counted.perRecordConcurrent),
      ratio: round(median(main.herald) / median(main.baseline), 2),
      atNetworkRtt: {
        rttMs: round(median(pings), 2),
        batchesPerRound: slowBatches,
        herald: samples(atRtt.herald),
        perRecord: samples(atRtt.baseline),
        ratio: round(median(atRtt.herald) / median(atRtt.baseline), 2),
      },
    };
  } finally {
    await deleteByPrefix(client, prefix).catch(() => undefined);
    client.disconnect();
    slow.disconnect();
    await proxy.close();
  }
}
