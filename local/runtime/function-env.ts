/**
 * The configuration every local Lambda gets, as the stack gives its functions: Kafka and the topics,
 * Redis (or the Redis Cluster), the key prefix, the log level, the reserved Lambda variables, and the
 * caller's extra settings. Shared by the runtime (ingest, dispatch) and its lifecycle (receipts, dead
 * letters, callbacks).
 */
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { devStage } from '../../lib/config/stages.ts';
import { lambdaEnvironment, newLogStreamName } from './lambda-context.ts';

/** What the functions' configuration is made from. */
export interface FunctionEnvOptions {
  readonly kafkaBrokers: readonly string[];
  readonly redisUrl: string;
  /**
   * Seed nodes (`host:port`) of a Redis Cluster: when set, the Lambdas run in cluster mode against it
   * (as with ElastiCache's configuration endpoint; WAIT for one replica by default) instead of `redisUrl`.
   */
  readonly redisClusterNodes?: readonly string[];
  /** @default devStage topic names */
  readonly deliveriesTopic?: string;
  readonly deadLetterTopic?: string;
  /**
   * The high-priority lane's topic, created if missing. @default `<deliveriesTopic>.high` when
   * deliveriesTopic is given, else the dev stage's
   */
  readonly highPriorityTopic?: string;
  /** @default 'herald:' */
  readonly keyPrefix?: string;
  /** @default 'INFO' */
  readonly logLevel?: string;
  /** Extra function configuration, for every Lambda. */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
}

/** The lane topic's name: the dev stage's, or `<deliveries>.high` next to a topic of the caller's. */
export function laneTopicOf(options: FunctionEnvOptions): string {
  if (options.highPriorityTopic) return options.highPriorityTopic;
  if (options.deliveriesTopic) return `${options.deliveriesTopic}.high`;
  const lane = devStage.topics.highPriority;
  if (!lane) throw new Error('the dev stage has no high-priority topic (topics.highPriority)');
  return lane.name;
}

/** The dead-letter topic's name: the caller's or the dev stage's. */
export function deadLetterTopicOf(options: FunctionEnvOptions): string {
  return options.deadLetterTopic ?? devStage.topics.deadLetter.name;
}

/** The environment of the function `functionName` with `memoryMiB`. */
export function functionEnv(
  options: FunctionEnvOptions,
  functionName: string,
  memoryMiB: number,
): Record<string, string> {
  return {
    [EnvKey.kafkaBrokers]: options.kafkaBrokers.join(','),
    [EnvKey.kafkaAuth]: 'none',
    [EnvKey.deliveriesTopic]: options.deliveriesTopic ?? devStage.topics.deliveries.name,
    [EnvKey.deadLetterTopic]: deadLetterTopicOf(options),
    [EnvKey.highPriorityTopic]: laneTopicOf(options),
    ...redisEnv(options),
    [EnvKey.keyPrefix]: options.keyPrefix ?? 'herald:',
    [EnvKey.logLevel]: options.logLevel ?? 'INFO',
    [EnvKey.serviceName]: functionName,
    ...lambdaEnvironment({ functionName, memoryLimitInMB: memoryMiB }, newLogStreamName()),
    ...options.functionEnvironment,
  };
}

/** REDIS_URL (and cluster mode) for the functions: the cluster's first seed when one is given. */
function redisEnv(options: FunctionEnvOptions): Record<string, string> {
  const seed = options.redisClusterNodes?.[0];
  if (!seed) return { [EnvKey.redisUrl]: options.redisUrl };
  return { [EnvKey.redisUrl]: `redis://${seed}`, [EnvKey.redisCluster]: 'true' };
}
