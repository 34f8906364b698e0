/**
 * The `herald` CLI: `infra up|down|status [--json]`, `start`, `capacity`, `bench`, `redrive`.
 * Each command lives in its own module; this file only routes and prints usage.
 */
import { engineStatus, ensureEngines, stopEngines } from '../local/infra/engines.ts';

const USAGE = `usage: herald <command>

  infra up [--redis-cluster]
                        start (or reuse) the local Kafka broker and Redis; --redis-cluster also a
                        Redis Cluster of 3 primaries + 3 replicas (as ElastiCache cluster mode)
  infra down            stop the Kafka broker, Redis and Redis Cluster started from this Herald home
  infra status [--json] endpoints and health of each
  start                 run the whole pipeline locally (API, dispatcher, mock vendors)
  capacity [...]        plan the dedup cache's memory (see \`herald capacity --help\`)
  plan [...]            size partitions, pollers, cache and cost for a peak (see \`herald plan --help\`)
  bench [...]           run the benchmarks (see \`herald bench --help\`)
  redrive [...]         put dead-lettered deliveries back (see \`herald redrive --help\`)

environment: HERALD_HOME (state folder, default .herald/), KAFKA_BROKERS / REDIS_URL (use existing
engines), KAFKA_HOME (unpacked Kafka distribution), HERALD_KAFKA_PORT (19092),
HERALD_KAFKA_CONTROLLER_PORT (19093), HERALD_REDIS_PORT (a free port), HERALD_REDIS_CLUSTER_NODES
(use an existing Redis Cluster: seed host:port list)`;

/** Runs one CLI command; resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'infra':
        return await infra(rest);
      case 'start':
        return await runModule('../local/runtime/start.ts', 'start', rest);
      case 'capacity':
        return await runModule('./capacity-cli.ts', 'capacity', rest);
      case 'plan':
        return await runModule('./plan-cli.ts', 'plan', rest);
      case 'bench':
        return await runModule('../bench/run.ts', 'bench', rest);
      case 'redrive':
        return await runModule('./redrive.ts', 'redrive', rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`herald: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    console.error(`herald ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** Loads a command's module on demand, so `infra` never pays for the runtime's imports. */
async function runModule(path: string, name: string, args: string[]): Promise<number> {
  const module = (await import(new URL(path, import.meta.url).href)) as Record<
    string,
    (args: string[]) => Promise<number>
  >;
  const command = module[name];
  if (!command) throw new Error(`${path} does not export ${name}()`);
  return command(args);
}

async function infra(args: string[]): Promise<number> {
  const [action, ...flags] = args;
  if (action === 'up') {
    const startedAt = Date.now();
    const engines = await ensureEngines(undefined, { redisCluster: flags.includes('--redis-cluster') });
    const verb = (isStarted: boolean) => (isStarted ? 'started' : 'reused');
    console.log(`kafka  ${verb(engines.startedKafka)}  ${engines.kafkaBrokers.join(',')}`);
    console.log(`redis  ${verb(engines.startedRedis)}  ${engines.redisUrl}`);
    if (engines.redisClusterNodes)
      console.log(
        `redis-cluster  ${verb(engines.startedRedisCluster)}  ${engines.redisClusterNodes.join(',')}`,
      );
    console.log(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    return 0;
  }
  if (action === 'down') {
    const result = await stopEngines();
    console.log(`kafka  ${result.kafka}\nredis  ${result.redis}\nredis-cluster  ${result.redisCluster}`);
    return 0;
  }
  if (action === 'status') {
    const status = await engineStatus();
    if (flags.includes('--json')) {
      console.log(JSON.stringify(status, null, 2));
    } else {
      for (const [name, engine] of Object.entries(status)) {
        const health = engine.isHealthy ? 'healthy' : engine.source === 'none' ? 'not running' : 'UNHEALTHY';
        console.log(
          `${name.padEnd(13)} ${health.padEnd(11)} ${engine.endpoint ?? '-'}  (${engine.source}${engine.pid ? `, pid ${engine.pid}` : ''})`,
        );
      }
    }
    const isClusterOk = status.redisCluster?.isHealthy ?? true;
    return status.kafka.isHealthy && status.redis.isHealthy && isClusterOk ? 0 : 1;
  }
  console.error(`herald infra: expected up | down | status, got "${action ?? ''}"\n\n${USAGE}`);
  return 2;
}
