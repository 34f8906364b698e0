/**
 * `herald plan`: what a deployment needs for a peak delivery rate, and what to change in a stage
 * config to get there. From a measured per-partition throughput (the `scaling` benchmark) it derives
 * MSK partitions, provisioned pollers, dispatch concurrency and per-vendor rate budgets; the
 * ElastiCache node type and shard count come from the cache model (plan.ts); each component gets a
 * monthly list-price estimate (prices.ts).
 */
import { BUILT_IN_ENTRY_SIZES } from './entry-sizes.ts';
import { buildPlan, type CapacityPlan } from './plan.ts';
import { planInputsFrom } from './plan-inputs.ts';
import {
  ELASTICACHE_NODE_USD_PER_HOUR,
  EVENT_POLLER_UNIT_USD_PER_HOUR,
  HOURS_PER_MONTH,
  LAMBDA_ARM_USD_PER_GB_SECOND,
  LAMBDA_USD_PER_MILLION_REQUESTS,
  MSK_BROKER_USD_PER_HOUR,
  MSK_STORAGE_USD_PER_GB_MONTH,
} from './prices.ts';

/**
 * Deliveries/s one partition carries: one dispatch invocation in flight per partition, batch 100, the
 * dev stage's in-flight bound, mock vendors at 20 ms. Measured by `herald bench --only scaling` at 1
 * partition on 2026-11-29 (docs/capacity.md, docs/bench-lanes-scaling.json): 724/s on a 2-core AMD
 * EPYC at load average 6–15 (other jobs running). A Lambda invocation has its own CPU, so this is a
 * floor for AWS; pass `--per-partition` from a deployed stage's ESM metrics once you have them.
 */
export const MEASURED_PER_PARTITION_DELIVERIES_PER_SEC = 724;
/** Plan partitions to run at this share of their measured throughput at peak (the rest is headroom). */
export const PARTITION_UTILISATION = 0.7;
/** AWS: a provisioned Kafka poller serves up to 5 concurrent invocations (one per partition). */
export const INVOCATIONS_PER_POLLER = 5;
/** Vendor answer time used for the concurrent connections a vendor must accept (assumption). */
export const VENDOR_ANSWER_SECONDS = 0.2;

/**
 * The parts of a stage config (lib/config/stage-config.ts) the plan reads; the CLI passes the stage
 * itself (capacity/ does not import lib/).
 */
export interface StageConfig {
  readonly stage: string;
  readonly kafka:
    | { readonly mode: 'serverless' }
    | {
        readonly mode: 'provisioned';
        readonly brokerCount: number;
        readonly instanceType: string;
        readonly volumeSizeGiB: number;
      };
  readonly topics: {
    readonly deliveries: { readonly partitions: number };
    readonly highPriority?: { readonly partitions: number };
  };
  readonly cache: {
    readonly nodeType: string;
    readonly shardCount: number;
    readonly replicasPerShard: number;
  };
  readonly dispatch: {
    readonly memoryMiB: number;
    readonly batchSize: number;
    readonly minPollers: number;
    readonly maxPollers: number;
    readonly reservedConcurrency?: number;
  };
}

/** The sizing of one rate. */
export interface PeakSizing {
  readonly deliveriesPerSec: number;
  readonly partitions: number;
  readonly pollers: { readonly min: number; readonly max: number };
  /** Concurrent dispatch invocations at peak (one per partition in flight, both lanes). */
  readonly dispatchConcurrency: number;
  readonly cache?: {
    readonly nodeType: string;
    readonly shardCount: number;
    readonly fullestShardPercent: number;
  };
  /** Per vendor of a channel: deliveries/s it must accept (a channel's whole traffic on failover). */
  readonly vendorBudget: { readonly deliveriesPerSec: number; readonly concurrentRequests: number };
  readonly monthlyUsd: MonthlyCost;
}

/** Monthly list-price estimate per component, USD. */
export interface MonthlyCost {
  readonly msk: number;
  readonly elastiCache: number;
  readonly dispatchLambda: number;
  readonly eventPollers: number;
  readonly total: number;
}

/** One setting to change in the stage config. */
export interface StageChange {
  readonly path: string;
  readonly current: number | string;
  readonly planned: number | string;
}

/** The whole answer. */
export interface PeakPlan {
  readonly perPartitionDeliveriesPerSec: number;
  readonly stage: string;
  readonly current: PeakSizing;
  readonly multiplier: number;
  readonly target: PeakSizing;
  /** Settings of the stage config that must change for the target (raised only, never lowered). */
  readonly changes: readonly StageChange[];
}

const roundUsd = (value: number) => Math.round(value * 100) / 100;

function cachePlanFor(rate: number, recipientsPerRequest: number): CapacityPlan {
  const inputs = planInputsFrom({
    rate: String(rate),
    'recipients-per-request': String(recipientsPerRequest),
  });
  return buildPlan(inputs.traffic, inputs.policy, { ...BUILT_IN_ENTRY_SIZES, source: { kind: 'built-in' } });
}

/** Sizes `rate` deliveries/s against `stage` (lane partitions and function memory come from it). */
export function sizeFor(
  rate: number,
  recipientsPerRequest: number,
  stage: StageConfig,
  perPartition = MEASURED_PER_PARTITION_DELIVERIES_PER_SEC,
): PeakSizing {
  const partitions = Math.max(1, Math.ceil(rate / (perPartition * PARTITION_UTILISATION)));
  const lanePartitions = stage.topics.highPriority?.partitions ?? 0;
  const max = Math.ceil(partitions / INVOCATIONS_PER_POLLER);
  // Why half: AWS scales provisioned pollers within minutes; half the peak always warm rides a burst.
  const pollers = { min: Math.max(1, Math.ceil(max / 2)), max };
  const cache = cachePlanFor(rate, recipientsPerRequest).recommendation;
  const nodes = cache ? cache.shardCount * (1 + stage.cache.replicasPerShard) : 0;
  const brokers = stage.kafka.mode === 'provisioned' ? stage.kafka : undefined;
  const mskPerHour = brokers
    ? (MSK_BROKER_USD_PER_HOUR[brokers.instanceType] ?? Number.NaN) * brokers.brokerCount
    : 0;
  const mskStorage = brokers ? brokers.volumeSizeGiB * brokers.brokerCount * MSK_STORAGE_USD_PER_GB_MONTH : 0;
  const msk = mskPerHour * HOURS_PER_MONTH + mskStorage;
  const elastiCache = cache
    ? (ELASTICACHE_NODE_USD_PER_HOUR[cache.nodeType] ?? Number.NaN) * nodes * HOURS_PER_MONTH
    : Number.NaN;
  // Peak all month: an upper bound (a real month averages far below its peak). At peak every
  // partition has an invocation running PARTITION_UTILISATION of the time.
  const secondsPerMonth = HOURS_PER_MONTH * 3600;
  const busyGb = partitions * PARTITION_UTILISATION * (stage.dispatch.memoryMiB / 1024);
  const invocationsPerSec = rate / stage.dispatch.batchSize;
  const dispatchLambda =
    busyGb * secondsPerMonth * LAMBDA_ARM_USD_PER_GB_SECOND +
    (invocationsPerSec * secondsPerMonth * LAMBDA_USD_PER_MILLION_REQUESTS) / 1e6;
  const eventPollers = pollers.min * EVENT_POLLER_UNIT_USD_PER_HOUR * HOURS_PER_MONTH;
  const parts = { msk, elastiCache, dispatchLambda, eventPollers };
  return {
    deliveriesPerSec: rate,
    partitions,
    pollers,
    dispatchConcurrency: partitions + lanePartitions,
    ...(cache
      ? {
          cache: {
            nodeType: cache.nodeType,
            shardCount: cache.shardCount,
            fullestShardPercent: cache.fullestShardPercent,
          },
        }
      : {}),
    vendorBudget: {
      deliveriesPerSec: rate,
      concurrentRequests: Math.ceil(rate * VENDOR_ANSWER_SECONDS),
    },
    monthlyUsd: {
      msk: roundUsd(parts.msk),
      elastiCache: roundUsd(parts.elastiCache),
      dispatchLambda: roundUsd(parts.dispatchLambda),
      eventPollers: roundUsd(parts.eventPollers),
      total: roundUsd(parts.msk + parts.elastiCache + parts.dispatchLambda + parts.eventPollers),
    },
  };
}

/** Plans `rate` now and `multiplier` × `rate`, and lists what `stage` must change for the latter. */
export function planPeak(options: {
  readonly rate: number;
  readonly recipientsPerRequest: number;
  readonly stage: StageConfig;
  readonly multiplier?: number;
  readonly perPartition?: number;
}): PeakPlan {
  const multiplier = options.multiplier ?? 3;
  const perPartition = options.perPartition ?? MEASURED_PER_PARTITION_DELIVERIES_PER_SEC;
  const { stage } = options;
  const current = sizeFor(options.rate, options.recipientsPerRequest, stage, perPartition);
  const target = sizeFor(options.rate * multiplier, options.recipientsPerRequest, stage, perPartition);
  const candidates: StageChange[] = [
    {
      path: 'topics.deliveries.partitions',
      current: stage.topics.deliveries.partitions,
      planned: Math.max(stage.topics.deliveries.partitions, target.partitions),
    },
    // Only ever raised: the plan says what the peak needs at least, never to take capacity away.
    {
      path: 'dispatch.minPollers',
      current: stage.dispatch.minPollers,
      planned: Math.max(stage.dispatch.minPollers, target.pollers.min),
    },
    {
      path: 'dispatch.maxPollers',
      current: stage.dispatch.maxPollers,
      planned: Math.max(stage.dispatch.maxPollers, target.pollers.max),
    },
    ...(target.cache
      ? [
          { path: 'cache.nodeType', current: stage.cache.nodeType, planned: target.cache.nodeType },
          {
            path: 'cache.shardCount',
            current: stage.cache.shardCount,
            planned:
              target.cache.nodeType === stage.cache.nodeType
                ? Math.max(stage.cache.shardCount, target.cache.shardCount)
                : target.cache.shardCount,
          },
        ]
      : []),
    ...(stage.dispatch.reservedConcurrency !== undefined
      ? [
          {
            path: 'dispatch.reservedConcurrency',
            current: stage.dispatch.reservedConcurrency,
            planned: Math.max(stage.dispatch.reservedConcurrency, target.dispatchConcurrency),
          },
        ]
      : []),
  ];
  return {
    perPartitionDeliveriesPerSec: perPartition,
    stage: stage.stage,
    current,
    multiplier,
    target,
    changes: candidates.filter((change) => change.current !== change.planned),
  };
}
