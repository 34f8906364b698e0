/**
 * The per-vendor rate limit through the dispatch app: 2,000 deliveries in batches of 100, dispatched
 * by 4 concurrent dispatch apps (as 4 containers would be) that share one Redis limiter; sms-a is
 * limited to 50/s (strictly spaced: burst 1), every delivery's first choice. Records an invocation returns for retry are
 * dispatched again, as the event source mapping would. Prints the busiest 1-second window of sends at
 * sms-a (the target: at most 55), how many were delivered, lost and sent twice.
 *
 *   REDIS_URL=redis://127.0.0.1:PORT node bench/rate-limit-dispatch.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { HttpVendor } from '../lambdas/adapters/http-vendor.ts';
import { createRedisClient } from '../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../lambdas/adapters/redis-dedup-store.ts';
import { RedisRateLimiter } from '../lambdas/adapters/redis-rate-limiter.ts';
import { RedisStatusStore } from '../lambdas/adapters/redis-status-store.ts';
import { DELIVERY_SCHEMA_VERSION, deliveryIdFor } from '../lambdas/core/delivery.ts';
import { type MskEvent, signedFromBytes } from '../lambdas/core/msk-event.ts';
import { encodeDelivery } from '../lambdas/core/send-request.ts';
import { createDispatchApp } from '../lambdas/dispatch/app.ts';
import { startMockVendor, type VendorDelivery } from '../local/mock-vendor/mock-vendor.ts';

const TOTAL = 2_000;
const BATCH = 100;
const APPS = 4;
const LIMIT = { perSecond: 50, burst: 1 };

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) throw new Error('set REDIS_URL (e.g. from `herald infra status --json`)');
const redis = createRedisClient({ url: redisUrl, isCluster: false });
const keyPrefix = `bench-rate-${randomBytes(4).toString('hex')}:`;
const dir = mkdtempSync(join(tmpdir(), 'herald-rate-'));
const logPath = join(dir, 'vendor-deliveries.jsonl');
const vendors = await Promise.all(
  ['sms-a', 'sms-b', 'sms-c'].map((name) => startMockVendor({ name, logPath, faults: { latencyMs: 5 } })),
);

/** One record per delivery, all sms to sms-a first. */
function record(offset: number) {
  const requestId = randomBytes(32).toString('hex');
  const recipient = `+1555${String(offset).padStart(7, '0')}`;
  const encoded = encodeDelivery({
    schemaVersion: DELIVERY_SCHEMA_VERSION,
    deliveryId: deliveryIdFor(requestId, recipient),
    requestId,
    clientId: 'bench',
    channel: 'sms',
    recipient,
    content: { body: 'Your code is 123456' },
    priority: 'normal',
    acceptedAt: new Date().toISOString(),
  });
  return {
    topic: 'herald.deliveries',
    partition: 0,
    offset,
    key: Buffer.from(encoded.key).toString('base64'),
    value: Buffer.from(encoded.value).toString('base64'),
    headers: Object.entries(encoded.headers).map(([name, value]) => ({
      [name]: signedFromBytes(Buffer.from(value)),
    })),
  };
}
type PendingRecord = ReturnType<typeof record>;

const metrics = () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  return new Metrics({ namespace: 'HeraldBench', serviceName: 'bench' });
};
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
    metrics: metrics(),
  }),
);
const context = () =>
  ({ awsRequestId: randomBytes(8).toString('hex'), getRemainingTimeInMillis: () => 60_000 }) as Context;

// Batches of 100; each app takes the next batch, and what comes back for retry joins the queue again.
const queue: PendingRecord[][] = [];
for (let i = 0; i < TOTAL; i += BATCH) queue.push(Array.from({ length: BATCH }, (_, j) => record(i + j)));
let invocations = 0;
const started = Date.now();
await Promise.all(
  apps.map(async (app) => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      const event: MskEvent = { eventSource: 'aws:kafka', records: { 'herald.deliveries-0': batch } };
      invocations++;
      const response = await app(event, context());
      const retry = new Set(response.batchItemFailures.map((f) => f.itemIdentifier.offset));
      const again = batch.filter((r) => retry.has(r.offset));
      if (again.length > 0) queue.push(again);
      if (queue.length === 0 && again.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }),
);
const elapsedS = (Date.now() - started) / 1000;

const log = readFileSync(logPath, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as VendorDelivery);
const atA = log.filter((entry) => entry.vendor === 'sms-a').map((entry) => Date.parse(entry.time));
atA.sort((a, b) => a - b);
let busiest = 0;
for (let i = 0, j = 0; i < atA.length; i++) {
  while ((atA[i] as number) - (atA[j] as number) >= 1_000) j++;
  busiest = Math.max(busiest, i - j + 1);
}
const counts = new Map<string, number>();
for (const entry of log) counts.set(entry.deliveryId, (counts.get(entry.deliveryId) ?? 0) + 1);
console.log(
  JSON.stringify({
    deliveries: TOTAL,
    limitPerSecond: LIMIT.perSecond,
    burst: LIMIT.burst,
    apps: APPS,
    invocations,
    elapsedSeconds: elapsedS,
    busiestOneSecondAtLimitedVendor: busiest,
    delivered: counts.size,
    lost: TOTAL - counts.size,
    sentTwice: [...counts.values()].filter((n) => n > 1).length,
    atOtherVendors: log.length - atA.length,
  }),
);
await Promise.all(vendors.map((vendor) => vendor.close()));
redis.disconnect();
rmSync(dir, { recursive: true, force: true });
