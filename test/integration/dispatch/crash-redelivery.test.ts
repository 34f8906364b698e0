/**
 * A dispatch invocation killed in the middle of a 100-record batch, under the event source mapping
 * as the dev stage deploys it (provisioned, ReportBatchItemFailures, its retry count, the dead-letter
 * topic as on-failure destination) and the dev stage's claim lease and function timeout. Durations
 * are scaled down by SCALE for test speed; the retry count is not, so the ratio of the lease to the
 * retry budget (and to the timeout) stays the dev stage's. Real Kafka, Redis, mock vendor servers,
 * handler.ts in its own execution-environment process.
 *
 * The crashed invocation's claims outlive it by up to one lease. The redelivery must wait that out
 * instead of failing until the retries run out: every recipient reaches a vendor exactly once,
 * nothing is dead-lettered, every status reads `sent`, and the crash costs at most two retries.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisStatusStore } from '../../../lambdas/adapters/redis-status-store.ts';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
import { encodeDelivery } from '../../../lambdas/core/send-request.ts';
import { EnvKey } from '../../../lambdas/shared/env-keys.ts';
import { RETRIES_PER_CRASH } from '../../../lib/config/retry-budget.ts';
import { devStage } from '../../../lib/config/stages.ts';
import {
  type MockVendor,
  startMockVendor,
  type VendorDelivery,
} from '../../../local/mock-vendor/mock-vendor.ts';
import { FunctionProcess } from '../../../local/msk-esm/function-process.ts';
import { startMskEventSourceMapping } from '../../../local/msk-esm/msk-event-source-mapping.ts';
import { deployedEsmConfig } from '../../../local/runtime/runtime.ts';
import {
  createTestTopics,
  deleteTestTopics,
  testEngines,
  testKafka,
  uniqueName,
} from '../../support/engines.ts';
import { makeDelivery } from '../../unit/dispatch/support/deliveries.ts';
import { sendCounts } from './support/dispatch-harness.ts';

// Why 2.5: the dev lease (25 s) becomes 10 s, still ≥ 2 × the 2 s vendor timeout + 5 s the
// dispatcher requires, and the 60 s timeout 24 s; the emulator's 0.5 s → 10 s backoff becomes 0.2 → 4 s.
const SCALE = 2.5;
const scaled = (ms: number) => Math.round(ms / SCALE);
const LEASE_MS = scaled(devStage.dispatch.claimLeaseSeconds * 1_000);
const TIMEOUT_MS = scaled(devStage.dispatch.timeoutSeconds * 1_000);

const handlerModule = fileURLToPath(new URL('../../../lambdas/dispatch/handler.ts', import.meta.url));
const topic = uniqueName('crash-in');
const deadLetterTopic = uniqueName('crash-dlq');
const keyPrefix = `${uniqueName('crash')}:`;
const logPath = join(mkdtempSync(join(tmpdir(), 'herald-crash-')), 'vendor-deliveries.jsonl');
let vendors: MockVendor[] = [];
let redis: RedisClient;

beforeAll(async () => {
  await createTestTopics([topic], 3);
  await createTestTopics([deadLetterTopic], 1);
  vendors = await Promise.all(['sms-a', 'sms-b', 'sms-c'].map((name) => startMockVendor({ name, logPath })));
  // Why 300 ms: a 100-record batch then takes over a second to send, so the kill lands mid-batch.
  await Promise.all(vendors.map((vendor) => vendor.setFaults({ latencyMs: 300 })));
  redis = createRedisClient({ url: testEngines().redisUrl, isCluster: false });
});
afterAll(async () => {
  redis?.disconnect();
  await Promise.all(vendors.map((vendor) => vendor.close()));
  await deleteTestTopics([topic, deadLetterTopic]).catch(() => undefined);
  rmSync(dirname(logPath), { recursive: true, force: true });
});

/** The dispatch function as the runtime configures it (local/runtime), with the scaled lease. */
function functionEnvironment(): Record<string, string> {
  const tiers = [
    ['primary', 'sms-a', 60],
    ['secondary', 'sms-b', 30],
    ['tertiary', 'sms-c', 10],
  ] as const;
  const sms = Object.fromEntries(
    tiers.map(([tier, name, weight]) => [
      tier,
      { name, url: vendors.find((v) => v.name === name)?.url, weight, timeoutMs: 2_000 },
    ]),
  );
  return {
    [EnvKey.kafkaBrokers]: testEngines().kafkaBrokers.join(','),
    [EnvKey.redisUrl]: testEngines().redisUrl,
    [EnvKey.keyPrefix]: keyPrefix,
    [EnvKey.deadLetterTopic]: deadLetterTopic,
    [EnvKey.vendorsJson]: JSON.stringify({ channels: { sms } }),
    [EnvKey.reportBatchItemFailures]: 'true',
    [EnvKey.claimLeaseMs]: String(LEASE_MS),
    [EnvKey.logLevel]: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

/** One request's 100 deliveries, produced as ingest does after recording them `queued`. */
async function acceptRequest(): Promise<Delivery[]> {
  const requestId = `req-${randomBytes(6).toString('hex')}`;
  const deliveries = Array.from({ length: 100 }, (_, i) =>
    makeDelivery({ requestId, recipient: `+1555${String(2_000_000 + i).padStart(7, '0')}` }),
  );
  const first = deliveries[0] as Delivery;
  await new RedisStatusStore(redis, { keyPrefix, retentionSeconds: 3_600 }).recordAccepted({
    requestId,
    clientId: first.clientId,
    acceptedAt: first.acceptedAt,
    recipients: deliveries.map((d) => ({
      deliveryId: d.deliveryId,
      recipient: d.recipient,
      state: 'queued',
      updatedAt: d.acceptedAt,
    })),
  });
  const producer = testKafka('herald-test-crash').producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: deliveries.map(encodeDelivery) });
  await producer.disconnect();
  return deliveries;
}

function vendorLog(requestId: string): VendorDelivery[] {
  try {
    return readFileSync(logPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as VendorDelivery)
      .filter((entry) => entry.requestId === requestId);
  } catch {
    return [];
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function deadLetterCount(): Promise<number> {
  const admin = testKafka('herald-test-crash-admin').admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(deadLetterTopic);
  await admin.disconnect();
  return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
}

describe('a dispatch invocation killed mid-batch, with the dev stage lease and retry settings', () => {
  it('redelivers the batch once the lease ends: each recipient once, nothing dead-lettered, calls cut by the kill held', async () => {
    // Prepare
    const deliveries = await acceptRequest();
    const requestId = (deliveries[0] as Delivery).requestId;
    const fn = new FunctionProcess({
      functionName: 'herald-dispatch',
      modulePath: handlerModule,
      timeoutMs: TIMEOUT_MS,
      environment: functionEnvironment(),
      log: () => undefined,
    });
    const deployed = deployedEsmConfig(topic, deadLetterTopic);
    const outcomes: Array<{ records: number; failed: boolean }> = [];
    let killedAt = -1;
    let sentBeforeKill = 0;
    const esm = await startMskEventSourceMapping({
      brokers: testEngines().kafkaBrokers,
      config: {
        ...deployed,
        consumerGroupId: uniqueName('crash-dispatch'),
        maximumBatchingWindowMs: scaled(devStage.dispatch.maxBatchingWindowSeconds * 1_000),
        retryBackoffMs: { initial: scaled(500), max: scaled(10_000) },
      },
      invoke: async (event) => {
        const outcome = await fn.invoke(event);
        const failures =
          outcome.kind === 'success'
            ? (outcome.payload as { batchItemFailures: unknown[] }).batchItemFailures.length
            : 0;
        const records = Object.values(event.records).flat().length;
        outcomes.push({ records, failed: outcome.kind === 'error' || failures > 0 });
        return outcome;
      },
      log: () => undefined,
    });

    try {
      // Act: kill the execution environment while the batch is being sent.
      await waitFor(() => vendorLog(requestId).length >= 30, 20_000, 'sends before the kill');
      killedAt = outcomes.length;
      sentBeforeKill = vendorLog(requestId).length;
      process.kill(fn.pid as number, 'SIGKILL');
      await waitFor(() => outcomes.at(-1)?.failed === false, 30_000, 'the batch settled');
      // Why wait on: a duplicate would come after the last expected send, not before.
      await sleep(1_000);
    } finally {
      await esm.stop(() => fn.stop());
    }

    // Assess
    expect(deployed.maximumRetryAttempts).toBe(devStage.dispatch.retryAttempts);
    expect(sentBeforeKill).toBeLessThan(100);
    expect(outcomes[killedAt]).toMatchObject({ failed: true });
    const retriesOfFailures = outcomes.slice(killedAt + 1).filter((outcome) => outcome.failed);
    expect(retriesOfFailures.length).toBeLessThan(RETRIES_PER_CRASH);
    // The vendors are not idempotent: nobody in their log twice means nothing was ever sent twice.
    const log = vendorLog(requestId);
    const counts = sendCounts(log);
    expect([...counts.values()].filter((count) => count > 1)).toEqual([]);
    expect(vendors.reduce((sum, vendor) => sum + vendor.repeatCount(), 0)).toBe(0);
    expect(await deadLetterCount()).toBe(0);
    const statuses = new RedisStatusStore(redis, { keyPrefix, retentionSeconds: 3_600 });
    const status = await statuses.read(requestId, (deliveries[0] as Delivery).clientId);
    // What the dead invocation had settled was marked at once; what it had not started, the
    // redelivery sent: both are `sent`, once each in the log. Only the calls the kill cut off (at most
    // the vendors' concurrency, 3 × 16) are held as `maybe-sent` at their vendor — delivered or not,
    // never twice (policy hold): every delivery has a final state, none is lost without one.
    const recipients = status?.recipients ?? [];
    expect(recipients).toHaveLength(100);
    const held = recipients.filter((r) => r.state === 'maybe-sent');
    const sent = recipients.filter((r) => r.state === 'sent');
    expect(held.length + sent.length).toBe(100);
    expect(held.length).toBeLessThanOrEqual(48);
    for (const recipient of held) expect(recipient.vendor).toMatch(/^sms-[abc]$/);
    for (const recipient of sent) expect(counts.get(recipient.deliveryId)).toBe(1);
    console.log(
      `crash mid-batch: ${sentBeforeKill} sent before the kill, ${sent.length} sent, ${held.length} held maybe-sent, ${log.length} in the vendor log`,
    );
  }, 40_000);
});
