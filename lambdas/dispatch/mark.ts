/**
 * Step 4 of a batch, mark: record the fate of what a round sent. Sent and failed deliveries and
 * dead-lettered poison are marked (never sent again within the dedup window), deliveries to retry and
 * poison that could not be dead-lettered are released (claimable again at once), and every delivery's
 * status is written.
 */
import type { CompletionMark } from '../core/dedup.ts';
import type { StatusUpdate } from '../ports/status-store.ts';
import type { BatchProblems, DispatchBatchDeps, Round } from './batch-types.ts';
import { RecordFate } from './batch-types.ts';
import type { SentRound } from './send.ts';

/** Marks, releases and status updates for a round; failures become problems, never retries. */
export async function markRound(
  round: Round,
  sent: SentRound,
  owner: string,
  deps: Pick<DispatchBatchDeps, 'dedup' | 'statuses' | 'clock'>,
  problems: BatchProblems,
): Promise<void> {
  const at = deps.clock().toISOString();
  const marks: CompletionMark[] = [];
  const releases: string[] = [];
  const updates: StatusUpdate[] = [];
  for (const record of round.poison) {
    if (round.claims.get(record.dedupId)?.outcome !== 'claimed') continue;
    if (sent.isDeadLettered) marks.push({ deliveryId: record.dedupId, kind: 'failed' });
    else releases.push(record.dedupId);
  }
  for (const report of sent.deliveryReports) {
    const { deliveryId, requestId } = report;
    if (report.fate === RecordFate.sent) {
      marks.push({ deliveryId, kind: 'sent' });
      updates.push({ requestId, deliveryId, state: 'sent', vendor: report.vendor, at });
    } else if (report.fate === RecordFate.failed) {
      marks.push({ deliveryId, kind: 'failed' });
      updates.push({
        requestId,
        deliveryId,
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
      updates.push({ requestId, deliveryId, state: report.mark ?? 'suppressed', at });
    } else if (report.fate === RecordFate.retry && report.attempts) {
      releases.push(deliveryId);
    }
  }
  // Why a failed mark never turns into a retry: the message went out; retrying would send it twice.
  // The claim stays until its lease expires, so a redelivery in that time is still held off.
  const [marked, released, recorded] = await Promise.allSettled([
    marks.length > 0 ? deps.dedup.complete(marks, owner) : undefined,
    releases.length > 0 ? deps.dedup.release(releases, owner) : undefined,
    updates.length > 0 ? deps.statuses.recordUpdates(updates) : undefined,
  ]);
  if (marked.status === 'rejected') problems.marks = marked.reason;
  if (released.status === 'rejected') problems.releases = released.reason;
  if (recorded.status === 'rejected') problems.statuses = recorded.reason;
}
