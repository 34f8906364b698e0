/**
 * A real single-node Apache Kafka broker (KRaft, combined broker + controller) in its own JVM,
 * bound to 127.0.0.1. Data, logs and its pid file live under `<heraldHome>/`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { assertPortFree, isAlive, stopProcess, tailFile, waitUntil, which } from '../infra/process-utils.ts';
import { resolveKafkaClasspath } from './kafka-jars.ts';

/** Where and how to run the broker. */
export interface KafkaBrokerOptions {
  readonly home: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly kafkaHome?: string;
  /** Bounded wait for the first successful metadata request. */
  readonly readyTimeoutMs?: number;
}

/** A local broker; `start` and `stop` are idempotent. */
export class KafkaBroker {
  readonly options: KafkaBrokerOptions;
  readonly dataDir: string;
  readonly logFile: string;
  readonly pidFile: string;

  constructor(options: KafkaBrokerOptions) {
    this.options = options;
    this.dataDir = join(options.home, 'kafka', 'data');
    this.logFile = join(options.home, 'kafka', 'broker.log');
    this.pidFile = join(options.home, 'run', 'kafka.pid');
  }

  /** `127.0.0.1:<port>` */
  get brokers(): string[] {
    return [`127.0.0.1:${this.options.port}`];
  }

  /** Pid of the running broker started from this home, if any. */
  runningPid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, 'utf8'));
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  }

  /** True when a metadata request to the broker succeeds. */
  async isHealthy(timeoutMs = 3_000): Promise<boolean> {
    return probeKafka(this.brokers, timeoutMs);
  }

  /** Formats storage if needed, starts the JVM and waits until the broker answers metadata requests. */
  async start(): Promise<{ pid: number; isReused: boolean }> {
    const running = this.runningPid();
    if (running !== undefined && (await this.isHealthy())) return { pid: running, isReused: true };
    if (running !== undefined) await stopProcess(running, 10_000);
    if (!which('java'))
      throw new Error(
        'kafka: java is missing: install a Java 17+ runtime (apt-get install openjdk-17-jre-headless)',
      );
    await assertPortFree(this.options.port, 'kafka');
    await assertPortFree(this.options.controllerPort, 'kafka controller');
    const classpath = resolveKafkaClasspath(this.options.home, this.options.kafkaHome);
    const configFile = this.writeConfig();
    if (!existsSync(join(this.dataDir, 'meta.properties'))) this.format(classpath, configFile);

    mkdirSync(join(this.options.home, 'run'), { recursive: true });
    const log = openSync(this.logFile, 'a');
    const child = spawn('java', [...jvmArgs(this.logFile), '-cp', classpath, 'kafka.Kafka', configFile], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error('kafka: could not spawn java');
    writeFileSync(this.pidFile, String(pid));

    const isReady = await waitUntil(
      () => this.isHealthy(2_000),
      this.options.readyTimeoutMs ?? 90_000,
      () => {
        if (!isAlive(pid))
          throw new Error(
            `kafka: broker exited during start-up. Last lines of ${this.logFile}:\n${tailFile(this.logFile)}`,
          );
      },
    );
    if (!isReady) {
      await stopProcess(pid, 5_000);
      throw new Error(
        `kafka: broker not ready in time. Last lines of ${this.logFile}:\n${tailFile(this.logFile)}`,
      );
    }
    return { pid, isReused: false };
  }

  /** Clean shutdown (SIGTERM lets the controller write its snapshot), then SIGKILL after 30 s. */
  async stop(): Promise<'stopped' | 'killed' | 'not-running'> {
    const pid = this.runningPid();
    const result = pid === undefined ? 'not-running' : await stopProcess(pid, 30_000);
    rmSync(this.pidFile, { force: true });
    return result;
  }

  private writeConfig(): string {
    mkdirSync(this.dataDir, { recursive: true });
    const { port, controllerPort } = this.options;
    const file = join(this.options.home, 'kafka', 'server.properties');
    // Single node: every internal topic must have replication factor 1. Auto-creation is off, as on MSK.
    const properties = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': this.dataDir,
      'num.partitions': '1',
      'auto.create.topics.enable': 'false',
      'delete.topic.enable': 'true',
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '10',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'share.coordinator.state.topic.replication.factor': '1',
      'share.coordinator.state.topic.min.isr': '1',
      // Why 0: tests join and leave consumer groups often; the default 3 s delay only slows them.
      'group.initial.rebalance.delay.ms': '0',
      'log.retention.hours': '24',
    };
    writeFileSync(
      file,
      `${Object.entries(properties)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n')}\n`,
    );
    return file;
  }

  private format(classpath: string, configFile: string): void {
    // `--cluster-id=` form: a base64url id may start with '-', which the parser would take for a flag.
    const clusterId = randomBytes(16).toString('base64url');
    const result = spawnSyncJava(
      classpath,
      [
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${clusterId}`,
        '-c',
        configFile,
        '--ignore-formatted',
      ],
      this.logFile,
    );
    if (result !== 0)
      throw new Error(
        `kafka: formatting storage failed. Last lines of ${this.logFile}:\n${tailFile(this.logFile)}`,
      );
  }
}

function jvmArgs(logFile: string): string[] {
  return [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    `-Dkafka.logs.dir=${logFile.replace(/\/[^/]+$/, '')}`,
  ];
}

function spawnSyncJava(classpath: string, args: string[], logFile: string): number {
  const log = openSync(logFile, 'a');
  try {
    const { status } = spawnSync('java', ['-cp', classpath, ...args], { stdio: ['ignore', log, log] });
    return status ?? 1;
  } finally {
    closeSync(log);
  }
}

/** True when a metadata request to `brokers` succeeds within `timeoutMs`. */
export async function probeKafka(brokers: string[], timeoutMs = 3_000): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'herald-probe',
    brokers,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
