/**
 * The dispatch app on real engines: RedisDedupStore and RedisStatusStore on the test Redis,
 * KafkaDeadLetterSink on the test Kafka, HttpVendor → three mock vendor HTTP servers on 127.0.0.1.
 * Records are produced to a fresh topic the way ingest produces them and read back into the exact
 * MSK event the event source mapping would build (local/msk-esm/msk-event.ts).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { MSKEvent } from 'aws-lambda';
import type { Producer } from 'kafkajs';
import { HttpVendor } from '../../../../lambdas/adapters/http-vendor.ts';
import { KafkaDeadLetterSink } from '../../../../lambdas/adapters/kafka-dead-letter-sink.ts';
import { createRedisClient, type RedisClient } from '../../../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../../../lambdas/adapters/redis-dedup-store.ts';
import { RedisStatusStore } from '../../../../lambdas/adapters/redis-status-store.ts';
import type { Delivery } from '../../../../lambdas/core/delivery.ts';
import { encodeDelivery } from '../../../../lambdas/core/send-request.ts';
import type { AmbiguousRetryPolicy } from '../../../../lambdas/core/vendor-tiers.ts';
import { createDispatchApp, type DispatchHandler } from '../../../../lambdas/dispatch/app.ts';
import type { VendorDelivery } from '../../../../local/mock-vendor/mock-vendor.ts';
import { type MockVendor, startMockVendor } from '../../../../local/mock-vendor/mock-vendor.ts';
import { buildMskEvent, toPendingRecord } from '../../../../local/msk-esm/msk-event.ts';
import {
  createTestTopics,
  deleteTestTopics,
  testEngines,
  testKafka,
  uniqueName,
} from '../../../support/engines.ts';
import { lambdaContext } from '../../../unit/dispatch/support/deliveries.ts';
import { quietMetrics } from '../../../unit/dispatch/support/harness.ts';
import { consumeRecords } from './kafka-topics.ts';

/** Options of one harness. */
export interface DispatchHarnessOptions {
  readonly leaseMs?: number;
  readonly ambiguousRetryPolicy?: AmbiguousRetryPolicy;
  /** Point the dedup store somewhere else (an unreachable port, say). */
  readonly dedupRedisUrl?: string;
  readonly partitions?: number;
  /** Share the dedup and status keys of another harness (a restarted dispatcher). */
  readonly keyPrefix?: string;
  /** The HTTP vendors' timeout. @default 1_000 */
  readonly vendorTimeoutMs?: number;
}

/** A running harness. */
export type DispatchHarness = Awaited<ReturnType<typeof startDispatchHarness>>;

/** Starts the app, its topics and its three mock vendors (sms-a, sms-b, sms-c). */
export async function startDispatchHarness(options: DispatchHarnessOptions = {}) {
  const topic = uniqueName('dispatch-in');
  const deadLetterTopic = uniqueName('dispatch-dlq');
  await createTestTopics([topic], options.partitions ?? 2);
  await createTestTopics([deadLetterTopic], 1);
  const logPath = join(mkdtempSync(join(tmpdir(), 'herald-dispatch-')), 'vendor-deliveries.jsonl');
  const [a, b, c] = (await Promise.all(
    ['sms-a', 'sms-b', 'sms-c'].map((name) => startMockVendor({ name, logPath })),
  )) as [MockVendor, MockVendor, MockVendor];
  const redis = createRedisClient({ url: testEngines().redisUrl, isCluster: false });
  const dedupRedis = options.dedupRedisUrl
    ? createRedisClient({ url: options.dedupRedisUrl, isCluster: false })
    : redis;
  dedupRedis.on('error', () => {}); // an unreachable Redis is what some tests want
  const keyPrefix = options.keyPrefix ?? `${uniqueName('dsp')}:`;
  const vendorTimeoutMs = options.vendorTimeoutMs ?? 1_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const kafka = testKafka('herald-test-dispatch');
  const dlqProducer = kafka.producer({ idempotent: true });
  const deadLetters = new KafkaDeadLetterSink(dlqProducer, deadLetterTopic);
  const statuses = new RedisStatusStore(redis, { keyPrefix, retentionSeconds: 3_600 });
  const dedup = new RedisDedupStore(dedupRedis, { keyPrefix, windowSeconds: 3_600, leaseMs });
  const app: DispatchHandler = createDispatchApp({
    dedup,
    deadLetters,
    statuses,
    vendors: [a, b, c].map((mock) => ({
      vendor: new HttpVendor({ name: mock.name, url: mock.url, timeoutMs: vendorTimeoutMs }),
      timeoutMs: vendorTimeoutMs,
      guard: { maxConcurrent: 8, failureThreshold: 1_000, halfOpenAfterMs: 30_000 },
    })),
    tiers: {
      sms: {
        primary: { name: 'sms-a', weight: 100 },
        secondary: { name: 'sms-b', weight: 0 },
        tertiary: { name: 'sms-c', weight: 0 },
      },
    },
    ambiguousRetryPolicy: options.ambiguousRetryPolicy ?? 'hold',
    claimLeaseMs: leaseMs,
    reportBatchItemFailures: true,
    logger: new Logger({ serviceName: 'herald-dispatch-test', logLevel: 'SILENT' }),
    metrics: quietMetrics(),
  });
  const producer: Producer = kafka.producer();
  await producer.connect();
  let produced = 0;

  return {
    topic,
    deadLetterTopic,
    keyPrefix,
    vendors: { a, b, c },
    app,
    dedup,
    statuses,
    redis: dedupRedis,
    /** Produces deliveries as ingest does (key = recipient, schema + requestId headers). */
    async produce(deliveries: readonly Delivery[]): Promise<void> {
      await producer.send({
        topic,
        acks: -1,
        messages: deliveries.map((d) => ({
          ...encodeDelivery(d),
          partition: produced++ % (options.partitions ?? 2),
        })),
      });
    },
    /** Produces raw records (poison). */
    async produceRaw(
      messages: readonly { key?: Buffer; value: Buffer; headers?: Record<string, string> }[],
    ): Promise<void> {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) => ({
          ...m,
          key: m.key ?? null,
          partition: produced++ % (options.partitions ?? 2),
        })),
      });
    },
    /** Reads every record produced so far into one MSK event, as the event source mapping would. */
    async event(): Promise<MSKEvent> {
      const records = await consumeRecords(topic, produced);
      return buildMskEvent(
        records.map((r) => toPendingRecord(topic, r.partition, r.message)),
        {
          eventSourceArn:
            'arn:aws:kafka:us-east-1:123456789012:cluster/herald-test/00000000-0000-0000-0000-000000000000-1',
          bootstrapServers: testEngines().kafkaBrokers,
        },
      );
    },
    invoke: (event: MSKEvent) => app(event, lambdaContext()),
    /** Every send the mock vendors accepted, from the shared JSONL log. */
    vendorLog(): VendorDelivery[] {
      try {
        return readFileSync(logPath, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as VendorDelivery);
      } catch {
        return [];
      }
    },
    async close(): Promise<void> {
      await Promise.all([a.close(), b.close(), c.close()]);
      await producer.disconnect();
      await deadLetters.disconnect().catch(() => undefined);
      for (const client of new Set<RedisClient>([redis, dedupRedis])) client.disconnect();
      await deleteTestTopics([topic, deadLetterTopic]).catch(() => undefined);
    },
  };
}

/** How many times each deliveryId was delivered, according to the vendor log. */
export function sendCounts(log: readonly VendorDelivery[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of log) counts.set(entry.deliveryId, (counts.get(entry.deliveryId) ?? 0) + 1);
  return counts;
}
