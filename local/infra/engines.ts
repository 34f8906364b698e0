/**
 * Starts, reuses, reports and stops the local engines (Kafka, Redis and, when asked, a Redis Cluster)
 * as `herald infra` and the test global setup need them. KAFKA_BROKERS / REDIS_URL /
 * HERALD_REDIS_CLUSTER_NODES point at existing engines: nothing starts.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaBroker, probeKafka } from '../kafka/kafka-launcher.ts';
import { probeCluster, RedisCluster } from '../redis/redis-cluster.ts';
import { probeRedis, RedisServer } from '../redis/redis-launcher.ts';
import { type LocalEnv, readLocalEnv } from './local-env.ts';

/** Endpoints of the running engines, and a stop for what this call started. */
export interface Engines {
  readonly kafkaBrokers: string[];
  readonly redisUrl: string;
  /** Seed nodes (`host:port`) of the Redis Cluster, when one was asked for. */
  readonly redisClusterNodes?: string[];
  readonly startedKafka: boolean;
  readonly startedRedis: boolean;
  readonly startedRedisCluster: boolean;
  /** Stops only what this call started. */
  stop(): Promise<void>;
}

/** Health of one engine as `infra status` prints it. */
export interface EngineStatus {
  readonly endpoint: string | null;
  readonly source: 'external' | 'local' | 'none';
  readonly pid: number | null;
  readonly isHealthy: boolean;
}

function kafkaBroker(local: LocalEnv): KafkaBroker {
  const state = readKafkaState(local);
  return new KafkaBroker({
    home: local.heraldHome,
    port: state?.port ?? local.kafkaPort,
    controllerPort: state?.controllerPort ?? local.kafkaControllerPort,
    ...(local.kafkaHome ? { kafkaHome: local.kafkaHome } : {}),
  });
}

function kafkaStateFile(local: LocalEnv): string {
  return join(local.heraldHome, 'run', 'kafka.json');
}

function readKafkaState(local: LocalEnv): { port: number; controllerPort: number } | undefined {
  const file = kafkaStateFile(local);
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { port: number; controllerPort: number })
    : undefined;
}

/** What to start besides Kafka and the single Redis. */
export interface EngineOptions {
  /** Also start (or reuse) the 3 + 3 node Redis Cluster. */
  readonly redisCluster?: boolean;
}

/** Starts Kafka and Redis (and the cluster), or reuses running or external ones. Safe to call twice. */
export async function ensureEngines(
  local: LocalEnv = readLocalEnv(),
  options: EngineOptions = {},
): Promise<Engines> {
  const cluster = new RedisCluster({ home: local.heraldHome });
  const broker = kafkaBroker(local);
  const redis = new RedisServer({
    home: local.heraldHome,
    ...(local.redisPort ? { port: local.redisPort } : {}),
  });
  // Kafka and Redis start in parallel: the JVM's start-up dominates.
  const [kafka, cache, clusterCache] = await Promise.all([
    local.kafkaBrokers
      ? Promise.resolve({ brokers: local.kafkaBrokers.split(','), isStarted: false })
      : broker.start().then(({ isReused }) => {
          writeFileSync(
            kafkaStateFile(local),
            JSON.stringify({
              port: broker.options.port,
              controllerPort: broker.options.controllerPort,
              brokers: broker.brokers,
            }),
          );
          return { brokers: broker.brokers, isStarted: !isReused };
        }),
    local.redisUrl
      ? Promise.resolve({ url: local.redisUrl, isStarted: false })
      : redis.start().then(({ url, isReused }) => ({ url, isStarted: !isReused })),
    !options.redisCluster
      ? Promise.resolve(undefined)
      : local.redisClusterNodes
        ? Promise.resolve({ seeds: local.redisClusterNodes, isStarted: false })
        : cluster.start().then(({ seeds, isReused }) => ({ seeds, isStarted: !isReused })),
  ]);
  return {
    kafkaBrokers: kafka.brokers,
    redisUrl: cache.url,
    ...(clusterCache ? { redisClusterNodes: clusterCache.seeds } : {}),
    startedKafka: kafka.isStarted,
    startedRedis: cache.isStarted,
    startedRedisCluster: clusterCache?.isStarted ?? false,
    async stop() {
      if (kafka.isStarted) await stopKafka(local, broker);
      if (cache.isStarted) await redis.stop();
      if (clusterCache?.isStarted) await cluster.stop();
    },
  };
}

async function stopKafka(local: LocalEnv, broker: KafkaBroker): Promise<void> {
  await broker.stop();
  rmSync(kafkaStateFile(local), { force: true });
}

/** Stops the engines started from this Herald home (never external ones), the cluster included. */
export async function stopEngines(
  local: LocalEnv = readLocalEnv(),
): Promise<{ kafka: string; redis: string; redisCluster: string }> {
  const broker = kafkaBroker(local);
  const [kafka, redis, redisCluster] = await Promise.all([
    broker.stop().finally(() => rmSync(kafkaStateFile(local), { force: true })),
    new RedisServer({ home: local.heraldHome }).stop(),
    new RedisCluster({ home: local.heraldHome }).stop(),
  ]);
  return { kafka, redis, redisCluster };
}

/** Endpoints and health of the engines; the cluster only when one runs or is configured. */
export async function engineStatus(
  local: LocalEnv = readLocalEnv(),
): Promise<{ kafka: EngineStatus; redis: EngineStatus; redisCluster?: EngineStatus }> {
  const broker = kafkaBroker(local);
  const redis = new RedisServer({ home: local.heraldHome });
  const kafkaPid = broker.runningPid() ?? null;
  const kafkaBrokers = local.kafkaBrokers?.split(',') ?? (kafkaPid !== null ? broker.brokers : null);
  const redisUrl = local.redisUrl ?? redis.runningUrl() ?? null;
  const cluster = new RedisCluster({ home: local.heraldHome });
  const clusterSeeds = local.redisClusterNodes ?? cluster.runningSeeds();
  const [isKafkaHealthy, isRedisHealthy, isClusterHealthy] = await Promise.all([
    kafkaBrokers ? probeKafka(kafkaBrokers) : Promise.resolve(false),
    redisUrl ? probeRedis(redisUrl) : Promise.resolve(false),
    clusterSeeds ? probeCluster(clusterSeeds) : Promise.resolve(false),
  ]);
  const redisPid =
    existsSync(redis.pidFile) && !local.redisUrl ? Number(readFileSync(redis.pidFile, 'utf8')) : null;
  return {
    kafka: {
      endpoint: kafkaBrokers?.join(',') ?? null,
      source: local.kafkaBrokers ? 'external' : kafkaPid !== null ? 'local' : 'none',
      pid: local.kafkaBrokers ? null : kafkaPid,
      isHealthy: isKafkaHealthy,
    },
    redis: {
      endpoint: redisUrl,
      source: local.redisUrl ? 'external' : redisUrl ? 'local' : 'none',
      pid: redisUrl && !local.redisUrl ? redisPid : null,
      isHealthy: isRedisHealthy,
    },
    ...(clusterSeeds
      ? {
          redisCluster: {
            endpoint: clusterSeeds.join(','),
            source: local.redisClusterNodes ? 'external' : 'local',
            pid: local.redisClusterNodes ? null : (cluster.recordedNodes()[0]?.pid ?? null),
            isHealthy: isClusterHealthy,
          },
        }
      : {}),
  };
}
