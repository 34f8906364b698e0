/**
 * A real redis-server (Debian package) on a loopback port with no persistence, for tests and the
 * local runtime. Its pid file and log live under `<heraldHome>/`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  assertPortFree,
  findFreePort,
  isAlive,
  stopProcess,
  tailFile,
  waitUntil,
  which,
} from '../infra/process-utils.ts';

/** Where to run redis-server. */
export interface RedisServerOptions {
  readonly home: string;
  /** Fixed port; a free loopback port is picked when unset. */
  readonly port?: number;
  /** Folder under `home` for the log, pid and state files. @default 'redis' */
  readonly name?: string;
}

/**
 * Flags every local redis-server runs with, single node and cluster alike. No persistence (save "",
 * appendonly no). `noeviction` as in the ElastiCache parameter group (lib/cache.ts): dedup claims and
 * marks must never be evicted, so a full cache refuses writes (OOM) and dispatch fails closed.
 */
export const REDIS_SERVER_FLAGS: readonly string[] = [
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--maxmemory-policy',
  'noeviction',
  '--protected-mode',
  'yes',
];

/** A local redis-server; `start` and `stop` are idempotent. */
export class RedisServer {
  readonly options: RedisServerOptions;
  readonly logFile: string;
  readonly pidFile: string;
  readonly stateFile: string;

  constructor(options: RedisServerOptions) {
    this.options = options;
    const name = options.name ?? 'redis';
    this.logFile = join(options.home, name, 'redis.log');
    this.pidFile = join(options.home, 'run', `${name}.pid`);
    this.stateFile = join(options.home, 'run', `${name}.json`);
  }

  /** The URL of the running server started from this home, if any. */
  runningUrl(): string | undefined {
    if (!existsSync(this.pidFile) || !existsSync(this.stateFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, 'utf8'));
    if (!Number.isInteger(pid) || !isAlive(pid)) return undefined;
    return (JSON.parse(readFileSync(this.stateFile, 'utf8')) as { url: string }).url;
  }

  /** Starts redis-server (or reuses the healthy one from this home) and waits for PING. */
  async start(): Promise<{ url: string; pid: number; isReused: boolean }> {
    const runningUrl = this.runningUrl();
    if (runningUrl && (await probeRedis(runningUrl))) {
      return { url: runningUrl, pid: Number(readFileSync(this.pidFile, 'utf8')), isReused: true };
    }
    await this.stop();
    if (!which('redis-server'))
      throw new Error(
        'redis: redis-server is missing: install it (apt-get install redis-server) or set REDIS_URL',
      );
    const port = this.options.port ?? (await findFreePort());
    await assertPortFree(port, 'redis');
    const dir = join(this.options.home, this.options.name ?? 'redis');
    mkdirSync(dir, { recursive: true });
    mkdirSync(join(this.options.home, 'run'), { recursive: true });
    const log = openSync(this.logFile, 'a');
    const args = ['--port', String(port), '--dir', dir, ...REDIS_SERVER_FLAGS];
    const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error('redis: could not spawn redis-server');
    const url = `redis://127.0.0.1:${port}`;
    writeFileSync(this.pidFile, String(pid));
    writeFileSync(this.stateFile, JSON.stringify({ url, pid }));
    const isReady = await waitUntil(
      () => probeRedis(url),
      10_000,
      () => {
        if (!isAlive(pid))
          throw new Error(
            `redis: redis-server exited during start-up. Last lines of ${this.logFile}:\n${tailFile(this.logFile)}`,
          );
      },
    );
    if (!isReady) {
      await stopProcess(pid, 2_000);
      throw new Error(`redis: not ready in time. Last lines of ${this.logFile}:\n${tailFile(this.logFile)}`);
    }
    return { url, pid, isReused: false };
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<'stopped' | 'killed' | 'not-running'> {
    const pid = existsSync(this.pidFile) ? Number(readFileSync(this.pidFile, 'utf8')) : undefined;
    const result = pid && Number.isInteger(pid) ? await stopProcess(pid, 5_000) : 'not-running';
    rmSync(this.pidFile, { force: true });
    rmSync(this.stateFile, { force: true });
    return result;
  }
}

/** True when Redis at `url` answers PING within `timeoutMs`. */
export async function probeRedis(url: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
