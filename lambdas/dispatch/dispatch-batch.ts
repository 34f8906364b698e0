/**
 * The dispatch use case for one MSK batch. Order matters:
 * 1. sort records into deliveries and poison (nothing external yet);
 * 2. claim every distinct deliveryId in one call — if the dedup store is unreachable this throws and
 *    the whole batch is retried with nothing sent (fail-closed);
 * 3. concurrently: dead-letter the poison, and route every claimed delivery through its vendors
 *    (bounded per vendor by the guards);
 * 4. mark sent/failed deliveries and release retryable ones (one call each), record statuses.
 * Records that are in flight elsewhere, could not be delivered yet, or could not be dead-lettered are
 * returned for retry. A record already marked is suppressed, so a redelivered batch (partial or whole,
 * on-demand mode ignoring batchItemFailures) never sends anything twice.
 */
import type { ClaimResult, CompletionMark } from '../core/dedup.ts';
import type { Channel } from '../core/delivery.ts';
import { batchResponseFor, type KafkaBatchResponse, type MskEvent } from '../core/msk-event.ts';
import { type AmbiguousRetryPolicy, type ChannelRoute, vendorOrder } from '../core/routing.ts';
import type { DeadLetterSink } from '../ports/dead-letter-sink.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { StatusStore } from '../ports/status-store.ts';
import type { Vendor } from '../ports/vendor.ts';
import { type BatchProblems, completeBatch, deliveryReport } from './batch-completion.ts';
import { type DeliveryRecord, idKey, RecordFate, type RecordReport, sortRecords } from './batch-records.ts';
import { type RouteResult, routeMessage } from './vendor-router.ts';

/** What the use case needs. */
export interface DispatchBatchDeps {
  readonly dedup: DedupStore;
  readonly deadLetters: DeadLetterSink;
  readonly statuses: StatusStore;
  readonly vendors: ReadonlyMap<string, Vendor>;
  readonly routes: Readonly<Partial<Record<Channel, ChannelRoute>>>;
  readonly ambiguousRetryPolicy: AmbiguousRetryPolicy;
  readonly clock: () => Date;
}

/** The outcome of one batch. */
export interface BatchReport {
  readonly response: KafkaBatchResponse;
  readonly records: readonly RecordReport[];
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

/** Processes one batch; throws only when the claims cannot be made (then nothing was sent). */
export async function dispatchBatch(
  event: MskEvent,
  owner: string,
  deadline: AbortSignal,
  deps: DispatchBatchDeps,
): Promise<BatchReport> {
  const { deliveries, poison, order } = sortRecords(event);
  const problems: BatchProblems = {};
  const firsts = new Map<string, DeliveryRecord>();
  for (const record of deliveries) {
    if (!firsts.has(record.delivery.deliveryId)) firsts.set(record.delivery.deliveryId, record);
  }
  // Poison is claimed by record position too, so a redelivered poison record is not dead-lettered twice.
  const ids = [...firsts.keys(), ...poison.map((p) => p.dedupId)];
  const claims = ids.length > 0 ? await deps.dedup.claim(ids, owner) : new Map<string, ClaimResult>();
  const isClaimed = (id: string) => claims.get(id)?.outcome === 'claimed';

  const letters = poison.filter((p) => isClaimed(p.dedupId));
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
  const claimed = [...firsts.values()].filter((r) => isClaimed(r.delivery.deliveryId));
  const results = new Map(
    await Promise.all(
      claimed.map(async (r) => [r.delivery.deliveryId, await route(r, deps, deadline)] as const),
    ),
  );
  const isDeadLettered = await deadLettered;

  const firstReports = new Map(
    [...firsts.values()].map((r) => [
      r.delivery.deliveryId,
      deliveryReport(r, claims.get(r.delivery.deliveryId), results.get(r.delivery.deliveryId)),
    ]),
  );
  const reports = new Map<string, RecordReport>();
  const poisonMarks: CompletionMark[] = [];
  const poisonReleases: string[] = [];
  for (const p of poison) {
    const claim = claims.get(p.dedupId);
    const reason = p.letter.reason;
    if (claim?.outcome === 'duplicate') {
      reports.set(idKey(p.id), {
        id: p.id,
        fate: RecordFate.suppressed,
        reason: `already dead-lettered: ${reason}`,
      });
    } else if (claim?.outcome !== 'claimed') {
      reports.set(idKey(p.id), {
        id: p.id,
        fate: RecordFate.retry,
        reason: 'being handled by another invocation',
      });
    } else if (isDeadLettered) {
      reports.set(idKey(p.id), { id: p.id, fate: RecordFate.deadLettered, reason });
      poisonMarks.push({ deliveryId: p.dedupId, kind: 'failed' });
    } else {
      reports.set(idKey(p.id), {
        id: p.id,
        fate: RecordFate.retry,
        reason: `dead-letter topic unavailable (${reason})`,
      });
      poisonReleases.push(p.dedupId);
    }
  }
  for (const record of deliveries) {
    const first = firstReports.get(record.delivery.deliveryId) as RecordReport;
    if (first.id === record.id) {
      reports.set(idKey(record.id), first);
      continue;
    }
    // A copy of a delivery earlier in this batch follows it: retried with it, or suppressed.
    reports.set(idKey(record.id), {
      id: record.id,
      fate: first.fate === RecordFate.retry ? RecordFate.retry : RecordFate.suppressed,
      deliveryId: first.deliveryId,
      requestId: first.requestId,
      reason: 'same delivery earlier in this batch',
    });
  }

  await completeBatch(
    [...firstReports.values()],
    { marks: poisonMarks, releases: poisonReleases },
    owner,
    deps,
    problems,
  );
  const records = order.map((id) => reports.get(idKey(id)) as RecordReport);
  const retry = records.filter((r) => r.fate === RecordFate.retry).map((r) => r.id);
  return { response: batchResponseFor(retry), records, problems };
}
