/**
 * Ingest Lambda entry point (API Gateway HTTP API, payload format 2.0). The only file that builds
 * real clients: configuration is validated at cold start (a ConfigError fails the init loudly);
 * Kafka and Redis are wired once per container and reused by every invocation.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createKafka } from '../adapters/kafka-client.ts';
import { KafkaMessageProducer } from '../adapters/kafka-message-producer.ts';
import { connectRedis } from '../adapters/redis-connection.ts';
import { RedisIdempotencyStore } from '../adapters/redis-idempotency-store.ts';
import { RedisStatusStore } from '../adapters/redis-status-store.ts';
import { buildOnce } from '../shared/build-once.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { ServiceName } from '../shared/metric-names.ts';
import { createIngestApp, type IngestHandler } from './app.ts';
import { errorToResponse, type HttpResponse } from './http-errors.ts';
import { type IngestConfig, loadIngestConfig } from './ingest-config.ts';

const SERVICE = ServiceName.ingest;
const config = loadIngestConfig();
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

async function buildApp(settings: IngestConfig): Promise<IngestHandler> {
  const redis = await connectRedis(settings.redis, (error) =>
    logger.warn('redis connection error', { error }),
  );
  const producer = new KafkaMessageProducer({
    // Why lazy: connecting is a network call (the brokers come from KAFKA_BROKERS, resolved at deploy
    // time); if it fails the request gets a 503 and the next invocation tries again, instead of the
    // container failing its init for good.
    kafka: () => createKafka({ clientId: SERVICE, ...settings.kafka }),
    timeoutMs: settings.kafka.timeoutMs,
  });
  return createIngestApp({
    producer,
    idempotency: new RedisIdempotencyStore(redis, {
      keyPrefix: settings.redis.keyPrefix,
      windowSeconds: settings.idempotencyWindowSeconds,
    }),
    statuses: new RedisStatusStore(redis, {
      keyPrefix: settings.redis.keyPrefix,
      retentionSeconds: settings.statusRetentionSeconds,
    }),
    topic: settings.deliveriesTopic,
    ...(settings.highPriorityTopic ? { highPriorityTopic: settings.highPriorityTopic } : {}),
    auth: settings.auth,
    logger,
    metrics,
  });
}

const app = buildOnce(() => buildApp(config));

/** Lambda handler: builds the app on first use (retrying after a failed build), then delegates. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<HttpResponse> {
  let ready: IngestHandler;
  try {
    ready = await app();
  } catch (error) {
    logger.error('ingest app could not be built', { error });
    return errorToResponse(error, event.requestContext.requestId);
  }
  return ready(event, context);
}
