/**
 * `dedup`: claim + mark of 100-record batches on real Redis. Herald's RedisDedupStore (one script
 * call per step) against the per-record protocol of Powertools' idempotency utility (SET NX to claim,
 * then SET to mark, per record, records one after another). Also measured, for the record: the same
 * per-record commands with all 100 records in flight at once (perRecordConcurrent).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../lambdas/adapters/redis-dedup-store.ts';
import { randomDeliveryIds } from '../../local/capacity/measure.ts';
import { deleteByPrefix } from '../../local/capacity/redis-memory.ts';
import { alternate, median, perSecond, round } from '../harness.ts';
import { countRoundTrips } from '../round-trips.ts';
import type { ScenarioContext } from './scenario.ts';

const BATCH = 100;
const WINDOW_SECONDS = 86_400;
const LEASE_MS = 120_000;

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
}

/** Steps this scenario reports to the progress bar. */
export function dedupSteps(rounds: number): number {
  return rounds * 3 + 1;
}

/** Runs the scenario. */
export async function runDedup(ctx: ScenarioContext): Promise<DedupResult> {
  const client = createRedisClient({ url: ctx.engines.redisUrl, isCluster: false }) as Redis;
  const prefix = `herald-bench-${randomUUID().slice(0, 8)}:`;
  const store = new RedisDedupStore(client, {
    keyPrefix: prefix,
    windowSeconds: WINDOW_SECONDS,
    leaseMs: LEASE_MS,
  });
  const batches = ctx.isQuick ? 10 : 200;

  const heraldBatch = async () => {
    const ids = randomDeliveryIds(BATCH);
    const owner = randomUUID();
    await store.claim(ids, owner);
    await store.complete(
      ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
      owner,
    );
  };
  const perRecordOne = async (id: string, owner: string) => {
    const key = `${prefix}pr:${id}`;
    await client.set(key, owner, 'PX', LEASE_MS, 'NX');
    await client.set(key, '1', 'EX', WINDOW_SECONDS);
  };
  const perRecordBatch = async () => {
    const owner = randomUUID();
    for (const id of randomDeliveryIds(BATCH)) await perRecordOne(id, owner);
  };
  const perRecordConcurrentBatch = async () => {
    const owner = randomUUID();
    await Promise.all(randomDeliveryIds(BATCH).map((id) => perRecordOne(id, owner)));
  };
  const timed = (batch: () => Promise<void>) => async () => {
    const started = performance.now();
    for (let i = 0; i < batches; i++) await batch();
    const rate = perSecond(batches * BATCH, performance.now() - started);
    await deleteByPrefix(client, prefix);
    return rate;
  };

  try {
    await heraldBatch(); // loads the scripts
    const counted = {
      herald: await countRoundTrips(client, heraldBatch),
      perRecord: await countRoundTrips(client, perRecordBatch),
      perRecordConcurrent: await countRoundTrips(client, perRecordConcurrentBatch),
    };
    await deleteByPrefix(client, prefix);
    ctx.step('dedup: round trips counted');
    const main = await alternate(ctx.rounds, timed(heraldBatch), timed(perRecordBatch), (l) =>
      ctx.step(`dedup ${l}`),
    );
    const concurrent: number[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      concurrent.push(await timed(perRecordConcurrentBatch)());
      ctx.step(`dedup round ${r + 1}/${ctx.rounds} perRecordConcurrent done`);
    }
    const side = (samples: number[], count: { commands: number; roundTrips: number }): DedupSide => ({
      recordsPerSec: round(median(samples), 0),
      roundTripsPerBatch: count.roundTrips,
      commandsPerBatch: count.commands,
      samplesRecordsPerSec: samples.map((s) => round(s, 0)),
    });
    const herald = side(main.herald, counted.herald);
    const perRecord = side(main.baseline, counted.perRecord);
    return {
      batchSize: BATCH,
      batchesPerRound: batches,
      // claim and mark are one step each: on a single node each step is one round trip.
      herald: { ...herald, roundTripsPerStep: counted.herald.roundTrips / 2 },
      perRecord,
      perRecordConcurrent: side(concurrent, counted.perRecordConcurrent),
      ratio: round(median(main.herald) / median(main.baseline), 2),
    };
  } finally {
    await deleteByPrefix(client, prefix).catch(() => undefined);
    client.disconnect();
  }
}
