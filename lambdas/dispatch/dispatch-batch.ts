/**
 * The dispatch use case for one MSK batch, step by step; each step lives in the file named after it:
 * 1. prepare (prepare.ts): sort records into deliveries and poison; nothing external yet.
 * 2. claim (claim.ts): first the marks an earlier batch of this container could not write, then a lease
 *    on every distinct dedup id in one call; if the dedup store is unreachable this throws and the whole
 *    batch is retried with nothing sent (fail-closed).
 * 3. send (send.ts): claimed deliveries go through their vendors with failover, each call preceded by
 *    its send intent; claimed poison goes to the dead-letter topic.
 * 4. mark (mark.ts): sent, failed and maybe-sent deliveries are marked, retryable ones released,
 *    statuses written; the deliveries' marks never wait for the dead-letter publish.
 * 5. respond (respond.ts): a report per record and the partial-batch response.
 * Steps 3–4 form a round. Ids in flight under another owner whose lease ends within this invocation's
 * wait budget get a second round, after the wait and a re-claim (lease-wait.ts), alongside the first.
 * Records still in flight elsewhere, not delivered yet, not dead-lettered, or whose mark could not be
 * written are returned for retry. A record already marked is suppressed, so a redelivered batch never
 * sends anything twice.
 */
import type { MskEvent } from '../core/msk-event.ts';
import type {
  BatchProblems,
  BatchReport,
  BatchTiming,
  DispatchBatchDeps,
  RecordReport,
  Round,
} from './batch-types.ts';
import { RecordFate } from './batch-types.ts';
import { claimBatch, reclaimAfterLeases, writeCarriedMarks } from './claim.ts';
import { leasesToWaitFor } from './lease-wait.ts';
import { markDeliveries, markPoison } from './mark.ts';
import { prepareBatch } from './prepare.ts';
import { respond } from './respond.ts';
import { deadLetterPoison, poisonReport, sendDeliveries } from './send.ts';

/**
 * A record whose fate was decided but not made durable (its mark, or the callback its final state
 * owes the client, was not recorded): it must come back.
 */
function notCommitted(report: RecordReport, missing: string): RecordReport {
  if (report.fate === RecordFate.retry) return report;
  const why = 'reason' in report ? report.reason : report.fate;
  const reason = `${why}; ${missing} not recorded yet, so the record is retried`;
  if (report.deliveryId === undefined) return { id: report.id, fate: RecordFate.retry, reason };
  const { id, deliveryId, requestId, statusKeys } = report;
  return { id, deliveryId, requestId, statusKeys, fate: RecordFate.retry, reason };
}

/** Steps 3 and 4 for one round; never throws (side-effect failures land in `problems`). */
async function sendAndMark(
  round: Round,
  owner: string,
  deps: DispatchBatchDeps,
  problems: BatchProblems,
): Promise<Map<string, RecordReport>> {
  const deadLettered = deadLetterPoison(round, deps, problems);
  const [deliveryReports, poisonReports] = await Promise.all([
    sendDeliveries(round, owner, deps).then(async (sent) => ({
      reports: sent.reports,
      unsettled: await markDeliveries(sent, owner, deps, problems),
    })),
    deadLettered.then(async (isDeadLettered) => ({
      reports: round.poison.map((p) => poisonReport(p, round.claims.get(p.dedupId), isDeadLettered)),
      unmarked: await markPoison(round, isDeadLettered, owner, deps, problems),
    })),
  ]);
  const reports = new Map<string, RecordReport>();
  for (const report of deliveryReports.reports) {
    const id = report.deliveryId;
    const missing = deliveryReports.unsettled.get(id);
    reports.set(id, missing === undefined ? report : notCommitted(report, missing));
  }
  round.poison.forEach((p, index) => {
    const report = poisonReports.reports[index] as RecordReport;
    reports.set(p.dedupId, poisonReports.unmarked.has(p.dedupId) ? notCommitted(report, 'mark') : report);
  });
  return reports;
}

/** Processes one batch; throws only when the first claims cannot be made (then nothing was sent). */
export async function dispatchBatch(
  event: MskEvent,
  owner: string,
  timing: BatchTiming,
  deps: DispatchBatchDeps,
): Promise<BatchReport> {
  const batch = prepareBatch(event);
  await writeCarriedMarks(owner, deps);
  // Why the deadline before the claim: the lease starts at the claim, so the send budget must too.
  const deadline = timing.sendDeadline();
  const claims = await claimBatch(batch.ids, owner, deps.dedup);
  const wait = leasesToWaitFor(claims, timing.leaseWaitBudgetMs());
  const problems: BatchProblems = {};
  const first: Round = { claims, firsts: batch.firsts, poison: batch.poison, deadline };
  const [reports, later] = await Promise.all([
    sendAndMark(first, owner, deps, problems),
    wait
      ? reclaimAfterLeases(wait, batch, owner, timing, deps.dedup, problems).then((round) =>
          round ? sendAndMark(round, owner, deps, problems) : new Map<string, RecordReport>(),
        )
      : new Map<string, RecordReport>(),
  ]);
  // The second round's reports replace the first's "in flight elsewhere" for the ids it re-claimed.
  return respond(batch, new Map([...reports, ...later]), problems, wait);
}
