/**
 * Dispatcher throughput: records/s for one dispatcher process (the dispatch app with the real Redis
 * dedup and status adapters and HTTP vendors) against mock vendors answering after 20 ms, 100-record
 * batches one after another as one Lambda instance would get them; plus Redis round trips and
 * commands per batch.
 *
 *   node bench/dispatch-throughput.ts [batches]
 *
 * The mock vendors run in a child process (so they do not share this process's CPU); Redis is a
 * throw-away redis-server (clean INFO commandstats) unless BENCH_REDIS_URL is set.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { Redis } from 'ioredis';
import { HttpVendor } from '../lambdas/adapters/http-vendor.ts';
import { RedisDedupStore } from '../lambdas/adapters/redis-dedup-store.ts';
import { RedisStatusStore } from '../lambdas/adapters/redis-status-store.ts';
import type { MskEvent } from '../lambdas/core/msk-event.ts';
import { createDispatchApp } from '../lambdas/dispatch/app.ts';
import { RedisServer } from '../local/redis/redis-launcher.ts';
import { smsRecord } from './sms-record.ts';

const batches = Number(process.argv[2] ?? 50);
const BATCH = 100;
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

type Endpoint = { name: string; url: string; adminUrl: string };

async function startVendors(logPath: string): Promise<{ endpoints: Endpoint[]; stop: () => void }> {
  const args = [
    'local/mock-vendor/main.ts',
    '--log',
    logPath,
    ...['a', 'b', 'c'].flatMap((s) => ['--vendor', `sms-${s}:0:0`]),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoints: Endpoint[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    endpoints.push(JSON.parse(line) as Endpoint);
    if (endpoints.length === 3) break;
  }
  for (const endpoint of endpoints) {
    await fetch(`${endpoint.adminUrl}/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: 20 }) });
  }
  return { endpoints, stop: () => child.kill('SIGTERM') };
}

function batchEvent(firstOffset: number): MskEvent {
  const records = Array.from({ length: BATCH }, (_, i) =>
    smsRecord(firstOffset + i, `bench-${randomBytes(8).toString('hex')}`),
  );
  return { eventSource: 'aws:kafka', records: { 'herald.deliveries-0': records } };
}

function context(): Context {
  return {
    awsRequestId: randomBytes(8).toString('hex'),
    functionName: 'herald-dispatch',
    getRemainingTimeInMillis: () => 900_000,
  } as Context;
}

/** Counts network round trips (a standalone command, or one pipeline) and commands sent. */
function countTraffic(redis: Redis): { roundTrips: number; commands: number } {
  const traffic = { roundTrips: 0, commands: 0 };
  const pipelines = new WeakSet<object>();
  const original = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: never, stream?: object) => {
    traffic.commands++;
    if (!stream) traffic.roundTrips++;
    else if (!pipelines.has(stream)) {
      pipelines.add(stream);
      traffic.roundTrips++;
    }
    return original(command, stream as never);
  }) as typeof redis.sendCommand;
  return traffic;
}

async function scenario(redisUrl: string, endpoints: Endpoint[], weights: number[], maxConcurrent: number) {
  // Two connections so the dedup store's traffic and the status store's can be counted apart.
  const redis = new Redis(redisUrl);
  const statusRedis = new Redis(redisUrl);
  const keyPrefix = `bench-${randomBytes(4).toString('hex')}:`;
  const [a, b, c] = endpoints.map((endpoint, i) => ({ name: endpoint.name, weight: weights[i] ?? 0 }));
  const app = createDispatchApp({
    dedup: new RedisDedupStore(redis, { keyPrefix, windowSeconds: 86_400, leaseMs: 120_000 }),
    statuses: new RedisStatusStore(statusRedis, { keyPrefix, retentionSeconds: 86_400 }),
    deadLetters: { publish: async () => Promise.reject(new Error('no poison expected')) },
    vendors: endpoints.map((endpoint) => ({
      vendor: new HttpVendor({ name: endpoint.name, url: endpoint.url, timeoutMs: 5_000 }),
      timeoutMs: 5_000,
      guard: { maxConcurrent, failureThreshold: 5, halfOpenAfterMs: 30_000 },
    })),
    tiers: { sms: { primary: a as never, secondary: b as never, tertiary: c as never } },
    ambiguousRetryPolicy: 'hold',
    claimLeaseMs: 120_000,
    reportBatchItemFailures: true,
    logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Bench', serviceName: 'bench' }),
  });
  await app(batchEvent(0) as never, context()); // warm-up: connections, scripts
  const traffic = countTraffic(redis);
  const statusTraffic = countTraffic(statusRedis);
  const started = performance.now();
  for (let i = 1; i <= batches; i++) {
    const response = await app(batchEvent(i * BATCH) as never, context());
    if (response.batchItemFailures.length > 0) throw new Error(`batch ${i} had failures`);
  }
  const seconds = (performance.now() - started) / 1000;
  redis.disconnect();
  statusRedis.disconnect();
  return {
    recordsPerSecond: (batches * BATCH) / seconds,
    dedup: { roundTrips: traffic.roundTrips / batches, commands: traffic.commands / batches },
    status: { roundTrips: statusTraffic.roundTrips / batches, commands: statusTraffic.commands / batches },
  };
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'herald-bench-dispatch-'));
  const server = process.env.BENCH_REDIS_URL ? undefined : new RedisServer({ home });
  const redisUrl = process.env.BENCH_REDIS_URL ?? (await server?.start())?.url ?? '';
  const logPath = join(home, 'vendor-deliveries.jsonl');
  const vendors = await startVendors(logPath);
  try {
    console.log(`one dispatcher process, ${batches} batches × ${BATCH} records, mock vendor latency 20 ms`);
    for (const [label, weights, maxConcurrent] of [
      ['primary only, 16 calls/vendor (default)', [100, 0, 0], 16],
      ['weights 60/30/10, 16 calls/vendor', [60, 30, 10], 16],
      ['primary only, 100 calls/vendor', [100, 0, 0], 100],
    ] as const) {
      const result = await scenario(redisUrl, vendors.endpoints, [...weights], maxConcurrent);
      console.log(`${label.padEnd(42)} ${result.recordsPerSecond.toFixed(0).padStart(6)} records/s`);
      console.log(
        `${''.padEnd(42)} Redis per 100-record batch: dedup ${result.dedup.roundTrips.toFixed(1)} round trips ` +
          `(${result.dedup.commands.toFixed(1)} commands), statuses ${result.status.roundTrips.toFixed(1)} round trips ` +
          `(${result.status.commands.toFixed(1)} commands, pipelined)`,
      );
    }
    const sent = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).deliveryId as string);
    console.log(`vendor log: ${sent.length} sends, ${new Set(sent).size} distinct deliveries`);
    const statsClient = new Redis(redisUrl);
    const stats = await statsClient.info('commandstats');
    statsClient.disconnect();
    console.log(
      `Redis commandstats: ${stats
        .split('\n')
        .filter((l) => /evalsha|eval:/.test(l))
        .map((l) => l.trim())
        .join('  ')}`,
    );
  } finally {
    vendors.stop();
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  }
  process.exit(0);
}

await main();
