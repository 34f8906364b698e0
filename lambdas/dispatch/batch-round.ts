/**
 * One round of a batch: given the claims on some deliveries and poison records, dead-letter the
 * claimed poison and route the claimed deliveries concurrently, then mark, release and record
 * statuses for them. A batch runs one round on its first claims and, after waiting out other owners'
 * leases, one more on the re-claimed ids (dispatch-batch.ts).
 */
import type { ClaimResult, CompletionMark } from '../core/dedup.ts';
import { vendorOrder } from '../core/routing.ts';
import { type BatchProblems, completeBatch, deliveryReport } from './batch-completion.ts';
import { type DeliveryRecord, type PoisonRecord, RecordFate, type RecordReport } from './batch-records.ts';
import type { DispatchBatchDeps } from './dispatch-batch.ts';
import { type RouteResult, routeMessage } from './vendor-router.ts';

/** What a round works on. */
export interface RoundWork {
  /** The first record of each distinct delivery in the round. */
  readonly firsts: readonly DeliveryRecord[];
  readonly poison: readonly PoisonRecord[];
  readonly owner: string;
  readonly deps: DispatchBatchDeps;
  /** Side effects that failed, filled in by the round. */
  readonly problems: BatchProblems;
}

async function route(
  record: DeliveryRecord,
  deps: DispatchBatchDeps,
  deadline: AbortSignal,
): Promise<RouteResult> {
  const { delivery } = record;
  const routing = deps.routes[delivery.channel];
  if (!routing) {
    const reason = `no vendors configured for channel ${delivery.channel}`;
    return { kind: 'failed', vendor: '', reason, attempts: [] };
  }
  const message = {
    deliveryId: delivery.deliveryId,
    requestId: delivery.requestId,
    channel: delivery.channel,
    to: delivery.recipient,
    body: delivery.content.body,
    ...(delivery.content.title === undefined ? {} : { title: delivery.content.title }),
    priority: delivery.priority,
  };
  return routeMessage(
    message,
    vendorOrder(routing, delivery.deliveryId),
    deps.vendors,
    deps.ambiguousRetryPolicy,
    deadline,
  );
}

/** The report of a poison record from its claim and whether the dead-letter publish succeeded. */
function poisonReport(
  record: PoisonRecord,
  claim: ClaimResult | undefined,
  isDeadLettered: boolean,
): RecordReport {
  const { id } = record;
  const reason = record.letter.reason;
  if (claim?.outcome === 'duplicate')
    return { id, fate: RecordFate.suppressed, reason: `already dead-lettered: ${reason}` };
  if (claim?.outcome !== 'claimed')
    return { id, fate: RecordFate.retry, reason: 'being handled by another invocation' };
  if (isDeadLettered) return { id, fate: RecordFate.deadLettered, reason };
  return { id, fate: RecordFate.retry, reason: `dead-letter topic unavailable (${reason})` };
}

/**
 * Runs one round and returns a report per dedup id (deliveryId, or the poison record's position id).
 * Never throws: failures of side effects land in `work.problems`.
 */
export async function runRound(
  claims: ReadonlyMap<string, ClaimResult>,
  work: RoundWork,
  deadline: AbortSignal,
): Promise<Map<string, RecordReport>> {
  const { deps, problems } = work;
  const isClaimed = (id: string) => claims.get(id)?.outcome === 'claimed';
  const letters = work.poison.filter((p) => isClaimed(p.dedupId));
  const deadLettered =
    letters.length === 0
      ? Promise.resolve(true)
      : deps.deadLetters.publish(letters.map((p) => p.letter)).then(
          () => true,
          (error: unknown) => {
            problems.deadLetters = error;
            return false;
          },
        );
  const claimed = work.firsts.filter((r) => isClaimed(r.delivery.deliveryId));
  const results = new Map(
    await Promise.all(
      claimed.map(async (r) => [r.delivery.deliveryId, await route(r, deps, deadline)] as const),
    ),
  );
  const isDeadLettered = await deadLettered;

  const reports = new Map<string, RecordReport>();
  for (const record of work.firsts) {
    const id = record.delivery.deliveryId;
    reports.set(id, deliveryReport(record, claims.get(id), results.get(id)));
  }
  const marks: CompletionMark[] = [];
  const releases: string[] = [];
  for (const record of work.poison) {
    reports.set(record.dedupId, poisonReport(record, claims.get(record.dedupId), isDeadLettered));
    if (!isClaimed(record.dedupId)) continue;
    if (isDeadLettered) marks.push({ deliveryId: record.dedupId, kind: 'failed' });
    else releases.push(record.dedupId);
  }
  const deliveryReports = work.firsts.map((r) => reports.get(r.delivery.deliveryId) as RecordReport);
  await completeBatch(deliveryReports, { marks, releases }, work.owner, deps, problems);
  return reports;
}
