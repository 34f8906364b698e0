/**
 * End-to-end helpers: a whole local runtime (API, dispatcher with its own Lambda process, mock
 * vendors) on its own topics, key prefix and consumer group, and a client that sends requests the
 * way a well-behaved caller does (retrying 503/409 with the same Idempotency-Key; a 500 is a bug and
 * is returned, not retried).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onTestFailed } from 'vitest';
import { EnvKey } from '../../../../lambdas/shared/env-keys.ts';
import type { ReceiptSettings } from '../../../../local/providers/receipt-emitter.ts';
import { type Runtime, startRuntime } from '../../../../local/runtime/runtime.ts';
import type { VendorSet } from '../../../../local/runtime/vendor-config.ts';
import { createTestTopics, uniqueName } from '../../../support/engines.ts';

/** The token every e2e client uses. */
export const E2E_TOKEN = 'e2e-token';

/**
 * The dispatcher's claim lease in e2e runtimes. Why 10 s rather than the dev stage's 25 s: each kill
 * holds its batch off for one lease (the retry waits it out), and these tests kill several times.
 */
export const E2E_CLAIM_LEASE_MS = 10_000;

/** A runtime for one test file. */
export interface E2eRuntime {
  readonly runtime: Runtime;
  readonly vendorLogPath: string;
  readonly deliveriesTopic: string;
  readonly deadLetterTopic: string;
  /** The Lambdas' HERALD_KEY_PREFIX. */
  readonly keyPrefix: string;
  /** The high-priority lane's topic (3 partitions), read by its own mapping. */
  readonly highPriorityTopic: string;
  /** Output of every component and Lambda, for when a test fails. */
  readonly outputFile: string;
  stop(): Promise<void>;
}

/**
 * Starts a runtime against `brokers` and `redisUrl` (or, with `redisClusterNodes`, a Redis Cluster in
 * cluster mode) on fresh topics (6 partitions).
 */
export async function startE2eRuntime(
  brokers: readonly string[],
  redisUrl: string,
  options: {
    createTopics?: (topics: string[], partitions: number) => Promise<void>;
    /** @default 'providers' (the AWS provider fakes for sms and email, as `npm start`) */
    vendorSet?: VendorSet;
    redisClusterNodes?: readonly string[];
    /**
     * The SES/SMS fakes' receipts. @default off: these tests count `sent` statuses, which receipts
     * would move on to `delivered` (lifecycle.e2e.test.ts covers receipts)
     */
    receipts?: Partial<ReceiptSettings>;
  } = {},
): Promise<E2eRuntime> {
  const deliveriesTopic = uniqueName('e2e-deliveries');
  const deadLetterTopic = uniqueName('e2e-dlq');
  const create = options.createTopics ?? ((topics, partitions) => createTestTopics(topics, partitions));
  await create([deliveriesTopic], 6);
  await create([deadLetterTopic], 1);
  const highPriorityTopic = `${deliveriesTopic}.high`;
  await create([highPriorityTopic], 3);
  const dir = mkdtempSync(join(tmpdir(), 'herald-e2e-'));
  const vendorLogPath = join(dir, 'vendor-deliveries.jsonl');
  const keyPrefix = `${uniqueName('e2e')}:`;
  const runtime = await startRuntime({
    kafkaBrokers: brokers,
    redisUrl,
    ...(options.redisClusterNodes ? { redisClusterNodes: options.redisClusterNodes } : {}),
    runDir: join(dir, 'run'),
    apiPort: 0,
    apiTokens: `${E2E_TOKEN}=e2e-client`,
    vendorLogPath,
    deliveriesTopic,
    deadLetterTopic,
    highPriorityTopic,
    keyPrefix,
    logLevel: 'WARN',
    esm: { consumerGroupId: uniqueName('e2e-dispatch') },
    functionEnvironment: { [EnvKey.claimLeaseMs]: String(E2E_CLAIM_LEASE_MS) },
    log: () => undefined,
    outputFile: join(dir, 'runtime.log'),
    receipts: options.receipts ?? { enabled: false },
    ...(options.vendorSet ? { vendorSet: options.vendorSet } : {}),
  });
  return {
    runtime,
    vendorLogPath,
    deliveriesTopic,
    deadLetterTopic,
    keyPrefix,
    highPriorityTopic,
    outputFile: join(dir, 'runtime.log'),
    async stop() {
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sums of each metric over EMF lines (a line that is not whole JSON is skipped). */
function emfTotals(lines: readonly string[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of lines) {
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

/**
 * Call inside a test: if it fails, print the end of the runtime's output (components and Lambdas)
 * without the EMF metric lines, which would crowd out the log lines, and the metrics summed instead.
 */
export function showOutputOnFailure(e2e: E2eRuntime): void {
  onTestFailed(() => {
    const lines = existsSync(e2e.outputFile) ? readFileSync(e2e.outputFile, 'utf8').trim().split('\n') : [];
    const isEmf = (line: string) => line.startsWith('{"_aws":');
    const metrics = [...emfTotals(lines.filter(isEmf))].map(([name, total]) => `${name}=${total}`);
    const logLines = lines.filter((line) => !isEmf(line)).slice(-80);
    console.error(`--- metrics (sum over the run): ${metrics.join(' ')}`);
    console.error(`--- last log lines of ${e2e.outputFile}\n${logLines.join('\n')}`);
  });
}

/** `n` distinct E.164 numbers no other test uses. */
export function phoneNumbers(n: number): string[] {
  const base = randomInt(10_000_000, 89_999_999 - n);
  return Array.from({ length: n }, (_, i) => `+8210${base + i}`);
}

/**
 * Whether a client retries an answer (`undefined`: no answer, the connection failed): 503 (a
 * dependency is down) and 409 (the same key is still being accepted) are retried with the same key;
 * everything else, 500 included, is final.
 */
export function isRetryableAnswer(status: number | undefined): boolean {
  return status === undefined || status === 503 || status === 409;
}

/** One POST /v1/messages with client retries; resolves with the final status and body. */
export async function sendMessage(
  apiUrl: string,
  recipients: readonly string[],
  options: {
    idempotencyKey?: string;
    body?: string;
    title?: string;
    maxWaitMs?: number;
    priority?: 'high' | 'normal';
    channel?: 'sms' | 'push' | 'email';
  } = {},
): Promise<{ status: number; requestId: string; replayed: boolean }> {
  const payload = JSON.stringify({
    channel: options.channel ?? 'sms',
    recipients,
    content: {
      ...(options.title === undefined ? {} : { title: options.title }),
      body: options.body ?? `e2e ${randomBytes(4).toString('hex')}`,
    },
    ...(options.priority ? { priority: options.priority } : {}),
  });
  const deadline = Date.now() + (options.maxWaitMs ?? 60_000);
  for (;;) {
    const response = await fetch(`${apiUrl}/v1/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${E2E_TOKEN}`,
        'content-type': 'application/json',
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      body: payload,
    }).catch(() => undefined);
    // Why not 500: the API answers 500 only for a bug; retrying it would hide the bug behind a 202.
    const isRetryable = isRetryableAnswer(response?.status);
    if (!isRetryable || Date.now() > deadline) {
      const json = (await response?.json()) as { requestId?: string } | undefined;
      return {
        status: response?.status ?? 0,
        requestId: json?.requestId ?? '',
        replayed: response?.headers.get('idempotent-replayed') === 'true',
      };
    }
    await response?.body?.cancel();
    await sleep(Number(response?.headers.get('retry-after') ?? 0.2) * 1_000);
  }
}

/** One accepted send in the vendor log. */
export interface LoggedSend {
  readonly vendor: string;
  readonly to: string;
  readonly deliveryId: string;
  readonly requestId: string;
}

/** The vendor log's sends for `requestIds`. */
export function loggedSends(path: string, requestIds: ReadonlySet<string>): LoggedSend[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  // Why only complete lines: the vendors append while we read, and a read can catch the last line
  // half-written (JSON.parse would throw and fail the test).
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LoggedSend)
    .filter((send) => requestIds.has(send.requestId));
}

/**
 * Waits until the pipeline is quiescent for `requestIds`: at least `count` sends logged, no status
 * still queued, and the vendor log's sends for them unchanged for longer than a claim lease. Why a
 * lease: a duplicate comes from a claim whose lease expired while its send was in doubt, so it lands
 * up to a lease after the last expected send; a shorter watch would end before it shows.
 */
export async function waitUntilQuiescent(
  e2e: E2eRuntime,
  requestIds: ReadonlySet<string>,
  count: number,
  timeoutMs = 90_000,
): Promise<LoggedSend[]> {
  const stableForMs = E2E_CLAIM_LEASE_MS + 2_000;
  const deadline = Date.now() + timeoutMs + stableForMs;
  const sendsNow = () => loggedSends(e2e.vendorLogPath, requestIds).length;
  let seen = -1;
  let seenSince = Date.now();
  for (;;) {
    const sends = sendsNow();
    if (sends !== seen) [seen, seenSince] = [sends, Date.now()];
    if (sends >= count && Date.now() - seenSince > stableForMs) {
      const counts = await Promise.all([...requestIds].map((id) => statusCounts(e2e.runtime.apiUrl, id)));
      if (counts.every((c) => (c.queued ?? 0) === 0)) return loggedSends(e2e.vendorLogPath, requestIds);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `not quiescent after ${timeoutMs} ms: ${sends} of ${count} sends, last change ${Date.now() - seenSince} ms ago`,
      );
    }
    await sleep(250);
  }
}

/** `requestId|to` of each send, with how often it was sent. */
export function sendCounts(sends: readonly LoggedSend[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const send of sends)
    counts.set(`${send.requestId}|${send.to}`, (counts.get(`${send.requestId}|${send.to}`) ?? 0) + 1);
  return counts;
}

/** GET /v1/messages/{requestId} `counts`. */
export async function statusCounts(apiUrl: string, requestId: string): Promise<Record<string, number>> {
  const response = await fetch(`${apiUrl}/v1/messages/${requestId}`, {
    headers: { authorization: `Bearer ${E2E_TOKEN}` },
  });
  if (response.status !== 200) throw new Error(`status of ${requestId}: HTTP ${response.status}`);
  return ((await response.json()) as { counts: Record<string, number> }).counts;
}

/** GET /v1/messages/{requestId} `recipients`: position, state, vendor, reason. */
export async function recipientStatuses(
  apiUrl: string,
  requestId: string,
): Promise<Array<{ position: number; state: string; vendor?: string; reason?: string }>> {
  const response = await fetch(`${apiUrl}/v1/messages/${requestId}`, {
    headers: { authorization: `Bearer ${E2E_TOKEN}` },
  });
  if (response.status !== 200) throw new Error(`status of ${requestId}: HTTP ${response.status}`);
  return ((await response.json()) as { recipients: [] }).recipients;
}

/** What became of the deliveries of a run, checked against the vendor log. */
export interface DeliveryTally {
  readonly sent: number;
  /** Held as maybe-sent (a call cut off by a crash or an ambiguous answer): delivered at most once. */
  readonly held: number;
  /** Recipients in the vendor log more than once: must be none. */
  readonly duplicates: number;
  /** Deliveries in a state other than sent or maybe-sent (queued, failed …): must be none. */
  readonly unsettled: readonly string[];
  /** `sent` deliveries not exactly once in the vendor log: must be none. */
  readonly sentNotOnce: readonly string[];
}

/**
 * Tallies every delivery of `requests` (the recipients each request was sent to, by its requestId)
 * from the status API and the vendor log: the exactly-once invariant with vendors that deliver every
 * request is that nobody is in the log twice, every delivery is final, and every `sent` one is in the
 * log exactly once (a `maybe-sent` one at most once: the call a crash cut off may or may not have
 * reached the vendor, and it is never sent again).
 */
export async function tallyDeliveries(
  e2e: E2eRuntime,
  requests: ReadonlyMap<string, readonly string[]>,
): Promise<DeliveryTally> {
  const counts = sendCounts(loggedSends(e2e.vendorLogPath, new Set(requests.keys())));
  let sent = 0;
  let held = 0;
  const unsettled: string[] = [];
  const sentNotOnce: string[] = [];
  for (const [requestId, recipients] of requests) {
    for (const status of await recipientStatuses(e2e.runtime.apiUrl, requestId)) {
      const key = `${requestId}|${recipients[status.position]}`;
      if (status.state === 'sent') {
        sent++;
        if (counts.get(key) !== 1) sentNotOnce.push(key);
      } else if (status.state === 'maybe-sent') held++;
      else unsettled.push(`${key}: ${status.state}${status.reason ? ` (${status.reason})` : ''}`);
    }
  }
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  return { sent, held, duplicates, unsettled, sentNotOnce };
}

/** Waits until every request reads `sent` for all its recipients. */
export async function waitAllSent(
  apiUrl: string,
  requestIds: readonly string[],
  timeoutMs = 30_000,
): Promise<Array<Record<string, number>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(requestIds.map((id) => statusCounts(apiUrl, id)));
    if (counts.every((c) => c.sent === c.total) || Date.now() > deadline) return counts;
    await sleep(500);
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inBatches<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += limit)
    results.push(...(await Promise.all(tasks.slice(i, i + limit).map((task) => task()))));
  return results;
}
