/**
 * The local runtime's settings, read once from the environment. Names come from
 * lambdas/shared/env-keys.ts so local/, the Lambdas and lib/ cannot drift.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';

/** The repository root (two levels above this file). */
export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Local runtime settings. */
export interface LocalEnv {
  /** State folder for pid files, logs, data and caches (default `.herald/` in the repo). */
  readonly heraldHome: string;
  /** An unpacked Kafka distribution to use instead of the Maven-resolved jars. */
  readonly kafkaHome?: string;
  /** An existing Kafka cluster: start no broker. */
  readonly kafkaBrokers?: string;
  /** An existing Redis: start no redis-server. */
  readonly redisUrl?: string;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  /** Fixed Redis port; a free one is picked when unset. */
  readonly redisPort?: number;
  /** An existing Redis Cluster (seed `host:port` list): start no local cluster. */
  readonly redisClusterNodes?: string[];
}

function portFrom(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`${name} must be a port number, got "${value}"`);
  return port;
}

/** Reads the local settings from `env`. */
export function readLocalEnv(env: Record<string, string | undefined> = process.env): LocalEnv {
  const redisPort = env[EnvKey.redisPort];
  return {
    heraldHome: resolve(env[EnvKey.heraldHome] || resolve(repoRoot, '.herald')),
    kafkaHome: env[EnvKey.kafkaHome] || undefined,
    kafkaBrokers: env[EnvKey.kafkaBrokers] || undefined,
    redisUrl: env[EnvKey.redisUrl] || undefined,
    // Why 19092/19093: away from a developer's own Kafka on 9092/9093.
    kafkaPort: portFrom(env[EnvKey.kafkaPort], EnvKey.kafkaPort, 19_092),
    kafkaControllerPort: portFrom(env[EnvKey.kafkaControllerPort], EnvKey.kafkaControllerPort, 19_093),
    ...(redisPort ? { redisPort: portFrom(redisPort, EnvKey.redisPort, 0) } : {}),
    ...(env[EnvKey.redisClusterNodes]
      ? { redisClusterNodes: (env[EnvKey.redisClusterNodes] as string).split(',').filter(Boolean) }
      : {}),
  };
}
