/**
 * The ingest app wired to the real adapters on the test engines (Kafka + Redis), isolated per test
 * file by its own topic and key prefix.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createKafka } from '../../../../lambdas/adapters/kafka-client.ts';
import { KafkaMessageProducer } from '../../../../lambdas/adapters/kafka-message-producer.ts';
import { createRedisClient, type RedisClient } from '../../../../lambdas/adapters/redis-client.ts';
import { RedisIdempotencyStore } from '../../../../lambdas/adapters/redis-idempotency-store.ts';
import { RedisStatusStore } from '../../../../lambdas/adapters/redis-status-store.ts';
import { createIngestApp } from '../../../../lambdas/ingest/app.ts';
import { testEngines } from '../../../support/engines.ts';
import { invoke, quietMetrics } from '../../../unit/ingest/support/harness.ts';

/** Where an ingest app on real engines writes. */
export interface RealIngestTarget {
  readonly topic: string;
  readonly keyPrefix: string;
  readonly redis: RedisClient;
}

/** An ingest app on the real Redis and a Kafka producer on `brokers` (default: the test broker). */
export async function realIngest(
  target: RealIngestTarget,
  options: { brokers?: string[]; kafkaTimeoutMs?: number } = {},
) {
  const timeoutMs = options.kafkaTimeoutMs ?? 10_000;
  const kafka = await createKafka({
    clientId: 'herald-ingest-test',
    brokers: options.brokers ?? testEngines().kafkaBrokers,
    auth: 'none',
    timeoutMs,
  });
  const producer = new KafkaMessageProducer({ kafka, timeoutMs });
  const app = createIngestApp({
    producer,
    idempotency: new RedisIdempotencyStore(target.redis, {
      keyPrefix: target.keyPrefix,
      windowSeconds: 3600,
    }),
    statuses: new RedisStatusStore(target.redis, { keyPrefix: target.keyPrefix, retentionSeconds: 3600 }),
    topic: target.topic,
    auth: { mode: 'iam' },
    logger: new Logger({ serviceName: 'herald-ingest-test', logLevel: 'SILENT' }),
    metrics: quietMetrics(),
  });
  return {
    call: (event: APIGatewayProxyEventV2) => invoke(app, event),
    close: () => producer.close(),
  };
}

/** A Redis client on the test engine. */
export function testRedis(): RedisClient {
  return createRedisClient({ url: testEngines().redisUrl, isCluster: false });
}
