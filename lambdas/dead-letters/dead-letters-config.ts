/**
 * The dead-letters Lambda's configuration: the shared Redis and status keys, validated at cold start.
 */
import { z } from 'zod';
import { loadConfig, type RedisSettings, redisEnv, redisSettingsFrom, statusEnv } from '../shared/config.ts';
import { EnvKey } from '../shared/env-keys.ts';

/** The dead-letters Lambda's typed configuration. */
export interface DeadLettersConfig {
  readonly redis: RedisSettings;
  readonly statusRetentionSeconds: number;
}

const schema = z.object({ ...redisEnv, ...statusEnv });

/** Reads and validates the configuration (a ConfigError names every bad key). */
export function loadDeadLettersConfig(env?: Record<string, string | undefined>): DeadLettersConfig {
  const raw = loadConfig(schema, env);
  return { redis: redisSettingsFrom(raw), statusRetentionSeconds: raw[EnvKey.statusRetentionSeconds] };
}
