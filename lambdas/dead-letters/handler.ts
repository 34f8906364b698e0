/**
 * Dead-letters Lambda entry point (MSK event source mapping on the dead-letter topic). Builds the
 * Redis status store once per container.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { RedisCallbackQueue } from '../adapters/redis-callback-queue.ts';
import { createRedisClient } from '../adapters/redis-client.ts';
import { RedisStatusStore } from '../adapters/redis-status-store.ts';
import { fetchRedisPassword } from '../adapters/secrets.ts';
import { queueingNotifier } from '../callbacks/callback-notifier.ts';
import { loadWebhooks } from '../callbacks/load-webhooks.ts';
import { buildOnce } from '../shared/build-once.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { createDeadLettersApp, type DeadLettersHandler, type DeadLettersResult } from './app.ts';
import { loadDeadLettersConfig } from './dead-letters-config.ts';

const SERVICE = 'herald-dead-letters';
const config = loadDeadLettersConfig();
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

const app = buildOnce(async (): Promise<DeadLettersHandler> => {
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
  return createDeadLettersApp({ statuses, logger, metrics, ...(callbacks ? { callbacks } : {}) });
});

/** Lambda handler: builds the app on first use, then delegates; a failure fails the batch (retried). */
export async function handler(event: MSKEvent, context: Context): Promise<DeadLettersResult> {
  return (await app())(event, context);
}
