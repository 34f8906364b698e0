/**
 * Callbacks Lambda entry point (EventBridge schedule, every minute): sweeps the receipt timeouts that
 * ran out (records `unknown` in the status store, queues its callback), then delivers the due callbacks
 * from the Redis queue to the clients' webhooks until none is due or the invocation's time runs short.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DEFAULT_CALLBACK_RETRY } from '../core/callback.ts';
import { buildOnce } from '../shared/build-once.ts';
import { loadConfig, redisEnv, redisSettingsFrom, statusEnv } from '../shared/config.ts';
import { EnvKey } from '../shared/env-keys.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { type CallbacksHandler, type CallbacksResult, createCallbacksApp } from './app.ts';
import { callbacksEnv, webhookSourceFrom } from './callbacks-config.ts';
import { webhookWiring, wireStatuses } from './status-wiring.ts';

const SERVICE = 'herald-callbacks';
const raw = loadConfig(z.object({ ...redisEnv, ...statusEnv, ...callbacksEnv }));
const config = {
  redis: redisSettingsFrom(raw),
  statusRetentionSeconds: raw[EnvKey.statusRetentionSeconds],
  webhooks: webhookSourceFrom(raw),
};
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

const app = buildOnce(async (): Promise<CallbacksHandler> => {
  const { redis, statuses, webhooks } = await wireStatuses(config, logger);
  // Without webhooks there is nothing to sweep, but callbacks queued before may still wait (dropped).
  const wiring =
    webhooks ??
    webhookWiring(
      redis,
      { keyPrefix: config.redis.keyPrefix, statusRetentionSeconds: config.statusRetentionSeconds },
      new Map(),
    );
  return createCallbacksApp({
    queue: wiring.queue,
    webhooks: wiring.webhooks,
    receiptTimeouts: { store: wiring.receiptTimeouts, statuses, notifier: wiring.notifier },
    retry: DEFAULT_CALLBACK_RETRY,
    logger,
    metrics,
  });
});

/** Lambda handler (scheduled). */
export async function handler(event: unknown, context: Context): Promise<CallbacksResult> {
  return (await app())(event, context);
}
