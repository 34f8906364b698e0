/**
 * A Redis Cluster primary killed -9 in the middle of a 2,000-delivery run (its own 3 + 3 node cluster,
 * both Lambdas in cluster mode with WAIT for one replica, non-idempotent mock vendors at 15 ms): the
 * cluster promotes the dead primary's replica (the dead node then comes back as its replica, as
 * ElastiCache replaces a failed node), and every recipient reaches a vendor at most once,
 * every delivery ends sent or maybe-sent (calls the failure cut off are held, never sent again),
 * nothing is lost and nothing stays queued. About 30 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterNodes,
  primaryOfSlot,
  slotOfKey,
  waitForPromotion,
} from '../../../local/redis/cluster-operations.ts';
import { type E2eRuntime, showOutputOnFailure } from './support/e2e-runtime.ts';
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

describe('a Redis Cluster primary killed mid-run', () => {
  it('sends every recipient at most once and ends every delivery sent or maybe-sent', async () => {
    showOutputOnFailure(e2e);
    const started = Date.now();
    // Prepare: the primary of the first dedup slot group (`dedup{0}`), so the kill hits dedup keys.
    const slot = await slotOfKey(own.seedPort, 'dedup{0}');
    const victim = await primaryOfSlot(own.seedPort, slot);
    const replica = (await clusterNodes(own.seedPort)).find((node) => node.primaryId === victim.id);
    const victimPid = own.cluster.recordedNodes().find((node) => node.port === victim.port)?.pid;
    expect(replica).toBeDefined();
    expect(victimPid).toBeGreaterThan(0);

    // Act: 2,000 deliveries; kill -9 the primary once 600 have reached a vendor.
    const run = await sendRun(e2e, 20, 100);
    await waitForSends(e2e, run, 600);
    process.kill(victimPid as number, 'SIGKILL');
    const killedAt = Date.now();
    const seedPort = own.cluster.recordedNodes().find((node) => node.port !== victim.port)?.port as number;
    await waitForPromotion(seedPort, (replica as { id: string }).id, slot);
    const promotedAfterMs = Date.now() - killedAt;
    // Why the dead node comes back: WAIT for one replica cannot succeed on a primary without one, so
    // its shard fails closed (claims and marks refused, batches retried) until ElastiCache replaces
    // the failed node; the restarted node rejoins empty as the new primary's replica and syncs.
    own.restartNode(victim.port);
    const sends = await waitUntilSettled(e2e, run, () => noneQueued(e2e, run));

    // Assess
    const judged = judgeSends(run, sends);
    const counts = await summedCounts(e2e, run);
    const metrics = emfTotals(e2e.outputFile);
    const maybeSent = counts['maybe-sent'] ?? 0;
    console.log(
      `redis-cluster-failover: replica promoted ${promotedAfterMs} ms after the kill; ` +
        `${sends.length} sends, ${judged.duplicated.length} recipients twice, ` +
        `sent ${counts.sent}, maybe-sent ${maybeSent} (never sent: ${judged.unsent.length}), failed ${counts.failed}, queued ${counts.queued}; ` +
        `BatchFailed ${metrics.get('BatchFailed') ?? 0}, MarksWriteFailed ${metrics.get('MarksWriteFailed') ?? 0}, ` +
        `DeliveryMaybeSent ${metrics.get('DeliveryMaybeSent') ?? 0}; ${Math.round((Date.now() - started) / 1000)} s`,
    );
    expect(run.statuses).toEqual(Array(20).fill(202));
    expect(judged.duplicated).toEqual([]);
    expect(judged.unexpected).toEqual([]);
    expect(counts).toMatchObject({ total: 2_000, queued: 0, failed: 0, suppressed: 0 });
    expect((counts.sent ?? 0) + maybeSent).toBe(2_000);
    // Nothing lost: every delivery not held as maybe-sent reached a vendor.
    expect(judged.unsent.length).toBeLessThanOrEqual(maybeSent);
  }, 180_000);
});
