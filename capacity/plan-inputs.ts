/** Turns `herald capacity` options into model inputs, with every default written once, here. */

import { DEFAULT_BUCKETS_PER_WINDOW } from '../lambdas/adapters/redis-dedup-store.ts';
import { RECEIPT_TIMEOUT_SHARDS, receiptTimeoutTag } from '../lambdas/adapters/redis-receipt-timeouts.ts';
import {
  STATUS_PAGE_TAG_DIGITS,
  STATUS_PAGES_PER_RETENTION,
} from '../lambdas/adapters/redis-status-store.ts';
import { RECEIPT_TIMEOUT_MS } from '../lambdas/core/receipt-timeout.ts';
import { DEFAULT_CLAIM_LEASE_MS } from '../lambdas/shared/timing.ts';
import type { SizingPolicy, TrafficInputs } from './capacity-model.ts';
import { NODE_FAMILIES } from './node-types.ts';
import { parseDuration, parseNumber } from './units.ts';

/**
 * RedisDedupStore's hash tags with its default slotGroupBits = 4: `{0}`…`{f}`.
 * A unit test checks these against the store's own groupBase, so the two cannot drift.
 */
export const DEDUP_SLOT_TAGS: readonly string[] = Array.from({ length: 16 }, (_, g) => g.toString(16));

/** RedisReceiptTimeouts' hash tags with its default shards: `{rt:0}`…`{rt:15}`. */
export const RECEIPT_TIMEOUT_TAGS: readonly string[] = Array.from(
  { length: RECEIPT_TIMEOUT_SHARDS },
  (_, shard) => receiptTimeoutTag(shard),
);

/** RedisDedupStore's default bucketsPerWindow (imported, so the two cannot drift). */
export const DEDUP_BUCKETS_PER_WINDOW = DEFAULT_BUCKETS_PER_WINDOW;

/** Option values as parseArgs returns them. */
export type CapacityOptions = Readonly<Record<string, string | boolean | undefined>>;

/** Validated model inputs. */
export interface PlanInputs {
  readonly traffic: TrafficInputs;
  readonly policy: SizingPolicy & { readonly family: string };
}

/** Reads and validates the options; throws RangeError naming the bad option. */
export function planInputsFrom(options: CapacityOptions): PlanInputs {
  const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
  const number = (name: string, fallback: number, isStrict = true) => {
    const value = text(name);
    return value === undefined ? fallback : parseNumber(value, `--${name}`, isStrict);
  };
  const duration = (name: string, fallback: string) => parseDuration(text(name) ?? fallback);
  const rate = text('rate');
  if (rate === undefined) throw new RangeError('--rate is required');
  const peak = parseNumber(rate, '--rate');
  const average = number('average-rate', peak);
  if (average > peak) throw new RangeError('--average-rate must not exceed --rate (the peak)');
  const keyedShare = number('keyed-share', 1, false);
  if (keyedShare > 1) throw new RangeError('--keyed-share must be between 0 and 1');
  const webhookShare = number('webhook-share', 0, false);
  if (webhookShare > 1) throw new RangeError('--webhook-share must be between 0 and 1');
  const family = text('family') ?? 'r7g';
  if (!NODE_FAMILIES.includes(family))
    throw new RangeError(`--family must be one of ${NODE_FAMILIES.join(', ')}`);
  const percent = (name: string, fallback: number) => {
    const value = number(name, fallback, false);
    if (value >= 100) throw new RangeError(`--${name} must be below 100`);
    return value;
  };
  const maxShards = number('max-shards', 30);
  if (!Number.isInteger(maxShards) || maxShards > 500)
    throw new RangeError('--max-shards must be an integer ≤ 500');
  return {
    traffic: {
      peakDeliveriesPerSecond: peak,
      averageDeliveriesPerSecond: average,
      dedupWindowSeconds: duration('dedup-window', '24h'),
      dedupBucketsPerWindow: DEDUP_BUCKETS_PER_WINDOW,
      claimLeaseSeconds: duration('claim-lease', `${DEFAULT_CLAIM_LEASE_MS / 1000}s`),
      idempotencyWindowSeconds: duration('idempotency-window', '24h'),
      statusRetentionSeconds: duration('status-retention', '7d'),
      recipientsPerRequest: number('recipients-per-request', 1),
      keyedRequestShare: keyedShare,
      statusPageTags: 16 ** STATUS_PAGE_TAG_DIGITS,
      statusPagesPerRetention: STATUS_PAGES_PER_RETENTION,
      dedupSlotTags: DEDUP_SLOT_TAGS,
      webhookDeliveryShare: webhookShare,
      // Why + 1 h: RedisReceiptTimeouts keeps an hour's entries together and drops them once swept.
      receiptTimeoutLifeSeconds: RECEIPT_TIMEOUT_MS / 1000 + 3_600,
      receiptTimeoutTags: RECEIPT_TIMEOUT_TAGS,
    },
    policy: {
      family,
      reservedMemoryPercent: percent('reserved-percent', 25),
      alarmPercent: percent('alarm-percent', 70),
      growthPercent: number('growth-percent', 20, false),
      nodeOverheadBytes: number('node-overhead-mib', 32, false) * 1024 * 1024,
      maxShards,
    },
  };
}
