/**
 * The ingest Lambda's configuration: shared Kafka and Redis keys plus its own, validated all at once
 * at cold start (a ConfigError names every bad key). The environment itself is read by shared/config.ts.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  type KafkaSettings,
  kafkaEnv,
  kafkaSettingsFrom,
  loadConfig,
  positiveInt,
  type RedisSettings,
  redisEnv,
  redisSettingsFrom,
  statusEnv,
} from '../shared/config.ts';
import { EnvKey } from '../shared/env-keys.ts';

/** How callers are authenticated. */
export type AuthSettings =
  | { readonly mode: 'iam' }
  /** Bearer tokens, keyed by the SHA-256 (hex) of the token, valued by client id. */
  | { readonly mode: 'token'; readonly clientIdsByTokenHash: ReadonlyMap<string, string> };

/** The ingest Lambda's typed configuration. */
export interface IngestConfig {
  readonly kafka: KafkaSettings;
  readonly deliveriesTopic: string;
  /** The high-priority lane's topic; unset = `priority: high` shares the deliveries topic (no lane). */
  readonly highPriorityTopic?: string;
  readonly redis: RedisSettings;
  readonly auth: AuthSettings;
  readonly idempotencyWindowSeconds: number;
  readonly statusRetentionSeconds: number;
}

/** SHA-256 (hex) of a bearer token: tokens are looked up by hash, never kept or compared in clear. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

// `token=clientId,token2=client2`: split on the first `=` of each pair; tokens must be unique.
const apiTokens = z
  .string()
  .trim()
  .min(1)
  .transform((value, ctx) => {
    const clientIdsByTokenHash = new Map<string, string>();
    for (const pair of value.split(',')) {
      const at = pair.indexOf('=');
      const token = pair.slice(0, at).trim();
      const clientId = pair.slice(at + 1).trim();
      if (at < 1 || token === '' || clientId === '' || clientIdsByTokenHash.has(hashToken(token))) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected token=clientId[,token=clientId...] with unique tokens',
        });
        return z.NEVER;
      }
      clientIdsByTokenHash.set(hashToken(token), clientId);
    }
    return clientIdsByTokenHash;
  });

const ingestEnv = z
  .object({
    ...kafkaEnv,
    ...redisEnv,
    ...statusEnv,
    // Why iam by default: in AWS the route is IAM-authorized; bearer tokens are for the local runtime.
    [EnvKey.authMode]: z.enum(['iam', 'token']).default('iam'),
    [EnvKey.apiTokens]: apiTokens.optional(),
    // Why 24 h: Stripe's window; long enough for any client retry loop, short enough to bound Redis memory.
    [EnvKey.idempotencyWindowSeconds]: positiveInt(86_400),
    // Why no default: a lane needs its own topic and mapping; without them high priority shares the
    // deliveries topic rather than producing to a topic nothing reads.
    [EnvKey.highPriorityTopic]: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name')
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (env[EnvKey.authMode] === 'token' && env[EnvKey.apiTokens] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [EnvKey.apiTokens],
        message: 'required when HERALD_AUTH_MODE=token',
      });
    }
    // Why required: in AWS the stack resolves the brokers at deploy time; the ingest subnets have no
    // route to the MSK control plane, so a lookup at run time could only time out.
    if (!env[EnvKey.kafkaBrokers]) {
      ctx.addIssue({
        code: 'custom',
        path: [EnvKey.kafkaBrokers],
        message: 'set KAFKA_BROKERS (in AWS the stack sets the MSK brokers it resolved at deploy time)',
      });
    }
    if (env[EnvKey.highPriorityTopic] === env[EnvKey.deliveriesTopic]) {
      ctx.addIssue({
        code: 'custom',
        path: [EnvKey.highPriorityTopic],
        message: `must differ from ${EnvKey.deliveriesTopic} (unset it for no lane)`,
      });
    }
  });

/** Loads and validates the ingest configuration from `env` (default: the process environment, read by shared/config.ts). */
export function loadIngestConfig(env?: Record<string, string | undefined>): IngestConfig {
  const raw = loadConfig(ingestEnv, env);
  const tokens = raw[EnvKey.apiTokens];
  return {
    kafka: kafkaSettingsFrom(raw),
    deliveriesTopic: raw[EnvKey.deliveriesTopic],
    ...(raw[EnvKey.highPriorityTopic] ? { highPriorityTopic: raw[EnvKey.highPriorityTopic] } : {}),
    redis: redisSettingsFrom(raw),
    auth:
      raw[EnvKey.authMode] === 'token' && tokens
        ? { mode: 'token', clientIdsByTokenHash: tokens }
        : { mode: 'iam' },
    idempotencyWindowSeconds: raw[EnvKey.idempotencyWindowSeconds],
    statusRetentionSeconds: raw[EnvKey.statusRetentionSeconds],
  };
}
