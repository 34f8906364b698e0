/**
 * Dispatch Lambda entry point (MSK event source mapping, ReportBatchItemFailures). The only file that
 * builds real clients: configuration is validated at cold start (a ConfigError fails the init
 * loudly); Redis, the dead-letter producer and the vendors are wired once per container. Secrets
 * (vendor credentials, Redis AUTH) come from Secrets Manager, never from clear-text env in AWS.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { HttpVendor } from '../adapters/http-vendor.ts';
import { createKafka } from '../adapters/kafka-client.ts';
import { KafkaDeadLetterSink } from '../adapters/kafka-dead-letter-sink.ts';
import { createRedisClient } from '../adapters/redis-client.ts';
import { RedisDedupStore } from '../adapters/redis-dedup-store.ts';
import { RedisStatusStore } from '../adapters/redis-status-store.ts';
import { fetchRedisPassword, readSecretString } from '../adapters/secrets.ts';
import type { KafkaBatchResponse } from '../core/msk-event.ts';
import { buildOnce } from '../shared/build-once.ts';
import { EnvKey } from '../shared/env-keys.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { createDispatchApp, type DispatchHandler } from './app.ts';
import { checkLeaseCoversVendors, type DispatchConfig, loadDispatchConfig } from './dispatch-config.ts';
import { parseVendorsConfig } from './vendors-config.ts';

const SERVICE = 'herald-dispatch';
const config = loadDispatchConfig();
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

async function buildApp(settings: DispatchConfig): Promise<DispatchHandler> {
  const vendorsConfig =
    'config' in settings.vendors
      ? settings.vendors.config
      : parseVendorsConfig(
          await readSecretString(settings.vendors.secretArn, 'vendors'),
          EnvKey.vendorsSecretArn,
        );
  checkLeaseCoversVendors(settings, vendorsConfig);
  const password = settings.redis.authSecretArn
    ? await fetchRedisPassword(settings.redis.authSecretArn)
    : undefined;
  const redis = createRedisClient({
    url: settings.redis.url,
    isCluster: settings.redis.isCluster,
    ...(password ? { password } : {}),
  });
  // Why a listener: ioredis reports connection errors as events; commands still fail (fail-closed).
  redis.on('error', (error: unknown) => logger.warn('redis connection error', { error }));
  const kafka = await createKafka({ clientId: SERVICE, ...settings.kafka });
  return createDispatchApp({
    dedup: new RedisDedupStore(redis, {
      keyPrefix: settings.redis.keyPrefix,
      windowSeconds: settings.dedupWindowSeconds,
      leaseMs: settings.claimLeaseMs,
    }),
    deadLetters: new KafkaDeadLetterSink(kafka.producer({ idempotent: true }), settings.deadLetterTopic),
    statuses: new RedisStatusStore(redis, {
      keyPrefix: settings.redis.keyPrefix,
      retentionSeconds: settings.statusRetentionSeconds,
    }),
    vendors: vendorsConfig.vendors.map((spec) => ({
      vendor: new HttpVendor({
        name: spec.name,
        url: spec.url,
        timeoutMs: spec.timeoutMs,
        ...(spec.auth ? { auth: { name: spec.auth.header, value: spec.auth.value } } : {}),
      }),
      timeoutMs: spec.timeoutMs,
      guard: {
        maxConcurrent: spec.maxConcurrent,
        failureThreshold: spec.failureThreshold,
        halfOpenAfterMs: spec.halfOpenAfterMs,
      },
    })),
    routes: vendorsConfig.routes,
    ambiguousRetryPolicy: settings.ambiguousRetryPolicy,
    claimLeaseMs: settings.claimLeaseMs,
    reportBatchItemFailures: settings.reportBatchItemFailures,
    maxInFlightSends: settings.maxInFlightSends,
    logger,
    metrics,
  });
}

const app = buildOnce(() => buildApp(config));

/**
 * Lambda handler: builds the app on first use (retrying after a failed build), then delegates.
 * A failed build fails the invocation, so the event source mapping retries the batch: nothing is lost.
 */
export async function handler(event: MSKEvent, context: Context): Promise<KafkaBatchResponse> {
  let ready: DispatchHandler;
  try {
    ready = await app();
  } catch (error) {
    logger.error('dispatch app could not be built', { error });
    throw error;
  }
  return ready(event, context);
}
