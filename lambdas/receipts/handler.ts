/**
 * Receipts Lambda entry point (EventBridge rule target). Builds the Redis status store once per
 * container; a failed status write fails the invocation, so EventBridge's asynchronous invocation
 * retries it and, when retries run out, the event lands on the target's dead-letter queue.
 */
import type { Context } from 'aws-lambda';
import { RedisCallbackQueue } from '../adapters/redis-callback-queue.ts';
import { createRedisClient } from '../adapters/redis-client.ts';
import { RedisStatusStore } from '../adapters/redis-status-store.ts';
import { fetchRedisPassword } from '../adapters/secrets.ts';
import { queueingNotifier } from '../callbacks/callback-notifier.ts';
import { loadWebhooks } from '../callbacks/load-webhooks.ts';
import type { EventBridgeEvent } from '../core/receipts.ts';
import { buildOnce } from '../shared/build-once.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { createReceiptsApp, type ReceiptOutcome, type ReceiptsHandler } from './app.ts';
import { loadReceiptsConfig } from './receipts-config.ts';

const SERVICE = 'herald-receipts';
const config = loadReceiptsConfig();
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

const app = buildOnce(async (): Promise<ReceiptsHandler> => {
  const password = config.redis.authSecretArn
    ? await fetchRedisPassword(config.redis.authSecretArn)
    : undefined;
  const redis = createRedisClient({
    url: config.redis.url,
    isCluster: config.redis.isCluster,
    ...(password ? { password } : {}),
  });
  redis.on('error', (error: unknown) => logger.warn('redis connection error', { error }));
  const statuses = new RedisStatusStore(redis, {
    keyPrefix: config.redis.keyPrefix,
    retentionSeconds: config.statusRetentionSeconds,
  });
  const webhooks = await loadWebhooks(config.webhooks);
  const callbacks =
    webhooks.size > 0
      ? queueingNotifier(
          new RedisCallbackQueue(redis, { keyPrefix: config.redis.keyPrefix }),
          new Set(webhooks.keys()),
        )
      : undefined;
  return createReceiptsApp({ statuses, logger, metrics, ...(callbacks ? { callbacks } : {}) });
});

/** Lambda handler: one EventBridge event per invocation. */
export async function handler(event: EventBridgeEvent, context: Context): Promise<ReceiptOutcome> {
  return (await app())(event, context);
}
