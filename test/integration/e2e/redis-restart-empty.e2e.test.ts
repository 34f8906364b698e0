/**
 * The single-node Redis restarted EMPTY in the middle of a 2,000-delivery run (the test's own
 * redis-server, killed -9 and started again 6 s later on the same port with no data; non-idempotent mock vendors
 * at 15 ms). Every claim, send intent and mark is gone, so this is the one failure where Herald may
 * send twice, and the bound is what docs/deploy.md ("Redis lost its data") states:
 *
 *   duplicates ≤ records not yet committed when the data was lost (the consumer lag at the kill),
 *   itself ≤ partitions × batch size (one batch in flight per partition).
 *
 * Why: a committed record is never redelivered, and its later duplicates would need a redelivery; an
 * uncommitted one is redelivered to a Redis that has forgotten its claim and mark, and sent again if
 * its vendor call had already happened. Nothing may be lost: every recipient reaches a vendor and the
 * consumer group ends with no lag. About 30-40 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../../local/infra/process-utils.ts';
import { RedisServer } from '../../../local/redis/redis-launcher.ts';
import { testEngines, testKafka } from '../../support/engines.ts';
import { type E2eRuntime, loggedSends, showOutputOnFailure, startE2eRuntime } from './support/e2e-runtime.ts';
import {
  consumerLag,
  emfTotals,
  judgeSends,
  sendRun,
  setVendorLatency,
  summedCounts,
  waitForSends,
  waitUntilSettled,
} from './support/redis-failure.ts';

const PARTITIONS = 6;
const BATCH_SIZE = 100;
const DOWN_MS = 6_000;

let home: string;
let port: number;
let redis: RedisServer;
let e2e: E2eRuntime;
let admin: Admin;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'herald-redis-restart-'));
  port = await findFreePort();
  redis = new RedisServer({ home, port });
  const { url } = await redis.start();
  const { kafkaBrokers } = testEngines();
  e2e = await startE2eRuntime(kafkaBrokers, url, { vendorSet: 'mock' });
  await setVendorLatency(e2e, 15);
  admin = testKafka('redis-restart-e2e-admin').admin();
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.disconnect();
  await e2e?.stop();
  await redis?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('a single-node Redis restarted empty mid-run', () => {
  it('loses nothing and sends twice at most the records in flight', async () => {
    showOutputOnFailure(e2e);
    const started = Date.now();
    expect(e2e.runtime.esm.batchSize ?? BATCH_SIZE).toBe(BATCH_SIZE);
    const { consumerGroupId } = e2e.runtime;

    // Act: 2,000 deliveries; once 800 reached a vendor, kill -9 Redis and start it again, empty, 6 s later.
    const run = await sendRun(e2e, 20, 100);
    await waitForSends(e2e, run, 800);
    const lagAtKill = await consumerLag(admin, consumerGroupId, e2e.deliveriesTopic);
    const sendsAtKill = loggedSends(e2e.vendorLogPath, run.requestIds).length;
    const { pid } = await redis.start(); // reuses the running server: its pid
    process.kill(pid, 'SIGKILL');
    // Why down for 6 s: the Lambdas' client (lambdas/adapters/redis-client.ts) queues commands while
    // disconnected (2 s command timeout, one retry), so a Redis back within ~3 s is partly absorbed
    // and no batch may fail; a node replaced in AWS is gone for minutes.
    await sleep(DOWN_MS);
    await redis.start();
    const sends = await waitUntilSettled(
      e2e,
      run,
      async () => (await consumerLag(admin, consumerGroupId, e2e.deliveriesTopic)) === 0,
    );

    // Assess
    const judged = judgeSends(run, sends);
    const metrics = emfTotals(e2e.outputFile);
    // The local mapping's log of each failed invocation: what Lambda's Errors metric counts in AWS,
    // which the DispatchErrors alarm (lib/observability.ts) reads.
    const failedInvocations = readFileSync(e2e.outputFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"message":"invocation failed"')).length;
    const statuses = await summedCounts(e2e, run).then(
      (counts) => JSON.stringify(counts),
      (error: Error) => error.message,
    );
    const named = [
      'BatchFailed',
      'MarksWriteFailed',
      'StatusesWriteFailed',
      'ReleasesWriteFailed',
      'DeliveryMaybeSent',
    ];
    console.log(
      `redis-restart-empty: killed at ${sendsAtKill} sends with ${lagAtKill} records uncommitted; ` +
        `${sends.length} sends, ${judged.duplicated.length} recipients sent twice (${judged.extraSends} extra sends), ` +
        `bound min(lag ${lagAtKill}, ${PARTITIONS} × ${BATCH_SIZE}); ` +
        `failed invocations ${failedInvocations}, ` +
        `${named.map((name) => `${name} ${metrics.get(name) ?? 0}`).join(', ')}; statuses ${statuses}; ` +
        `${Math.round((Date.now() - started) / 1000)} s`,
    );
    expect(run.statuses).toEqual(Array(20).fill(202));
    // Nothing lost: every delivery reached a vendor, and nothing is left in the topic.
    expect(judged.unsent).toEqual([]);
    expect(judged.unexpected).toEqual([]);
    expect(await consumerLag(admin, consumerGroupId, e2e.deliveriesTopic)).toBe(0);
    // The documented bound on what a Redis that lost its data sends twice.
    expect(judged.extraSends).toBeLessThanOrEqual(Math.min(lagAtKill, PARTITIONS * BATCH_SIZE));
    // What shows it: batches that met the dead Redis failed (BatchFailed, a failed invocation: the
    // DispatchErrors alarm), completed with their marks unwritten (MarksWriteFailed: MarksNotWritten) or
    // with their statuses unwritten (StatusesWriteFailed: StatusesNotWritten); which, depends on where
    // each batch was when Redis went (all three seen, each alone in some 6 s outages).
    const alarmed = ['BatchFailed', 'MarksWriteFailed', 'StatusesWriteFailed'].map(
      (name) => metrics.get(name) ?? 0,
    );
    expect(alarmed.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
    expect(failedInvocations > 0).toBe((metrics.get('BatchFailed') ?? 0) > 0);
  }, 180_000);
});
