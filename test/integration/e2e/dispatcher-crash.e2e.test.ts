/**
 * Crashes in the middle of a large run: the dispatch Lambda's execution environment is killed with
 * SIGKILL several times (the event source mapping redelivers its batch to a fresh environment), and
 * once the dispatcher component itself (the runtime restarts it; its consumer group rebalances).
 * Every recipient must still reach a vendor exactly once, the vendors being ones that honour the
 * Idempotency-Key (the generic mock vendor).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../../local/infra/process-utils.ts';
import { testEngines } from '../../support/engines.ts';
import {
  type E2eRuntime,
  inBatches,
  loggedSends,
  phoneNumbers,
  sendMessage,
  showOutputOnFailure,
  startE2eRuntime,
  tallyDeliveries,
  waitUntilQuiescent,
} from './support/e2e-runtime.ts';

let e2e: E2eRuntime;

beforeAll(async () => {
  const { kafkaBrokers, redisUrl } = testEngines();
  // Why the generic mock vendors: one protocol on every channel. Like the real providers they do not
  // dedupe (a resend is delivered and logged again), so the vendor log shows any recipient sent twice;
  // a kill between a vendor's answer and the mark is caught by the send intent (held maybe-sent).
  e2e = await startE2eRuntime(kafkaBrokers, redisUrl, { vendorSet: 'mock' });
  // Why latency: a slower vendor keeps invocations in flight long enough to be killed mid-batch.
  await Promise.all(
    e2e.runtime.vendors.map((vendor) =>
      fetch(`${vendor.adminUrl}/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: 15 }) }),
    ),
  );
});

afterAll(async () => {
  await e2e?.stop();
});

/** The pid of the dispatch Lambda's current execution environment, once it differs from `not`. */
async function livePid(file: string, not: ReadonlySet<number>, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
    if (pid > 0 && !not.has(pid) && isAlive(pid)) return pid;
    if (Date.now() > deadline) throw new Error('no new dispatch execution environment');
    await sleep(20);
  }
}

describe('the local pipeline under crashes', () => {
  it('delivers every recipient exactly once although the dispatcher is killed -9 mid-run, repeatedly', async () => {
    showOutputOnFailure(e2e as E2eRuntime);
    // Prepare
    const requests = Array.from({ length: 20 }, () => phoneNumbers(100));
    const requestIds = new Set<string>();
    const killed = new Set<number>();

    // Act: send everything, and kill while it is being delivered.
    const accepted = await inBatches(
      requests.map((recipients) => async () => {
        const result = await sendMessage(e2e.runtime.apiUrl, recipients, { idempotencyKey: randomUUID() });
        requestIds.add(result.requestId);
        return result;
      }),
      5,
    );
    for (const threshold of [100, 500, 900]) {
      while (loggedSends(e2e.vendorLogPath, requestIds).length < threshold) await sleep(20);
      const pid = await livePid(e2e.runtime.functionPidFile, killed);
      process.kill(pid, 'SIGKILL');
      killed.add(pid);
    }
    const dispatcherPid = e2e.runtime.components.dispatcher.pid as number;
    while (loggedSends(e2e.vendorLogPath, requestIds).length < 1_200) await sleep(20);
    process.kill(dispatcherPid, 'SIGKILL');
    // Why no count: the calls a kill cuts off are held (maybe-sent) and may never reach a vendor.
    await waitUntilQuiescent(e2e, requestIds, 0, 150_000);

    // Assess
    expect(accepted.map((a) => a.status)).toEqual(Array(20).fill(202));
    expect(killed.size).toBe(3);
    expect(e2e.runtime.components.dispatcher.pid).not.toBe(dispatcherPid);
    const tally = await tallyDeliveries(
      e2e,
      new Map(accepted.map((a, i) => [a.requestId, requests[i] as string[]])),
    );
    console.log(`dispatcher killed 4 times: ${JSON.stringify(tally)}`);
    expect(tally.duplicates).toBe(0);
    expect(tally.unsettled).toEqual([]);
    expect(tally.sentNotOnce).toEqual([]);
    expect(tally.sent + tally.held).toBe(2_000);
    // Held: at most the calls in flight or answered-but-unmarked at each of the 4 kills.
    expect(tally.held).toBeLessThanOrEqual(4 * 2 * 48);
  }, 200_000);
});
