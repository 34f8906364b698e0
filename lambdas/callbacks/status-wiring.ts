/**
 * The real status store and callback notifier that the receipts, dead-letters and callbacks Lambdas
 * share: one Redis client (AUTH token from Secrets Manager), the status store on it, and, when any
 * client has a webhook, a notifier queueing their callbacks and arranging their receipt timeouts.
 * Called once per container by their handlers.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { RedisCallbackQueue } from '../adapters/redis-callback-queue.ts';
import type { RedisClient } from '../adapters/redis-client.ts';
import { connectRedis } from '../adapters/redis-connection.ts';
import { RedisReceiptTimeouts } from '../adapters/redis-receipt-timeouts.ts';
import { RedisStatusStore } from '../adapters/redis-status-store.ts';
import type { RedisSettings } from '../shared/config.ts';
import type { Webhook } from './app.ts';
import { type CallbackNotifier, queueingNotifier } from './callback-notifier.ts';
import type { WebhookSource } from './callbacks-config.ts';
import { loadWebhooks } from './load-webhooks.ts';

/** What the Lambdas' configurations carry for this. */
export interface StatusWiringConfig {
  readonly redis: RedisSettings;
  readonly statusRetentionSeconds: number;
  readonly webhooks: WebhookSource;
}

/** The callback side of the wiring, present when any client has a webhook. */
export interface WebhookWiring {
  readonly webhooks: ReadonlyMap<string, Webhook>;
  readonly queue: RedisCallbackQueue;
  readonly receiptTimeouts: RedisReceiptTimeouts;
  readonly notifier: CallbackNotifier;
}

/**
 * The callback queue, receipt timeouts and notifier on `redis` for the clients in `webhooks`. Every
 * Lambda that tells the notifier of deliveries (dispatch: `sent` and `failed`) builds it this way, so
 * the receipt timeouts its `sent` deliveries arrange are the ones the callbacks Lambda sweeps.
 */
export function webhookWiring(
  redis: RedisClient,
  options: { keyPrefix: string; statusRetentionSeconds: number },
  webhooks: ReadonlyMap<string, Webhook>,
): WebhookWiring {
  const queue = new RedisCallbackQueue(redis, { keyPrefix: options.keyPrefix });
  const receiptTimeouts = new RedisReceiptTimeouts(redis, {
    keyPrefix: options.keyPrefix,
    clientIds: webhooks.keys(),
    // Why the status retention: an entry unswept that long has no status left to settle.
    graceMs: options.statusRetentionSeconds * 1000,
  });
  const notifier = queueingNotifier(queue, new Set(webhooks.keys()), undefined, { store: receiptTimeouts });
  return { webhooks, queue, receiptTimeouts, notifier };
}

/** The status store, and the webhook wiring (with its notifier as `callbacks`) when any client has a webhook. */
export async function wireStatuses(
  config: StatusWiringConfig,
  logger: Logger,
): Promise<{
  redis: RedisClient;
  statuses: RedisStatusStore;
  callbacks?: CallbackNotifier;
  webhooks?: WebhookWiring;
}> {
  const redis = await connectRedis(config.redis, (error) => logger.warn('redis connection error', { error }));
  const statuses = new RedisStatusStore(redis, {
    keyPrefix: config.redis.keyPrefix,
    retentionSeconds: config.statusRetentionSeconds,
  });
  const webhooks = await loadWebhooks(config.webhooks);
  if (webhooks.size === 0) return { redis, statuses };
  const wiring = webhookWiring(
    redis,
    { keyPrefix: config.redis.keyPrefix, statusRetentionSeconds: config.statusRetentionSeconds },
    webhooks,
  );
  return { redis, statuses, callbacks: wiring.notifier, webhooks: wiring };
}
