/**
 * The real status store and callback notifier that the receipts and dead-letters Lambdas share: one
 * Redis client (AUTH token from Secrets Manager), the status store on it, and a notifier queueing
 * callbacks for the clients that registered a webhook. Called once per container by their handlers.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { RedisCallbackQueue } from '../adapters/redis-callback-queue.ts';
import { createRedisClient } from '../adapters/redis-client.ts';
import { RedisStatusStore } from '../adapters/redis-status-store.ts';
import { fetchRedisPassword } from '../adapters/secrets.ts';
import type { RedisSettings } from '../shared/config.ts';
import { type CallbackNotifier, queueingNotifier } from './callback-notifier.ts';
import type { WebhookSource } from './callbacks-config.ts';
import { loadWebhooks } from './load-webhooks.ts';

/** What both Lambdas' configurations carry for this. */
export interface StatusWiringConfig {
  readonly redis: RedisSettings;
  readonly statusRetentionSeconds: number;
  readonly webhooks: WebhookSource;
}

/** The status store, and the callback notifier when any client has a webhook. */
export async function wireStatuses(
  config: StatusWiringConfig,
  logger: Logger,
): Promise<{ statuses: RedisStatusStore; callbacks?: CallbackNotifier }> {
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
  if (webhooks.size === 0) return { statuses };
  const queue = new RedisCallbackQueue(redis, { keyPrefix: config.redis.keyPrefix });
  return { statuses, callbacks: queueingNotifier(queue, new Set(webhooks.keys())) };
}
