/**
 * Starts, reuses, reports and stops the local engines (Kafka and Redis) as `herald infra` and the
 * test global setup need them. KAFKA_BROKERS / REDIS_URL point at existing engines: nothing starts.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaBroker, probeKafka } from '../kafka/kafka-launcher.ts';
import { probeRedis, RedisServer } from '../redis/redis-launcher.ts';
import { type LocalEnv, readLocalEnv } from './local-env.ts';

/** Endpoints of the running engines, and a stop for what this call started. */
export interface Engines {
  readonly kafkaBrokers: string[];
  readonly redisUrl: string;
  readonly startedKafka: boolean;
  readonly startedRedis: boolean;
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

/** Starts Kafka and Redis, or reuses running or external ones. Safe to call twice. */
export async function ensureEngines(local: LocalEnv = readLocalEnv()): Promise<Engines> {
  const broker = kafkaBroker(local);
  const redis = new RedisServer({
    home: local.heraldHome,
    ...(local.redisPort ? { port: local.redisPort } : {}),
  });
  // Kafka and Redis start in parallel: the JVM's start-up dominates.
  const [kafka, cache] = await Promise.all([
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
  ]);
  return {
    kafkaBrokers: kafka.brokers,
    redisUrl: cache.url,
    startedKafka: kafka.isStarted,
    startedRedis: cache.isStarted,
    async stop() {
      if (kafka.isStarted) await stopKafka(local, broker);
      if (cache.isStarted) await redis.stop();
    },
  };
}

async function stopKafka(local: LocalEnv, broker: KafkaBroker): Promise<void> {
  await broker.stop();
  rmSync(kafkaStateFile(local), { force: true });
}

/** Stops the engines started from this Herald home (never external ones). */
export async function stopEngines(
  local: LocalEnv = readLocalEnv(),
): Promise<{ kafka: string; redis: string }> {
  const broker = kafkaBroker(local);
  const [kafka, redis] = await Promise.all([
    broker.stop().finally(() => rmSync(kafkaStateFile(local), { force: true })),
    new RedisServer({ home: local.heraldHome }).stop(),
  ]);
  return { kafka, redis };
}

/** Endpoints and health of both engines. */
export async function engineStatus(
  local: LocalEnv = readLocalEnv(),
): Promise<{ kafka: EngineStatus; redis: EngineStatus }> {
  const broker = kafkaBroker(local);
  const redis = new RedisServer({ home: local.heraldHome });
  const kafkaPid = broker.runningPid() ?? null;
  const kafkaBrokers = local.kafkaBrokers?.split(',') ?? (kafkaPid !== null ? broker.brokers : null);
  const redisUrl = local.redisUrl ?? redis.runningUrl() ?? null;
  const [isKafkaHealthy, isRedisHealthy] = await Promise.all([
    kafkaBrokers ? probeKafka(kafkaBrokers) : Promise.resolve(false),
    redisUrl ? probeRedis(redisUrl) : Promise.resolve(false),
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
  };
}
