/**
 * Step 5 of a batch, respond: every record of the event gets its report, in event order, and the
 * records to retry make the partial-batch response. A copy of a delivery that appeared earlier in the
 * batch follows that first record: retried with it, or suppressed.
 */
import { batchResponseFor } from '../core/msk-event.ts';
import type { BatchProblems, BatchReport, PreparedBatch, RecordReport } from './batch-types.ts';
import { idKey, RecordFate } from './batch-types.ts';
import type { LeaseWait } from './lease-wait.ts';

/** The batch report from the reports of every round, by dedup id (later rounds already merged in). */
export function respond(
  batch: PreparedBatch,
  byDedupId: ReadonlyMap<string, RecordReport>,
  problems: BatchProblems,
  wait: LeaseWait | undefined,
): BatchReport {
  const reports = new Map<string, RecordReport>();
  const reportOf = (dedupId: string): RecordReport => {
    const report = byDedupId.get(dedupId);
    if (!report) throw new Error(`no report for dedup id ${dedupId}`);
    return report;
  };
  for (const p of batch.poison) reports.set(idKey(p.id), reportOf(p.dedupId));
  for (const record of batch.deliveries) {
    const head = reportOf(record.delivery.deliveryId);
    if (head.deliveryId === undefined || idKey(head.id) === idKey(record.id)) {
      reports.set(idKey(record.id), head);
      continue;
    }
    reports.set(idKey(record.id), {
      id: record.id,
      fate: head.fate === RecordFate.retry ? RecordFate.retry : RecordFate.suppressed,
      deliveryId: head.deliveryId,
      requestId: head.requestId,
      statusKeys: head.statusKeys,
      reason: 'same delivery earlier in this batch',
    });
  }
  const records = batch.order.map((id) => reports.get(idKey(id)) as RecordReport);
  const retry = records.filter((r) => r.fate === RecordFate.retry).map((r) => r.id);
  return {
    response: batchResponseFor(retry),
    records,
    problems,
    ...(wait ? { leaseWait: { ids: wait.ids.length, waitedMs: wait.waitMs } } : {}),
  };
}
