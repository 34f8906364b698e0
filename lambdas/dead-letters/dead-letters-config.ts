/**
 * The dead-letters Lambda's configuration: the shared Redis and status keys, validated at cold start.
 */
import { z } from 'zod';
import { callbacksEnv, type WebhookSource, webhookSourceFrom } from '../callbacks/callbacks-config.ts';
import { loadConfig, type RedisSettings, redisEnv, redisSettingsFrom, statusEnv } from '../shared/config.ts';
import { EnvKey } from '../shared/env-keys.ts';

/** The dead-letters Lambda's typed configuration. */
export interface DeadLettersConfig {
  readonly redis: RedisSettings;
  readonly statusRetentionSeconds: number;
  /** Clients' webhooks: final states reached here are queued as callbacks. */
  readonly webhooks: WebhookSource;
}

const schema = z.object({ ...redisEnv, ...statusEnv, ...callbacksEnv });

/** Reads and validates the configuration (a ConfigError names every bad key). */
export function loadDeadLettersConfig(env?: Record<string, string | undefined>): DeadLettersConfig {
  const raw = loadConfig(schema, env);
  return {
    redis: redisSettingsFrom(raw),
    statusRetentionSeconds: raw[EnvKey.statusRetentionSeconds],
    webhooks: webhookSourceFrom(raw),
  };
}
