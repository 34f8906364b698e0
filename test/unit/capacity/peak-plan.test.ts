/** `herald plan`: the sizing and the changes follow the model's arithmetic, for a real stage config. */
import { describe, expect, it } from 'vitest';
import { BUILT_IN_ENTRY_SIZES } from '../../../capacity/entry-sizes.ts';
import { formatPeakPlan } from '../../../capacity/format-peak-plan.ts';
import {
  INVOCATIONS_PER_POLLER,
  MEASURED_PER_PARTITION_DELIVERIES_PER_SEC,
  PARTITION_UTILISATION,
  planPeak,
  sizeFor,
  VENDOR_ANSWER_SECONDS,
} from '../../../capacity/peak-plan.ts';
import { buildPlan } from '../../../capacity/plan.ts';
import { planInputsFrom } from '../../../capacity/plan-inputs.ts';
import {
  ELASTICACHE_NODE_USD_PER_HOUR,
  EVENT_POLLER_UNIT_USD_PER_HOUR,
  HOURS_PER_MONTH,
  MSK_BROKER_USD_PER_HOUR,
  MSK_STORAGE_USD_PER_GB_MONTH,
} from '../../../capacity/prices.ts';
import { prodStage } from '../../../lib/config/stages.ts';

const perPartitionAtPeak = MEASURED_PER_PARTITION_DELIVERIES_PER_SEC * PARTITION_UTILISATION;

describe('sizeFor', () => {
  it('derives partitions, pollers, concurrency and vendor budgets from the per-partition throughput', () => {
    const sizing = sizeFor(10_000, 50, prodStage);

    const partitions = Math.ceil(10_000 / perPartitionAtPeak);
    expect(sizing.partitions).toBe(partitions);
    expect(sizing.partitions * perPartitionAtPeak).toBeGreaterThanOrEqual(10_000);
    expect((sizing.partitions - 1) * perPartitionAtPeak).toBeLessThan(10_000);
    expect(sizing.pollers.max).toBe(Math.ceil(partitions / INVOCATIONS_PER_POLLER));
    expect(sizing.pollers.max * INVOCATIONS_PER_POLLER).toBeGreaterThanOrEqual(partitions);
    expect(sizing.pollers.min).toBe(Math.ceil(sizing.pollers.max / 2));
    expect(sizing.dispatchConcurrency).toBe(partitions + (prodStage.topics.highPriority?.partitions ?? 0));
    expect(sizing.vendorBudget).toEqual({
      deliveriesPerSec: 10_000,
      concurrentRequests: Math.ceil(10_000 * VENDOR_ANSWER_SECONDS),
    });
  });

  it('takes the cache from the cache model and prices each component from the list prices', () => {
    const sizing = sizeFor(600, 50, prodStage);

    const inputs = planInputsFrom({ rate: '600', 'recipients-per-request': '50' });
    const cache = buildPlan(inputs.traffic, inputs.policy, {
      ...BUILT_IN_ENTRY_SIZES,
      source: { kind: 'built-in' },
    }).recommendation;
    expect(sizing.cache).toMatchObject({ nodeType: cache?.nodeType, shardCount: cache?.shardCount });
    const kafka = prodStage.kafka.mode === 'provisioned' ? prodStage.kafka : undefined;
    const msk =
      (MSK_BROKER_USD_PER_HOUR[kafka?.instanceType ?? ''] ?? 0) *
        (kafka?.brokerCount ?? 0) *
        HOURS_PER_MONTH +
      (kafka?.volumeSizeGiB ?? 0) * (kafka?.brokerCount ?? 0) * MSK_STORAGE_USD_PER_GB_MONTH;
    const nodes = (cache?.shardCount ?? 0) * (1 + prodStage.cache.replicasPerShard);
    const cacheUsd = (ELASTICACHE_NODE_USD_PER_HOUR[cache?.nodeType ?? ''] ?? 0) * nodes * HOURS_PER_MONTH;
    expect(sizing.monthlyUsd.msk).toBeCloseTo(msk, 1);
    expect(sizing.monthlyUsd.elastiCache).toBeCloseTo(cacheUsd, 1);
    expect(sizing.monthlyUsd.eventPollers).toBeCloseTo(
      sizing.pollers.min * EVENT_POLLER_UNIT_USD_PER_HOUR * HOURS_PER_MONTH,
      1,
    );
    const { msk: a, elastiCache: b, dispatchLambda: c, eventPollers: d, total } = sizing.monthlyUsd;
    expect(total).toBeCloseTo(a + b + c + d, 1);
    expect(c).toBeGreaterThan(0);
  });

  it('grows with the rate: 3× the rate needs at least the partitions and shards of 1×', () => {
    const once = sizeFor(5_000, 10, prodStage);
    const thrice = sizeFor(15_000, 10, prodStage);
    expect(thrice.partitions).toBeGreaterThanOrEqual(3 * once.partitions - 2);
    expect(thrice.monthlyUsd.total).toBeGreaterThan(once.monthlyUsd.total);
  });
});

describe('planPeak', () => {
  it('plans 3× the rate and lists only the stage settings that must rise', () => {
    const plan = planPeak({ rate: 5_000, recipientsPerRequest: 50, stage: prodStage });

    expect(plan.multiplier).toBe(3);
    expect(plan.target.deliveriesPerSec).toBe(15_000);
    const byPath = Object.fromEntries(plan.changes.map((c) => [c.path, c]));
    expect(byPath['topics.deliveries.partitions']).toEqual({
      path: 'topics.deliveries.partitions',
      current: 24,
      planned: Math.ceil(15_000 / perPartitionAtPeak),
    });
    for (const change of plan.changes) expect(change.planned).not.toEqual(change.current);
    for (const change of plan.changes.filter(
      (c) => typeof c.current === 'number' && c.path !== 'cache.shardCount',
    ))
      expect(change.planned as number).toBeGreaterThan(change.current as number);
  });

  it('asks for nothing when the stage already covers the target', () => {
    const plan = planPeak({ rate: 1, recipientsPerRequest: 100, stage: prodStage });
    expect(plan.changes.filter((c) => c.path !== 'cache.nodeType' && c.path !== 'cache.shardCount')).toEqual(
      [],
    );
  });

  it('prints both columns, the changes and where the prices come from', () => {
    const text = formatPeakPlan(planPeak({ rate: 5_000, recipientsPerRequest: 50, stage: prodStage }));
    expect(text).toContain('15,000 deliveries/s');
    expect(text).toMatch(/topics\.deliveries\.partitions\s+24 → \d+/);
    expect(text).toContain('capacity/prices.ts');
  });
});
