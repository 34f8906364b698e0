/**
 * The dedup slots moved to another primary in the middle of a 2,000-delivery run, as online
 * resharding does (SETSLOT IMPORTING / MIGRATING, MIGRATE a few keys at a time, SETSLOT NODE), on the
 * test's own 3 + 3 node cluster with non-idempotent mock vendors at 15 ms: scripts meet ASK and
 * TRYAGAIN while a slot is half moved, and still no recipient is sent twice and every delivery ends
 * final. About 35-45 s (the move itself about 15 s).
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNodes, moveSlot, primaryOfSlot, slotOfKey } from '../../../local/redis/cluster-operations.ts';
import { type E2eRuntime, loggedSends, showOutputOnFailure } from './support/e2e-runtime.ts';
import {
  type ClusterRuntime,
  emfTotals,
  judgeSends,
  noneQueued,
  type OwnCluster,
  sendRun,
  startClusterRuntime,
  summedCounts,
  waitForSends,
  waitUntilSettled,
} from './support/redis-failure.ts';

const FILLER_KEYS = 25;

let run: ClusterRuntime | undefined;
let own: OwnCluster;
let e2e: E2eRuntime;

beforeAll(async () => {
  run = await startClusterRuntime();
  ({ own, e2e } = run);
}, 60_000);

afterAll(async () => {
  await run?.stop();
});

describe('dedup slots moved to another primary mid-run', () => {
  it('sends no recipient twice and ends every delivery final', async () => {
    showOutputOnFailure(e2e);
    const started = Date.now();
    // Prepare: the 16 dedup slot groups (`<prefix>dedup{0..f}`, lambdas/adapters/redis-dedup-store.ts)
    // hash by their tag alone; every one not on the target primary moves there.
    const slots = await Promise.all(
      [...Array(16).keys()].map((g) => slotOfKey(own.seedPort, `dedup{${g.toString(16)}}`)),
    );
    const primaries = (await clusterNodes(own.seedPort)).filter((node) => node.isPrimary);
    const target = primaries[0] as (typeof primaries)[number];
    const owners = await Promise.all(slots.map((slot) => primaryOfSlot(own.seedPort, slot)));
    const toMove = slots.filter((_, i) => owners[i]?.id !== target.id);
    expect(toMove.length).toBeGreaterThan(0);
    // Why filler keys in the same slots: how many dedup keys a slot holds depends on the moment, so
    // a slot could move in a few ms; FILLER_KEYS keys MIGRATEd one by one hold each slot half moved
    // for about a second, while batches run.
    const cluster = new Cluster([{ host: '127.0.0.1', port: own.seedPort }]);
    try {
      await Promise.all(
        [...Array(16).keys()].flatMap((g) =>
          Array.from({ length: FILLER_KEYS }, (_, i) => cluster.set(`filler{${g.toString(16)}}:${i}`, 'x')),
        ),
      );
    } finally {
      cluster.disconnect();
    }

    // Act: 2,000 deliveries; once 400 reached a vendor, move the slots one by one, one key per MIGRATE
    // 40 ms apart, so batches meet slots half moved.
    const run = await sendRun(e2e, 20, 100);
    await waitForSends(e2e, run, 400);
    const moveStarted = Date.now();
    const sendsBeforeMove = loggedSends(e2e.vendorLogPath, run.requestIds).length;
    for (const slot of toMove) await moveSlot(own.seedPort, slot, target.id, { batchKeys: 1, pauseMs: 40 });
    const moveMs = Date.now() - moveStarted;
    const sendsDuringMove = loggedSends(e2e.vendorLogPath, run.requestIds).length - sendsBeforeMove;
    const sends = await waitUntilSettled(e2e, run, () => noneQueued(e2e, run));

    // Assess
    const judged = judgeSends(run, sends);
    const counts = await summedCounts(e2e, run);
    const metrics = emfTotals(e2e.outputFile);
    const maybeSent = counts['maybe-sent'] ?? 0;
    const ownersAfter = await Promise.all(slots.map((slot) => primaryOfSlot(own.seedPort, slot)));
    console.log(
      `redis-cluster-reshard: moved ${toMove.length} dedup slots in ${moveMs} ms ` +
        `(${sendsDuringMove} sends meanwhile); ${sends.length} sends, ${judged.duplicated.length} recipients twice, ` +
        `sent ${counts.sent}, maybe-sent ${maybeSent} (never sent: ${judged.unsent.length}), failed ${counts.failed}, queued ${counts.queued}; ` +
        `BatchFailed ${metrics.get('BatchFailed') ?? 0}, MarksWriteFailed ${metrics.get('MarksWriteFailed') ?? 0}; ` +
        `${Math.round((Date.now() - started) / 1000)} s`,
    );
    // The move overlapped the run: batches met half-moved slots.
    expect(sendsDuringMove).toBeGreaterThan(0);
    expect(ownersAfter.every((node) => node.id === target.id)).toBe(true);
    expect(run.statuses).toEqual(Array(20).fill(202));
    expect(judged.duplicated).toEqual([]);
    expect(judged.unexpected).toEqual([]);
    expect(counts).toMatchObject({ total: 2_000, queued: 0, failed: 0, suppressed: 0 });
    expect((counts.sent ?? 0) + maybeSent).toBe(2_000);
    expect(judged.unsent.length).toBeLessThanOrEqual(maybeSent);
  }, 180_000);
});
