import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  entryCounts,
  estimateKinds,
  fitOf,
  fitsByNodeType,
  occupiedPages,
  recommend,
  type SizingPolicy,
  shardLoad,
  type TrafficInputs,
} from '../../../capacity/capacity-model.ts';
import { evenSlotRanges } from '../../../capacity/cluster-slots.ts';
import type { EntrySizes } from '../../../capacity/entry-sizes.ts';
import { findNodeType, NODE_TYPES } from '../../../capacity/node-types.ts';
import { DEDUP_SLOT_TAGS, RECEIPT_TIMEOUT_TAGS } from '../../../capacity/plan-inputs.ts';
import type { RedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../../lambdas/adapters/redis-dedup-store.ts';

const SIZES: EntrySizes = {
  sentMark: 25,
  inFlightClaim: 200,
  idempotencyRecord: 140,
  statusRecipient: 6,
  statusRequest: 80,
  statusPage: 200,
  receiptTimeout: 67,
};

const TRAFFIC: TrafficInputs = {
  peakDeliveriesPerSecond: 1_000,
  averageDeliveriesPerSecond: 500,
  dedupWindowSeconds: 86_400,
  dedupBucketsPerWindow: 8,
  claimLeaseSeconds: 60,
  idempotencyWindowSeconds: 86_400,
  statusRetentionSeconds: 3_600,
  recipientsPerRequest: 10,
  keyedRequestShare: 0.5,
  statusPageTags: 65_536,
  statusPagesPerRetention: 16,
  dedupSlotTags: DEDUP_SLOT_TAGS,
  webhookDeliveryShare: 0.1,
  receiptTimeoutLifeSeconds: 262_800,
  receiptTimeoutTags: RECEIPT_TIMEOUT_TAGS,
};

const POLICY: SizingPolicy = {
  reservedMemoryPercent: 25,
  alarmPercent: 70,
  growthPercent: 20,
  nodeOverheadBytes: 32 * 1024 * 1024,
  maxShards: 30,
};

describe('entryCounts', () => {
  it('holds each kind for its window at the rate that fills it', () => {
    expect(entryCounts(TRAFFIC)).toEqual({
      sentMark: 500 * (86_400 + 10_800),
      inFlightClaim: 1_000 * 60,
      idempotencyRecord: 50 * 0.5 * 86_400,
      statusRecipient: 500 * (3_600 + 225),
      statusRequest: 50 * (3_600 + 225),
      statusPage: 17 * occupiedPages(50 * 225, 65_536),
      receiptTimeout: 500 * 0.1 * 262_800,
    });
  });

  it('counts the pages that hold requests: about one per request while sparse, every tag once dense', () => {
    expect(occupiedPages(10, 65_536)).toBeCloseTo(10, 2);
    expect(occupiedPages(10_000_000, 65_536)).toBeCloseTo(65_536, 6);
    expect(occupiedPages(65_536, 65_536)).toBeCloseTo(65_536 * (1 - Math.exp(-1)), 6);
  });
});

describe('estimateKinds', () => {
  it('multiplies entries by bytes per entry', () => {
    const kinds = estimateKinds({ sentMark: 1_000, statusRecipient: 10 }, SIZES);
    expect(kinds.find((k) => k.kind === 'sentMark')?.bytes).toBe(25_000);
    expect(kinds.find((k) => k.kind === 'statusRecipient')).toMatchObject({ bytesPerEntry: 6, bytes: 60 });
    expect(kinds.find((k) => k.kind === 'idempotencyRecord')?.bytes).toBe(0);
  });
});

describe('shardLoad', () => {
  it('conserves bytes: shards sum to the estimate plus one overhead per shard', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0.1, max: 1e5, noNaN: true }),
        (shards, rate) => {
          const kinds = estimateKinds(entryCounts({ ...TRAFFIC, averageDeliveriesPerSecond: rate }), SIZES);
          const total = kinds.reduce((sum, k) => sum + k.bytes, 0);
          const load = shardLoad(kinds, evenSlotRanges(shards), TRAFFIC, 1_000);
          const sum = load.bytesPerShard.reduce((a, b) => a + b, 0);
          expect(sum).toBeCloseTo(total + shards * 1_000, -1);
          expect(load.fullestShardBytes).toBeGreaterThanOrEqual(sum / shards - 1e-6);
        },
      ),
    );
  });

  it('cannot spread dedup keys over more shards than there are slot groups', () => {
    const kinds = estimateKinds({ sentMark: 16_000_000 }, SIZES);
    const load = shardLoad(kinds, evenSlotRanges(64), TRAFFIC, 0);
    expect(load.bytesPerShard.filter((bytes) => bytes > 0).length).toBeLessThanOrEqual(16);
    expect(load.fullestShardBytes).toBeGreaterThanOrEqual((16_000_000 * 25) / 16);
  });
});

describe('fitOf', () => {
  it('subtracts the reserved memory and compares the fullest shard with the alarm level', () => {
    const node = findNodeType('cache.r7g.large');
    if (!node) throw new Error('table lacks cache.r7g.large');
    const kinds = estimateKinds({ statusRecipient: 400_000_000 }, SIZES);
    const fit = fitOf(kinds, node, evenSlotRanges(1), TRAFFIC, POLICY);
    const usable = 14_037_181_030 * 0.75;
    const fullest = 400_000_000 * 6 + 32 * 1024 * 1024;
    expect(fit.usableBytesPerNode).toBeCloseTo(usable, 0);
    expect(fit.fullestShardPercent).toBeCloseTo((fullest / usable) * 100, 6);
    expect(fit.headroomPercent).toBeCloseTo(((usable * 0.7) / fullest - 1) * 100, 6);
    expect(fit.fits).toBe(fit.headroomPercent >= 20);
  });
});

describe('fitsByNodeType', () => {
  it('returns the fewest shards that fit: one shard fewer does not', () => {
    const kinds = estimateKinds(entryCounts(TRAFFIC), SIZES);
    for (const { nodeType, fit } of fitsByNodeType(kinds, 'r7g', TRAFFIC, POLICY)) {
      if (!fit) continue;
      expect(fit.fits).toBe(true);
      if (fit.shardCount > 1) {
        const fewer = fitOf(kinds, nodeType, evenSlotRanges(fit.shardCount - 1), TRAFFIC, POLICY);
        expect(fewer.fits).toBe(false);
      }
    }
  });

  it('recommends the option with the least provisioned memory', () => {
    const kinds = estimateKinds(entryCounts({ ...TRAFFIC, statusRetentionSeconds: 7 * 86_400 }), SIZES);
    const options = fitsByNodeType(kinds, 'r7g', TRAFFIC, POLICY);
    const best = recommend(options);
    if (!best) throw new Error('nothing fits');
    for (const { fit } of options) {
      if (fit)
        expect(best.maxMemoryBytes * best.shardCount).toBeLessThanOrEqual(
          fit.maxMemoryBytes * fit.shardCount,
        );
    }
  });

  it('recommends nothing when no node type fits within maxShards', () => {
    const kinds = estimateKinds({ statusRecipient: 1e13 }, SIZES);
    expect(recommend(fitsByNodeType(kinds, 't4g', TRAFFIC, POLICY))).toBeUndefined();
  });
});

describe('DEDUP_SLOT_TAGS', () => {
  it('matches the hash tags RedisDedupStore puts its keys under', () => {
    const client = { defineCommand: () => undefined, isCluster: false } as unknown as RedisClient;
    const store = new RedisDedupStore(client, { keyPrefix: 'p:', windowSeconds: 60, leaseMs: 1_000 });
    const tags = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      tags.add(/\{([^}]*)\}/.exec(store.groupBase(randomBytes(16).toString('base64url')))?.[1] ?? '');
    }
    expect([...tags].sort()).toEqual([...DEDUP_SLOT_TAGS].sort());
  });
});

describe('NODE_TYPES', () => {
  it('lists each family smallest first with AWS maxmemory figures', () => {
    expect(findNodeType('cache.t4g.micro')?.maxMemoryBytes).toBe(536_870_912);
    expect(findNodeType('cache.m7g.large')?.maxMemoryBytes).toBe(6_854_542_746);
    expect(findNodeType('cache.r7g.16xlarge')?.maxMemoryBytes).toBe(450_000_750_456);
    for (const family of new Set(NODE_TYPES.map((t) => t.family))) {
      const sizes = NODE_TYPES.filter((t) => t.family === family).map((t) => t.maxMemoryBytes);
      expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    }
  });
});
