/**
 * The end of a batch: what each delivery's claim and routing add up to, and the bookkeeping after
 * sending — marks for sent and failed deliveries, releases for retryable ones, status updates.
 */
import type { ClaimResult, CompletionMark } from '../core/dedup.ts';
import type { StatusUpdate } from '../ports/status-store.ts';
import { type DeliveryRecord, RecordFate, type RecordReport } from './batch-records.ts';
import type { DispatchBatchDeps } from './dispatch-batch.ts';
import type { RouteResult } from './vendor-router.ts';

/** Side effects that failed without failing the batch (logged by the app). */
export interface BatchProblems {
  deadLetters?: unknown;
  marks?: unknown;
  releases?: unknown;
  statuses?: unknown;
  /** The claim after waiting out other owners' leases failed; those records are retried. */
  reclaims?: unknown;
}

/** The report of a delivery's first record from its claim and, if it was claimed, its routing. */
export function deliveryReport(
  record: DeliveryRecord,
  claim: ClaimResult | undefined,
  result: RouteResult | undefined,
): RecordReport {
  const base = {
    id: record.id,
    deliveryId: record.delivery.deliveryId,
    requestId: record.delivery.requestId,
  };
  if (claim?.outcome === 'duplicate') {
    const reason = `duplicate of a delivery already ${claim.mark}`;
    return { ...base, fate: RecordFate.suppressed, reason, mark: claim.mark };
  }
  if (claim?.outcome !== 'claimed' || !result)
    return { ...base, fate: RecordFate.retry, reason: 'being delivered by another invocation' };
  if (result.kind === 'sent')
    return { ...base, fate: RecordFate.sent, vendor: result.vendor, attempts: result.attempts };
  if (result.kind === 'failed') {
    return {
      ...base,
      fate: RecordFate.failed,
      reason: result.reason,
      attempts: result.attempts,
      ...(result.vendor ? { vendor: result.vendor } : {}),
    };
  }
  return { ...base, fate: RecordFate.retry, reason: result.reason, attempts: result.attempts };
}

/** Marks, releases and status updates for each distinct delivery; failures become problems, never retries. */
export async function completeBatch(
  reports: readonly RecordReport[],
  extra: { readonly marks: readonly CompletionMark[]; readonly releases: readonly string[] },
  owner: string,
  deps: Pick<DispatchBatchDeps, 'dedup' | 'statuses' | 'clock'>,
  problems: BatchProblems,
): Promise<void> {
  const at = deps.clock().toISOString();
  const marks: CompletionMark[] = [...extra.marks];
  const releases: string[] = [...extra.releases];
  const updates: StatusUpdate[] = [];
  for (const report of reports) {
    const { deliveryId = '', requestId = '' } = report;
    if (report.fate === RecordFate.sent) {
      marks.push({ deliveryId, kind: 'sent' });
      updates.push({ requestId, deliveryId, state: 'sent', vendor: report.vendor as string, at });
    } else if (report.fate === RecordFate.failed) {
      marks.push({ deliveryId, kind: 'failed' });
      updates.push({
        requestId,
        deliveryId,
        state: 'failed',
        reason: report.reason as string,
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
