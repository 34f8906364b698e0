/**
 * `herald start` (`npm start`): starts or reuses Kafka and Redis, creates the topics, runs the whole
 * pipeline locally, prints where to reach it, and stops everything on Ctrl-C or SIGTERM.
 *
 *   herald start [--partitions N] [--port N]
 *
 * Environment: HERALD_API_PORT (default 3000), HERALD_API_TOKENS (default: a development token kept in
 * the Herald home), HERALD_VENDOR_LOG (default <home>/vendor-deliveries.jsonl), HERALD_CALLBACKS
 * (clients' webhooks, as the stack's Callbacks/Webhooks secret), POWERTOOLS_LOG_LEVEL, and those of
 * `herald infra` (HERALD_HOME, KAFKA_BROKERS, REDIS_URL, ports).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { devStage } from '../../lib/config/stages.ts';
import { ensureEngines } from '../infra/engines.ts';
import { readLocalEnv } from '../infra/local-env.ts';
import { assertPortFree, isAlive } from '../infra/process-utils.ts';
import { printBanner } from './banner.ts';
import { resolveDevToken } from './dev-token.ts';
import { type Runtime, startRuntime } from './runtime.ts';
import { ensureTopics } from './topics.ts';

const USAGE = `usage: herald start [--partitions N] [--port N] [--redis-cluster]

  --partitions N   partitions of the deliveries topic (default ${devStage.topics.deliveries.partitions}; never lowered)
  --port N         API port (default $${EnvKey.apiPort} or 3000)
  --redis-cluster  run both Lambdas against the local Redis Cluster (3 primaries + 3 replicas, cluster
                   mode, WAIT for one replica) instead of the single redis-server`;

function positiveInt(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > 65_535)
    throw new Error(`${name} must be an integer ${min}..65535, got "${value}"`);
  return number;
}

function assertNotRunning(runDir: string): void {
  const pidFile = join(runDir, 'runtime.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
    throw new Error(
      `a Herald runtime is already running (pid ${pid}, ${pidFile}); stop it first (kill ${pid})`,
    );
  }
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second Ctrl-C while stopping ends at once.
      process.once('SIGINT', () => process.exit(130));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Runs the local pipeline until interrupted; resolves to the exit code. */
export async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      partitions: { type: 'string' },
      port: { type: 'string' },
      'redis-cluster': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const local = readLocalEnv();
  const env = process.env;
  const partitions = positiveInt(values.partitions, '--partitions', devStage.topics.deliveries.partitions);
  const apiPort = positiveInt(
    values.port ?? env[EnvKey.apiPort],
    values.port ? '--port' : EnvKey.apiPort,
    3_000,
    0,
  );
  const runDir = join(local.heraldHome, 'run');
  assertNotRunning(runDir);
  if (apiPort !== 0) await assertPortFree(apiPort, 'api');

  const startedAt = Date.now();
  console.log('herald: starting Kafka and Redis (or reusing running ones)…');
  const engines = await ensureEngines(local, { redisCluster: values['redis-cluster'] === true });
  let runtime: Runtime | undefined;
  try {
    const topics = await ensureTopics(engines.kafkaBrokers, [
      { name: devStage.topics.deliveries.name, partitions },
      { name: devStage.topics.deadLetter.name, partitions: devStage.topics.deadLetter.partitions },
      ...(devStage.topics.highPriority ? [devStage.topics.highPriority] : []),
    ]);
    const token = resolveDevToken(env[EnvKey.apiTokens], join(local.heraldHome, 'dev-token'));
    const vendorLogPath = env[EnvKey.vendorLog] || join(local.heraldHome, 'vendor-deliveries.jsonl');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'runtime.pid'), String(process.pid));
    runtime = await startRuntime({
      kafkaBrokers: engines.kafkaBrokers,
      redisUrl: engines.redisUrl,
      ...(engines.redisClusterNodes ? { redisClusterNodes: engines.redisClusterNodes } : {}),
      runDir,
      apiPort,
      apiTokens: token.apiTokens,
      vendorLogPath,
      ...(env[EnvKey.logLevel] ? { logLevel: env[EnvKey.logLevel] } : {}),
      ...(env[EnvKey.callbacksJson] ? { callbacksJson: env[EnvKey.callbacksJson] } : {}),
    });
    printBanner({ runtime, engines, topics, token, runDir, vendorLogPath, startedAt });
    const signal = await untilSignal();
    console.log(`\nherald: ${signal}: stopping…`);
    return 0;
  } finally {
    await runtime?.stop();
    await engines.stop();
    rmSync(join(runDir, 'runtime.pid'), { force: true });
    if (runtime) console.log('herald: stopped');
  }
}
