/**
 * Scenario `rateLimit` (`npm run bench -- --only rate-limit`): the per-vendor rate limit through the
 * dispatch app. 2,000 deliveries in batches of 100 (400 with --quick), dispatched by 4 concurrent
 * dispatch apps (as 4 containers would be) that share one Redis limiter; sms-a is limited to 50/s
 * (strictly spaced: burst 1) and is every delivery's first choice. Records an invocation returns for
 * retry are dispatched again, as the event source mapping would. Two runs:
 * - steady: sms-a accepts everything. The target: at most 55 sends at sms-a in any 1-second
 *   window, nothing lost, nothing sent twice.
 * - throttling: sms-a itself takes only 30/s (its quota was lowered, or the configured rate is too
 *   high) and answers 429 with Retry-After 1 s beyond that. Each such answer pauses the vendor and
 *   halves the shared rate for 30 s; the throttled delivery fails over to sms-b. Reported: how many
 *   429s sms-a answered and its busiest second.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { HttpVendor } from '../../lambdas/adapters/http-vendor.ts';
import { createRedisClient, type RedisClient } from '../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../lambdas/adapters/redis-dedup-store.ts';
import { RedisRateLimiter } from '../../lambdas/adapters/redis-rate-limiter.ts';
import { RedisStatusStore } from '../../lambdas/adapters/redis-status-store.ts';
import type { MskEvent, MskEventRecord } from '../../lambdas/core/msk-event.ts';
import { createDispatchApp } from '../../lambdas/dispatch/app.ts';
import { startMockVendor, type VendorDelivery } from '../../local/mock-vendor/mock-vendor.ts';
import { busiestSecond } from '../busiest-second.ts';
import { smsRecord } from '../sms-record.ts';
import type { ScenarioContext } from './scenario.ts';

const BATCH = 100;
const APPS = 4;
const LIMIT = { perSecond: 50, burst: 1 };
/** What sms-a itself takes in the throttling run, below the configured 50/s. */
const VENDOR_MAX_PER_SECOND = 30;

/** One run's figures. */
export interface RateLimitRun {
  readonly deliveries: number;
  readonly invocations: number;
  readonly elapsedSeconds: number;
  /** Most sends sms-a accepted in any 1-second window. */
  readonly busiestOneSecondAtLimitedVendor: number;
  /** Requests sms-a received, throttled ones included. */
  readonly requestsAtLimitedVendor: number;
  /** Requests sms-a answered 429. */
  readonly throttledAtLimitedVendor: number;
  readonly atOtherVendors: number;
  readonly delivered: number;
  readonly lost: number;
  readonly sentTwice: number;
}

/** What the scenario reports. */
export interface RateLimitResult {
  readonly limitPerSecond: number;
  readonly burst: number;
  readonly apps: number;
  readonly steady: RateLimitRun;
  readonly throttling: RateLimitRun & { readonly vendorMaxPerSecond: number };
}

/** Progress steps for the bar. */
export function rateLimitSteps(): number {
  return 2;
}

/** One record per delivery, each its own request: all sms, with sms-a first. */
const record = (offset: number) => smsRecord(offset, randomBytes(32).toString('hex'));
type PendingRecord = MskEventRecord;

async function runOnce(redis: RedisClient, total: number, maxPerSecond: number): Promise<RateLimitRun> {
  const keyPrefix = `bench-rate-${randomBytes(4).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'herald-rate-'));
  const logPath = join(dir, 'vendor-deliveries.jsonl');
  const vendors = await Promise.all(
    ['sms-a', 'sms-b', 'sms-c'].map((name) =>
      startMockVendor({
        name,
        logPath,
        faults: { latencyMs: 5, ...(name === 'sms-a' ? { maxPerSecond, retryAfterSeconds: 1 } : {}) },
      }),
    ),
  );
  try {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const apps = Array.from({ length: APPS }, () =>
      createDispatchApp({
        dedup: new RedisDedupStore(redis, { keyPrefix, windowSeconds: 3_600, leaseMs: 60_000 }),
        deadLetters: { publish: async () => undefined },
        statuses: new RedisStatusStore(redis, { keyPrefix, retentionSeconds: 3_600 }),
        vendors: vendors.map((mock) => ({
          vendor: new HttpVendor({ name: mock.name, url: mock.url, timeoutMs: 2_000 }),
          timeoutMs: 2_000,
          guard: { maxConcurrent: 100, failureThreshold: 1_000, halfOpenAfterMs: 30_000 },
          ...(mock.name === 'sms-a' ? { rateLimit: LIMIT } : {}),
        })),
        tiers: {
          sms: {
            primary: { name: 'sms-a', weight: 100 },
            secondary: { name: 'sms-b', weight: 0 },
            tertiary: { name: 'sms-c', weight: 0 },
          },
        },
        rateLimiter: new RedisRateLimiter(redis, { keyPrefix }),
        ambiguousRetryPolicy: 'hold',
        claimLeaseMs: 60_000,
        reportBatchItemFailures: true,
        logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
        metrics: new Metrics({ namespace: 'HeraldBench', serviceName: 'bench' }),
      }),
    );
    const context = () =>
      ({ awsRequestId: randomBytes(8).toString('hex'), getRemainingTimeInMillis: () => 60_000 }) as Context;
    // Batches of 100; each app takes the next batch, and what comes back for retry joins the queue again.
    const queue: PendingRecord[][] = [];
    for (let i = 0; i < total; i += BATCH)
      queue.push(Array.from({ length: Math.min(BATCH, total - i) }, (_, j) => record(i + j)));
    let invocations = 0;
    const started = Date.now();
    await Promise.all(
      apps.map(async (app) => {
        for (let batch = queue.shift(); batch; batch = queue.shift()) {
          const event: MskEvent = { eventSource: 'aws:kafka', records: { 'herald.deliveries-0': batch } };
          invocations++;
          const response = await app(event, context());
          const retry = new Set(response.batchItemFailures.map((f) => f.itemIdentifier.offset));
          const again = batch.filter((r) => retry.has(Number(r.offset)));
          if (again.length > 0) queue.push(again);
          if (queue.length === 0 && again.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }),
    );
    const elapsedSeconds = Math.round((Date.now() - started) / 100) / 10;
    const log = readFileSync(logPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as VendorDelivery);
    const atA = log.filter((entry) => entry.vendor === 'sms-a').map((entry) => Date.parse(entry.time));
    atA.sort((a, b) => a - b);
    const counts = new Map<string, number>();
    for (const entry of log) counts.set(entry.deliveryId, (counts.get(entry.deliveryId) ?? 0) + 1);
    return {
      deliveries: total,
      invocations,
      elapsedSeconds,
      busiestOneSecondAtLimitedVendor: busiestSecond(atA),
      requestsAtLimitedVendor: vendors[0]?.requestCount() ?? 0,
      throttledAtLimitedVendor: (vendors[0]?.requestCount() ?? 0) - atA.length,
      atOtherVendors: log.length - atA.length,
      delivered: counts.size,
      lost: total - counts.size,
      sentTwice: [...counts.values()].filter((n) => n > 1).length,
    };
  } finally {
    await Promise.all(vendors.map((vendor) => vendor.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs both runs against the bench's Redis. */
export async function runRateLimit(ctx: ScenarioContext): Promise<RateLimitResult> {
  const redis = createRedisClient({ url: ctx.engines.redisUrl, isCluster: false });
  const total = ctx.isQuick ? 400 : 2_000;
  try {
    const steady = await runOnce(redis, total, 0);
    ctx.step('rateLimit: steady');
    const throttling = await runOnce(redis, total, VENDOR_MAX_PER_SECOND);
    ctx.step('rateLimit: throttling');
    return {
      limitPerSecond: LIMIT.perSecond,
      burst: LIMIT.burst,
      apps: APPS,
      steady,
      throttling: { ...throttling, vendorMaxPerSecond: VENDOR_MAX_PER_SECOND },
    };
  } finally {
    redis.disconnect();
  }
}
