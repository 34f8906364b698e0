/**
 * The one place that reads `process.env`. Each Lambda declares the keys it needs as a zod object
 * keyed by env-var name (defaults written once, next to the key) and calls `loadConfig` at cold
 * start; every bad key is reported at once in a single ConfigError.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { EnvKey } from './env-keys.ts';

/** Parses `env` (default: `process.env`) with `schema`, or throws a ConfigError naming every bad key. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const keys = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '(root)')))];
  const details = parsed.error.issues.map(
    (issue) => `${String(issue.path[0] ?? '(root)')}: ${issue.message}`,
  );
  throw new ConfigError(`invalid configuration: ${details.join('; ')}`, keys);
}

/** A positive integer read from an env string. */
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A comma-separated list of `host:port` pairs. */
export const brokerList = z
  .string()
  .trim()
  .min(1)
  .transform((value) => value.split(',').map((broker) => broker.trim()))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port[,host:port...]')).min(1));

/** A boolean written as `true`/`false`/`1`/`0`. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

/** Kafka settings shared by both Lambdas. Either brokers or (in AWS) an MSK cluster ARN. */
export const kafkaEnv = {
  [EnvKey.kafkaBrokers]: brokerList.optional(),
  [EnvKey.kafkaAuth]: z.enum(['none', 'iam']).default('none'),
  [EnvKey.mskClusterArn]: z.string().startsWith('arn:').optional(),
  [EnvKey.deliveriesTopic]: z.string().min(1).default('herald.deliveries'),
  [EnvKey.deadLetterTopic]: z.string().min(1).default('herald.deliveries.dlq'),
  // Why 10 s: long enough for an acks=all produce across AZs, short enough to answer 503 within
  // API Gateway's 30 s integration timeout.
  [EnvKey.kafkaTimeoutMs]: positiveInt(10_000),
} as const;

/** Redis settings shared by both Lambdas. */
export const redisEnv = {
  [EnvKey.redisUrl]: z.url({ protocol: /^rediss?$/ }),
  [EnvKey.redisCluster]: envBoolean(false),
  [EnvKey.redisAuthSecretArn]: z.string().startsWith('arn:').optional(),
  [EnvKey.keyPrefix]: z.string().default('herald:'),
  // Why default 1 in cluster mode (unset): ElastiCache cluster mode always has replicas here (lib/
  // validates ≥ 1 per shard) and replication is asynchronous: without WAIT a failover can drop a
  // claim or mark already acted on. 0 turns WAIT off (a single node without replicas).
  [EnvKey.redisWaitReplicas]: z.coerce.number().int().min(0).max(5).optional(),
  // Why 250 ms: a replica in another AZ acknowledges in ~1 ms; a call that waits this long is
  // failed (and retried) rather than trusted.
  [EnvKey.redisWaitTimeoutMs]: positiveInt(250),
} as const;

/** Status retention, shared by both Lambdas: ingest writes the statuses, dispatch refreshes their TTL. */
export const statusEnv = {
  // Why 7 days: time for clients to poll outcomes of slow or failed deliveries.
  [EnvKey.statusRetentionSeconds]: positiveInt(7 * 86_400),
} as const;

/** Where a Lambda finds Kafka. */
export interface KafkaSettings {
  readonly brokers?: readonly string[];
  readonly auth: 'none' | 'iam';
  readonly mskClusterArn?: string;
  readonly timeoutMs: number;
}

/** Where a Lambda finds Redis. */
export interface RedisSettings {
  readonly url: string;
  readonly isCluster: boolean;
  readonly authSecretArn?: string;
  readonly keyPrefix: string;
  /** Replicas that must acknowledge each dedup claim and mark (WAIT); 0: no WAIT. */
  readonly waitReplicas: number;
  /** How long WAIT waits for them, in ms. */
  readonly waitTimeoutMs: number;
}

type ParsedKafkaEnv = z.infer<z.ZodObject<typeof kafkaEnv>>;
type ParsedRedisEnv = z.infer<z.ZodObject<typeof redisEnv>>;

/** The Kafka settings out of keys parsed with `kafkaEnv`. */
export function kafkaSettingsFrom(raw: ParsedKafkaEnv): KafkaSettings {
  const brokers = raw[EnvKey.kafkaBrokers];
  const clusterArn = raw[EnvKey.mskClusterArn];
  return {
    ...(brokers ? { brokers } : {}),
    auth: raw[EnvKey.kafkaAuth],
    ...(clusterArn ? { mskClusterArn: clusterArn } : {}),
    timeoutMs: raw[EnvKey.kafkaTimeoutMs],
  };
}

/** The Redis settings out of keys parsed with `redisEnv`. */
export function redisSettingsFrom(raw: ParsedRedisEnv): RedisSettings {
  const secretArn = raw[EnvKey.redisAuthSecretArn];
  return {
    url: raw[EnvKey.redisUrl],
    isCluster: raw[EnvKey.redisCluster],
    ...(secretArn ? { authSecretArn: secretArn } : {}),
    keyPrefix: raw[EnvKey.keyPrefix],
    waitReplicas: raw[EnvKey.redisWaitReplicas] ?? (raw[EnvKey.redisCluster] ? 1 : 0),
    waitTimeoutMs: raw[EnvKey.redisWaitTimeoutMs],
  };
}
