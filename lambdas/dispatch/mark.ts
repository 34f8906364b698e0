/**
 * Step 4 of a batch, mark: record the fate of what a round sent. Most deliveries were marked already,
 * coalesced, the moment their fate was known (send.ts); this step writes the rest. Sent, failed and maybe-sent deliveries
 * and dead-lettered poison are marked (never sent again within the dedup window); deliveries to retry
 * and poison that could not be dead-lettered are released (claimable again at once; a delivery possibly
 * sent keeps its intent, so it stays pinned); every delivery's status is written.
 *
 * A mark is durable before its record may be committed: a failed mark is tried again within the
 * invocation, and if it still cannot be written the record is retried, not committed, and the mark is
 * kept in this container for the next batch to write first (claim.ts). Should the container die
 * instead, the send intent (cleared only by the mark) makes the redelivery treat the delivery as
 * possibly sent: it is never sent blindly again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReachedState } from '../callbacks/callback-notifier.ts';
import type { DeliveryMark } from '../core/dedup.ts';
import type { StatusUpdate } from '../ports/status-store.ts';
import type { BatchProblems, DispatchBatchDeps, Round } from './batch-types.ts';
import { RecordFate } from './batch-types.ts';
import type { SentDeliveries } from './send.ts';

/** Waits before each extra try of a store write; short, since the claims' leases are still running. */
const STORE_RETRY_DELAYS_MS = [50, 200, 800];

/** Runs `write`, trying again after each delay; throws the last error. */
async function withRetries(write: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const delay = STORE_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw error;
      await sleep(delay);
    }
  }
}

/** Writes marks, keeping the ones that failed for the next batch; returns the ids not marked. */
async function writeMarks(
  marks: readonly DeliveryMark[],
  owner: string,
  deps: Pick<DispatchBatchDeps, 'dedup' | 'unmarked'>,
  problems: BatchProblems,
): Promise<ReadonlySet<string>> {
  if (marks.length === 0) return new Set();
  try {
    await withRetries(() => deps.dedup.mark(marks, owner));
    return new Set();
  } catch (error) {
    problems.marks = error;
    for (const mark of marks) deps.unmarked.set(mark.deliveryId, mark);
    return new Set(marks.map((mark) => mark.deliveryId));
  }
}

/** Releases deliveries to retry; a failure is a problem only (their leases run out on their own). */
async function writeReleases(
  ids: readonly string[],
  options: { readonly keepIntents: boolean },
  owner: string,
  deps: Pick<DispatchBatchDeps, 'dedup'>,
  problems: BatchProblems,
): Promise<void> {
  if (ids.length === 0) return;
  try {
    await withRetries(() => deps.dedup.release(ids, owner, options));
  } catch (error) {
    problems.releases = error;
  }
}

/**
 * Tells the callback notifier the states deliveries reached here (`failed`: a callback is owed;
 * `sent`: one will be, on its receipt or, failing that, after the receipt timeout); returns the ids
 * it could not record. Why a delivery already marked is told again: its earlier invocation may have
 * marked it and then failed to tell (the record was retried for that). A callback's event id is stable
 * (deliveryId and state), so the client can drop a repeat; that copy has no reason or vendor, which
 * the earlier invocation knew and this one does not.
 */
async function queueCallbacks(
  reached: readonly ReachedState[],
  deps: Pick<DispatchBatchDeps, 'callbacks'>,
  problems: BatchProblems,
): Promise<readonly string[]> {
  if (!deps.callbacks || reached.length === 0) return [];
  try {
    await withRetries(() => deps.callbacks?.notify(reached) ?? Promise.resolve());
    return [];
  } catch (error) {
    problems.callbacks = error;
    return reached.map((r) => r.deliveryId);
  }
}

/**
 * Marks, releases, status updates and final-state callbacks for the round's deliveries. Returns the
 * deliveries whose fate is not durable, with what is missing (their mark, or their callback): their
 * records must be retried.
 */
export async function markDeliveries(
  sent: SentDeliveries,
  owner: string,
  deps: Pick<DispatchBatchDeps, 'dedup' | 'statuses' | 'clock' | 'unmarked' | 'callbacks'>,
  problems: BatchProblems,
): Promise<ReadonlyMap<string, string>> {
  const { reports } = sent;
  const at = deps.clock().toISOString();
  const marks: DeliveryMark[] = [];
  const releases: string[] = [];
  const pinned: string[] = [];
  const updates: StatusUpdate[] = [];
  const reached: ReachedState[] = [];
  for (const report of reports) {
    const { deliveryId, requestId, statusKeys } = report;
    const { clientId } = statusKeys;
    if (report.fate === RecordFate.sent) {
      marks.push({ deliveryId, kind: 'sent' });
      updates.push({ ...statusKeys, state: 'sent', vendor: report.vendor, at });
      reached.push({ clientId, requestId, deliveryId, state: 'sent', vendor: report.vendor, at });
    } else if (report.fate === RecordFate.maybeSent) {
      marks.push({ deliveryId, kind: 'maybe-sent' });
      const { vendor, reason } = report;
      updates.push({ ...statusKeys, state: 'maybe-sent', vendor, reason, at });
    } else if (report.fate === RecordFate.failed) {
      marks.push({ deliveryId, kind: 'failed' });
      const vendor = report.vendor ? { vendor: report.vendor } : {};
      reached.push({
        clientId,
        requestId,
        deliveryId,
        state: 'failed',
        reason: report.reason,
        ...vendor,
        at,
      });
      updates.push({
        ...statusKeys,
        state: 'failed',
        reason: report.reason,
        at,
        ...(report.vendor ? { vendor: report.vendor } : {}),
      });
    } else if (report.fate === RecordFate.suppressed) {
      // Why the mark's state and not `suppressed`: the invocation that marked the delivery may have died
      // before its own status write landed (the mark and the status are separate writes, on separate
      // shards in cluster mode), and then this redelivery is the delivery's only status write. Without
      // vendor or reason, it keeps those of an earlier write of the same state (status-precedence.ts).
      updates.push({ ...statusKeys, state: report.mark ?? 'suppressed', at });
      if (report.mark === 'failed' || report.mark === 'sent')
        reached.push({ clientId, requestId, deliveryId, state: report.mark, at });
    } else if (report.fate === RecordFate.retry && report.attempts) {
      (report.isPossiblySent ? pinned : releases).push(deliveryId);
    }
  }
  const [unmarked, unnotified] = await Promise.all([
    writeMarks(
      marks.filter((mark) => !sent.marked.has(mark.deliveryId)),
      owner,
      deps,
      problems,
    ),
    queueCallbacks(reached, deps, problems),
    writeReleases(releases, { keepIntents: false }, owner, deps, problems),
    writeReleases(pinned, { keepIntents: true }, owner, deps, problems),
    updates.length > 0
      ? deps.statuses.recordUpdates(updates).catch((error: unknown) => {
          problems.statuses = error;
        })
      : undefined,
  ]);
  const unsettled = new Map<string, string>(unnotified.map((id) => [id, 'final-state callback']));
  for (const id of unmarked) unsettled.set(id, 'mark');
  return unsettled;
}

/** Marks the round's dead-lettered poison, or releases it when the publish failed. */
export async function markPoison(
  round: Round,
  isDeadLettered: boolean,
  owner: string,
  deps: Pick<DispatchBatchDeps, 'dedup' | 'unmarked'>,
  problems: BatchProblems,
): Promise<ReadonlySet<string>> {
  const claimed = round.poison
    .filter((p) => round.claims.get(p.dedupId)?.outcome === 'claimed')
    .map((p) => p.dedupId);
  if (!isDeadLettered) {
    await writeReleases(claimed, { keepIntents: false }, owner, deps, problems);
    return new Set();
  }
  const marks = claimed.map((deliveryId) => ({ deliveryId, kind: 'failed' as const }));
  return writeMarks(marks, owner, deps, problems);
}
