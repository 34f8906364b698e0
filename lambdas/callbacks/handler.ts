/**
 * Callbacks Lambda entry point (EventBridge schedule, every minute): delivers the due callbacks from
 * the Redis queue to the clients' webhooks until none is due or the invocation's time runs short.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { RedisCallbackQueue } from '../adapters/redis-callback-queue.ts';
import { createRedisClient } from '../adapters/redis-client.ts';
import { fetchRedisPassword } from '../adapters/secrets.ts';
import { DEFAULT_CALLBACK_RETRY } from '../core/callback.ts';
import { buildOnce } from '../shared/build-once.ts';
import { loadConfig, redisEnv, redisSettingsFrom } from '../shared/config.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { type CallbacksHandler, type CallbacksResult, createCallbacksApp } from './app.ts';
import { callbacksEnv, webhookSourceFrom } from './callbacks-config.ts';
import { loadWebhooks } from './load-webhooks.ts';

const SERVICE = 'herald-callbacks';
const raw = loadConfig(z.object({ ...redisEnv, ...callbacksEnv }));
const redisSettings = redisSettingsFrom(raw);
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

const app = buildOnce(async (): Promise<CallbacksHandler> => {
  const password = redisSettings.authSecretArn
    ? await fetchRedisPassword(redisSettings.authSecretArn)
    : undefined;
  const redis = createRedisClient({
    url: redisSettings.url,
    isCluster: redisSettings.isCluster,
    ...(password ? { password } : {}),
  });
  redis.on('error', (error: unknown) => logger.warn('redis connection error', { error }));
  return createCallbacksApp({
    queue: new RedisCallbackQueue(redis, { keyPrefix: redisSettings.keyPrefix }),
    webhooks: await loadWebhooks(webhookSourceFrom(raw)),
    retry: DEFAULT_CALLBACK_RETRY,
    logger,
    metrics,
  });
});

/** Lambda handler (scheduled). */
export async function handler(event: unknown, context: Context): Promise<CallbacksResult> {
  return (await app())(event, context);
}
