/**
 * Dispatch Lambda entry point (MSK event source mapping, ReportBatchItemFailures). The only file that
 * builds real clients: configuration is validated at cold start (a ConfigError fails the init
 * loudly); Redis, the dead-letter producer and the vendors are wired once per container. Secrets
 * (vendor credentials, Redis AUTH) come from Secrets Manager, never from clear-text env in AWS.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { createKafka } from '../adapters/kafka-client.ts';
import { KafkaDeadLetterSink } from '../adapters/kafka-dead-letter-sink.ts';
import { connectRedis } from '../adapters/redis-connection.ts';
import { RedisDedupStore } from '../adapters/redis-dedup-store.ts';
import { RedisRateLimiter } from '../adapters/redis-rate-limiter.ts';
import { RedisStatusStore } from '../adapters/redis-status-store.ts';
import { readSecretString } from '../adapters/secrets.ts';
import { loadWebhooks } from '../callbacks/load-webhooks.ts';
import { webhookWiring } from '../callbacks/status-wiring.ts';
import type { KafkaBatchResponse } from '../core/msk-event.ts';
import type { DeadLetterSink } from '../ports/dead-letter-sink.ts';
import { buildOnce } from '../shared/build-once.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { ServiceName } from '../shared/metric-names.ts';
import { createDispatchApp, type DispatchHandler } from './app.ts';
import {
  checkLeaseCoversVendors,
  type DispatchConfig,
  loadDispatchConfig,
  parseVendorsSecret,
} from './dispatch-config.ts';
import { createVendor } from './vendor-factories.ts';

const SERVICE = ServiceName.dispatch;
const config = loadDispatchConfig();
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

async function buildApp(settings: DispatchConfig): Promise<DispatchHandler> {
  const vendorsConfig =
    'config' in settings.vendors
      ? settings.vendors.config
      : parseVendorsSecret(await readSecretString(settings.vendors.secretArn, 'vendors'));
  checkLeaseCoversVendors(settings, vendorsConfig);
  // Why a listener: ioredis reports connection errors as events; commands still fail (fail-closed).
  const redis = await connectRedis(settings.redis, (error) =>
    logger.warn('redis connection error', { error }),
  );
  const webhooks = await loadWebhooks(settings.webhooks);
  const callbacks =
    webhooks.size === 0
      ? undefined
      : // Why the receipt timeouts too: a sent delivery of a webhook client waits there for its receipt.
        webhookWiring(
          redis,
          { keyPrefix: settings.redis.keyPrefix, statusRetentionSeconds: settings.statusRetentionSeconds },
          webhooks,
        ).notifier;
  return createDispatchApp({
    dedup: new RedisDedupStore(redis, {
      keyPrefix: settings.redis.keyPrefix,
      windowSeconds: settings.dedupWindowSeconds,
      leaseMs: settings.claimLeaseMs,
      waitReplicas: settings.redis.waitReplicas,
      waitTimeoutMs: settings.redis.waitTimeoutMs,
    }),
    deadLetters: eventBrokersDeadLetterSink(settings),
    statuses: new RedisStatusStore(redis, {
      keyPrefix: settings.redis.keyPrefix,
      retentionSeconds: settings.statusRetentionSeconds,
    }),
    vendors: vendorsConfig.vendors.map((spec) => ({
      vendor: createVendor(spec),
      timeoutMs: spec.timeoutMs,
      guard: {
        maxConcurrent: spec.maxConcurrent,
        failureThreshold: spec.failureThreshold,
        halfOpenAfterMs: spec.halfOpenAfterMs,
      },
      ...(spec.ratePerSecond === undefined
        ? {}
        : {
            rateLimit: {
              perSecond: spec.ratePerSecond,
              burst: spec.rateBurst,
              overflow: spec.rateOverflow,
              // Why: End User Messaging limits message parts per second, and a long SMS is several.
              countsParts: spec.provider === 'eum-sms',
            },
          }),
    })),
    rateLimiter: new RedisRateLimiter(redis, { keyPrefix: settings.redis.keyPrefix }),
    ...(callbacks ? { callbacks } : {}),
    tiers: vendorsConfig.tiers,
    ambiguousRetryPolicy: settings.ambiguousRetryPolicy,
    ambiguousRetryPolicyByChannel: settings.ambiguousRetryPolicyByChannel,
    claimLeaseMs: settings.claimLeaseMs,
    reportBatchItemFailures: settings.reportBatchItemFailures,
    maxInFlightSends: settings.maxInFlightSends,
    logger,
    metrics,
  });
}

/** The brokers the latest event named (`bootstrapServers`), the cluster the mapping reads. */
let eventBrokers: readonly string[] | undefined;

/**
 * The dead-letter producer, built on first use. Brokers: KAFKA_BROKERS when configured (the local
 * runtime and tests), else those of the event being handled. Why the event in AWS: the mapping
 * already names the cluster's brokers, so the dispatcher needs no MSK control-plane call.
 */
function eventBrokersDeadLetterSink(settings: DispatchConfig): DeadLetterSink {
  let sink: Promise<KafkaDeadLetterSink> | undefined;
  const build = async () => {
    const brokers = settings.kafka.brokers ?? eventBrokers;
    const kafka = await createKafka({
      clientId: SERVICE,
      ...settings.kafka,
      ...(brokers ? { brokers } : {}),
    });
    return new KafkaDeadLetterSink(kafka.producer({ idempotent: true }), settings.deadLetterTopic);
  };
  return {
    async publish(letters) {
      if (letters.length === 0) return;
      sink ??= build().catch((error: unknown) => {
        sink = undefined;
        throw error;
      });
      await (await sink).publish(letters);
    },
  };
}

const app = buildOnce(() => buildApp(config));

/**
 * Lambda handler: builds the app on first use (retrying after a failed build), then delegates.
 * A failed build fails the invocation, so the event source mapping retries the batch: nothing is lost.
 */
export async function handler(event: MSKEvent, context: Context): Promise<KafkaBatchResponse> {
  const named = event.bootstrapServers
    ?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (named?.length) eventBrokers = named;
  let ready: DispatchHandler;
  try {
    ready = await app();
  } catch (error) {
    logger.error('dispatch app could not be built', { error });
    throw error;
  }
  return ready(event, context);
}
