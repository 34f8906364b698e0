/**
 * Helpers of the Redis failure e2e tests (a Redis Cluster primary killed, dedup slots moved, a single
 * node restarted empty): each test starts its own Redis so the shared engines are never broken, runs
 * 2,000 deliveries against non-idempotent mock vendors, and judges the vendor log and the statuses.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { stopProcess } from '../../../../local/infra/process-utils.ts';
import { RedisCluster } from '../../../../local/redis/redis-cluster.ts';
import { REDIS_SERVER_FLAGS } from '../../../../local/redis/redis-launcher.ts';
import { testEngines } from '../../../support/engines.ts';
import {
  E2E_CLAIM_LEASE_MS,
  type E2eRuntime,
  inBatches,
  type LoggedSend,
  loggedSends,
  phoneNumbers,
  sendCounts,
  sendMessage,
  startE2eRuntime,
  statusCounts,
} from './e2e-runtime.ts';

/** A Redis Cluster (3 primaries + 3 replicas) of one test file, in its own temporary home. */
export interface OwnCluster {
  readonly cluster: RedisCluster;
  readonly seeds: string[];
  /** The port of the first seed, for admin commands. */
  readonly seedPort: number;
  /**
   * Starts the node on `port` again from its folder (its nodes.conf, no data), as ElastiCache
   * replaces a failed node: it rejoins as a replica of whichever primary took its slots. Returns its pid.
   */
  restartNode(port: number): number;
  stop(): Promise<void>;
}

/** Starts a fresh Redis Cluster in a temporary folder (about 2 s). */
export async function startOwnCluster(): Promise<OwnCluster> {
  const home = mkdtempSync(join(tmpdir(), 'herald-own-cluster-'));
  const cluster = new RedisCluster({ home });
  const { seeds } = await cluster.start();
  const restarted: number[] = [];
  return {
    cluster,
    seeds,
    seedPort: Number(seeds[0]?.split(':')[1]),
    restartNode(port) {
      // The flags RedisCluster starts its nodes with (local/redis/redis-cluster.ts).
      const dir = join(cluster.dir, String(port));
      const log = openSync(join(dir, 'redis.log'), 'a');
      const args = ['--port', String(port), '--dir', dir, ...REDIS_SERVER_FLAGS];
      args.push(
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '2000',
      );
      args.push('--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0');
      const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', log, log] });
      closeSync(log);
      child.unref();
      if (child.pid === undefined) throw new Error('could not restart redis-server');
      restarted.push(child.pid);
      return child.pid;
    },
    async stop() {
      await Promise.all(restarted.map((pid) => stopProcess(pid, 5_000)));
      await cluster.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Gives every vendor of the runtime `latencyMs` per call (keeps batches in flight while Redis fails). */
export async function setVendorLatency(e2e: E2eRuntime, latencyMs: number): Promise<void> {
  await Promise.all(
    e2e.runtime.vendors.map((vendor) =>
      fetch(`${vendor.adminUrl}/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs }) }),
    ),
  );
}

/** The pipeline on a Redis Cluster of its own, as the cluster failure tests run it. */
export interface ClusterRuntime {
  readonly own: OwnCluster;
  readonly e2e: E2eRuntime;
  /** Stops the runtime, then the cluster. */
  stop(): Promise<void>;
}

/**
 * Starts a cluster of its own and the pipeline on it: both Lambdas in cluster mode, mock vendors (not
 * idempotent) at 15 ms a call, so batches are in flight when the test hurts the cluster.
 */
export async function startClusterRuntime(): Promise<ClusterRuntime> {
  const own = await startOwnCluster();
  const { kafkaBrokers, redisUrl } = testEngines();
  const e2e = await startE2eRuntime(kafkaBrokers, redisUrl, {
    vendorSet: 'mock',
    redisClusterNodes: own.seeds,
  });
  await setVendorLatency(e2e, 15);
  return {
    own,
    e2e,
    stop: async () => {
      await e2e.stop();
      await own.stop();
    },
  };
}

/** A run of `requests` × `perRequest` sms deliveries, accepted by the API. */
export interface Run {
  readonly requestIds: Set<string>;
  /** `requestId|to` of every delivery. */
  readonly expected: Set<string>;
  readonly statuses: number[];
}

/** Sends `requests` requests of `perRequest` fresh recipients, 5 at a time. */
export async function sendRun(e2e: E2eRuntime, requests: number, perRequest: number): Promise<Run> {
  const recipients = Array.from({ length: requests }, () => phoneNumbers(perRequest));
  const accepted = await inBatches(
    recipients.map((to) => () => sendMessage(e2e.runtime.apiUrl, to, { idempotencyKey: randomUUID() })),
    5,
  );
  const expected = new Set(
    accepted.flatMap((a, i) => (recipients[i] as string[]).map((to) => `${a.requestId}|${to}`)),
  );
  return {
    requestIds: new Set(accepted.map((a) => a.requestId)),
    expected,
    statuses: accepted.map((a) => a.status),
  };
}

/** Waits until the vendor log holds at least `count` sends of `run`. */
export async function waitForSends(
  e2e: E2eRuntime,
  run: Run,
  count: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (loggedSends(e2e.vendorLogPath, run.requestIds).length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} sends after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * Waits until the vendor log has not changed for longer than a claim lease (a duplicate from an
 * expired claim lands up to a lease after the last expected send) and `isDone` holds; returns the sends.
 */
export async function waitUntilSettled(
  e2e: E2eRuntime,
  run: Run,
  isDone: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<LoggedSend[]> {
  const stableForMs = E2E_CLAIM_LEASE_MS + 2_000;
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  let seenSince = Date.now();
  for (;;) {
    const sends = loggedSends(e2e.vendorLogPath, run.requestIds).length;
    if (sends !== seen) [seen, seenSince] = [sends, Date.now()];
    if (Date.now() - seenSince > stableForMs && (await isDone().catch(() => false)))
      return loggedSends(e2e.vendorLogPath, run.requestIds);
    if (Date.now() > deadline)
      throw new Error(
        `not settled after ${timeoutMs} ms: ${sends} sends, last change ${Date.now() - seenSince} ms ago`,
      );
    await sleep(250);
  }
}

/** The status counts of every request of `run`, summed. */
export async function summedCounts(e2e: E2eRuntime, run: Run): Promise<Record<string, number>> {
  const all = await Promise.all([...run.requestIds].map((id) => statusCounts(e2e.runtime.apiUrl, id)));
  const sum: Record<string, number> = {};
  for (const counts of all)
    for (const [state, n] of Object.entries(counts)) sum[state] = (sum[state] ?? 0) + n;
  return sum;
}

/** True when no delivery of `run` is still queued. */
export async function noneQueued(e2e: E2eRuntime, run: Run): Promise<boolean> {
  return ((await summedCounts(e2e, run)).queued ?? 1) === 0;
}

/** What the vendor log shows for `run`. */
export function judgeSends(run: Run, sends: readonly LoggedSend[]) {
  const counts = sendCounts(sends);
  return {
    counts,
    /** `requestId|to` sent more than once. */
    duplicated: [...counts].filter(([, n]) => n > 1).map(([key]) => key),
    /** Extra sends beyond the first, over every recipient. */
    extraSends: sends.length - counts.size,
    /** Expected deliveries never sent. */
    unsent: [...run.expected].filter((key) => !counts.has(key)),
    /** Sends of no expected delivery. */
    unexpected: [...counts.keys()].filter((key) => !run.expected.has(key)),
  };
}

/** Sums of each EMF metric in the runtime's output (components and Lambdas). */
export function emfTotals(outputFile: string): Map<string, number> {
  const totals = new Map<string, number>();
  const lines = readFileSync(outputFile, 'utf8').split('\n');
  for (const line of lines) {
    if (!line.startsWith('{"_aws":')) continue;
    let emf: Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Metrics: { Name: string }[] }> };
    };
    try {
      emf = JSON.parse(line);
    } catch {
      continue;
    }
    for (const { Name } of emf._aws.CloudWatchMetrics.flatMap((m) => m.Metrics)) {
      const values = [emf[Name]].flat().filter((value) => typeof value === 'number');
      totals.set(Name, (totals.get(Name) ?? 0) + values.reduce((a, b) => a + b, 0));
    }
  }
  return totals;
}

/** Records written to `topic` minus those `group` committed (its lag), summed over partitions. */
export async function consumerLag(admin: Admin, group: string, topic: string): Promise<number> {
  const [written, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
  ]);
  const high = written.reduce((sum, p) => sum + Number(p.high), 0);
  const done = (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  return high - done;
}
