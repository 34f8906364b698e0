/**
 * A real Redis Cluster as ElastiCache cluster mode runs it: 3 primaries + 3 replicas, six processes of
 * the same redis-server binary (cluster-enabled yes) on free loopback ports, no persistence,
 * `noeviction`. Everything lives under `<heraldHome>/redis-cluster/`: one folder per node (nodes.conf,
 * log) and `cluster.json` (ports and pids), so `start` reuses a healthy cluster and `stop` ends it.
 *
 * Why the cluster is formed with CLUSTER commands, not `redis-cli --cluster create`: the latter polls
 * once a second while the nodes join. ADDSLOTSRANGE + MEET + REPLICATE with a 50 ms poll has six
 * nodes met, roles spread and replicas synced in about 1 s (measured under a load average of 11);
 * the whole start takes about 2 s because a fresh primary reports cluster_state:ok no sooner than
 * 2 s after it started (Redis's CLUSTER_WRITABLE_DELAY).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  assertPortFree,
  findFreePort,
  isAlive,
  stopProcess,
  tailFile,
  which,
} from '../infra/process-utils.ts';
import { REDIS_SERVER_FLAGS } from './redis-launcher.ts';

/** Where and how big. */
export interface RedisClusterOptions {
  readonly home: string;
  /** Primaries. @default 3 */
  readonly primaries?: number;
  /** Replicas of each primary (0 or 1). @default 1 */
  readonly replicasPerPrimary?: 0 | 1;
  /**
   * Milliseconds a node may be unreachable before it is failed over. Why 2 s and not ElastiCache's
   * 15 s: failover tests would otherwise wait 15 s per kill. @default 2000
   */
  readonly nodeTimeoutMs?: number;
}

/** One node of the cluster. */
export interface ClusterNode {
  readonly port: number;
  readonly pid: number;
}

interface ClusterState {
  readonly nodes: readonly ClusterNode[];
}

const TOTAL_SLOTS = 16_384;

/** A local Redis Cluster; `start` and `stop` are idempotent. */
export class RedisCluster {
  readonly dir: string;
  readonly stateFile: string;
  readonly #primaries: number;
  readonly #replicas: number;
  readonly #nodeTimeoutMs: number;

  constructor(options: RedisClusterOptions) {
    this.dir = join(options.home, 'redis-cluster');
    this.stateFile = join(this.dir, 'cluster.json');
    this.#primaries = options.primaries ?? 3;
    this.#replicas = options.replicasPerPrimary ?? 1;
    this.#nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  }

  /** Nodes recorded by the last start, whether or not they still run. */
  recordedNodes(): readonly ClusterNode[] {
    if (!existsSync(this.stateFile)) return [];
    return (JSON.parse(readFileSync(this.stateFile, 'utf8')) as ClusterState).nodes;
  }

  /** Seed nodes (`host:port`) of the running cluster from this home, if every node is alive. */
  runningSeeds(): string[] | undefined {
    const nodes = this.recordedNodes();
    if (nodes.length === 0 || !nodes.every((node) => isAlive(node.pid))) return undefined;
    return nodes.map((node) => `127.0.0.1:${node.port}`);
  }

  /** Starts the cluster (or reuses the healthy one from this home) and waits until it serves every slot. */
  async start(): Promise<{ seeds: string[]; isReused: boolean }> {
    const running = this.runningSeeds();
    if (running && (await probeCluster(running))) return { seeds: running, isReused: true };
    await this.stop();
    if (!which('redis-server'))
      throw new Error(
        'redis: redis-server is missing: install it (apt-get install redis-server) or set HERALD_REDIS_CLUSTER_NODES',
      );
    const count = this.#primaries * (1 + this.#replicas);
    const ports: number[] = [];
    while (ports.length < count) {
      const port = await findFreePort();
      // Why +10000 is checked too: every node also listens on its cluster bus port (port + 10000).
      if (!ports.includes(port) && port + 10_000 <= 65_535 && (await isPortFree(port + 10_000)))
        ports.push(port);
    }
    const nodes = ports.map((port) => ({ port, pid: this.#spawnNode(port) }));
    writeFileSync(this.stateFile, JSON.stringify({ nodes } satisfies ClusterState));
    try {
      await formCluster(ports, this.#primaries);
    } catch (error) {
      const logs = ports.map((port) => tailFile(join(this.dir, String(port), 'redis.log'), 5)).join('\n');
      await this.stop();
      throw new Error(`redis cluster: did not form: ${(error as Error).message}\n${logs}`, { cause: error });
    }
    return { seeds: ports.map((port) => `127.0.0.1:${port}`), isReused: false };
  }

  /** SIGTERM every node (SIGKILL after 5 s) and forget the cluster; its folders go too. */
  async stop(): Promise<'stopped' | 'not-running'> {
    const nodes = this.recordedNodes();
    const results = await Promise.all(nodes.map((node) => stopProcess(node.pid, 5_000)));
    rmSync(this.dir, { recursive: true, force: true });
    return results.some((result) => result !== 'not-running') ? 'stopped' : 'not-running';
  }

  #spawnNode(port: number): number {
    const dir = join(this.dir, String(port));
    mkdirSync(dir, { recursive: true });
    const logFile = join(dir, 'redis.log');
    const log = openSync(logFile, 'a');
    const args = ['--port', String(port), '--dir', dir, ...REDIS_SERVER_FLAGS];
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf');
    args.push('--cluster-node-timeout', String(this.#nodeTimeoutMs));
    // Why a zero diskless delay: a replica's first sync otherwise waits 5 s for more replicas.
    args.push('--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0');
    const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error('redis cluster: could not spawn redis-server');
    return child.pid;
  }
}

function isPortFree(port: number): Promise<boolean> {
  return assertPortFree(port, 'redis cluster').then(
    () => true,
    () => false,
  );
}

function connect(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  return client;
}

/** Polls `probe` every 50 ms for up to `timeoutMs`; throws `what` on timeout. */
async function poll(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what} (after ${timeoutMs} ms)`);
}

/**
 * Slots split evenly over the first `primaries` ports, the others replicate them in order. Epochs are
 * set before MEET so the nodes agree on slot ownership at once, without a collision round.
 */
async function formCluster(ports: readonly number[], primaries: number): Promise<void> {
  const clients = ports.map(connect);
  try {
    await Promise.all(
      clients.map((client) =>
        poll('nodes did not answer PING', 10_000, async () => {
          if (client.status !== 'ready') await client.connect().catch(() => undefined);
          return (await client.ping()) === 'PONG';
        }),
      ),
    );
    const ids = await Promise.all(clients.map((client) => client.call('CLUSTER', 'MYID') as Promise<string>));
    for (let i = 0; i < primaries; i++) {
      const first = Math.floor((TOTAL_SLOTS * i) / primaries);
      const last = Math.floor((TOTAL_SLOTS * (i + 1)) / primaries) - 1;
      await clients[i]?.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
    }
    await Promise.all(clients.map((client, i) => client.call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1))));
    // Why every node meets every other: meeting one node and waiting for gossip to spread the rest
    // takes about a second longer.
    await Promise.all(
      clients.map((client, i) =>
        Promise.all(
          ports
            .filter((_, j) => j !== i)
            .map((port) => client.call('CLUSTER', 'MEET', '127.0.0.1', String(port))),
        ),
      ),
    );
    await Promise.all(
      clients.map((client) =>
        poll('nodes did not meet', 10_000, async () => {
          const lines = String(await client.call('CLUSTER', 'NODES'))
            .trim()
            .split('\n');
          return lines.length === ports.length && lines.every((line) => !/handshake|noaddr/.test(line));
        }),
      ),
    );
    for (let i = primaries; i < ports.length; i++)
      await clients[i]?.call('CLUSTER', 'REPLICATE', ids[(i - primaries) % primaries] as string);
    // Why: until gossip spreads the roles, a node may still list a fresh replica as a master.
    await Promise.all(
      clients.map((client) =>
        poll('roles did not spread', 10_000, async () => {
          const text = String(await client.call('CLUSTER', 'NODES'));
          return (text.match(/ (myself,)?slave /g) ?? []).length === ports.length - primaries;
        }),
      ),
    );
    if (ports.length > primaries)
      await poll('replicas did not sync', 15_000, async () => {
        const infos = await Promise.all(clients.slice(0, primaries).map((c) => c.info('replication')));
        return infos.every((info) => /slave0:.*state=online/.test(info));
      });
    await Promise.all(
      clients.map((client) =>
        poll('cluster_state is not ok', 10_000, async () =>
          String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
        ),
      ),
    );
  } finally {
    for (const client of clients) client.disconnect();
  }
}

/** True when every seed answers and reports `cluster_state:ok` with all slots assigned. */
export async function probeCluster(seeds: readonly string[]): Promise<boolean> {
  const results = await Promise.all(
    seeds.map(async (seed) => {
      const client = connect(Number(seed.split(':')[1]));
      try {
        await client.connect();
        const info = String(await client.call('CLUSTER', 'INFO'));
        return info.includes('cluster_state:ok') && info.includes(`cluster_slots_ok:${TOTAL_SLOTS}`);
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    }),
  );
  return results.every(Boolean);
}
