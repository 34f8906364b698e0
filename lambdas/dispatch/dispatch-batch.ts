/**
 * The dispatch use case for one MSK batch. Order matters:
 * 1. sort records into deliveries and poison (nothing external yet);
 * 2. claim every distinct deliveryId in one call — if the dedup store is unreachable this throws and
 *    the whole batch is retried with nothing sent (fail-closed);
 * 3. concurrently: dead-letter the poison, and route every claimed delivery through its vendors
 *    (bounded per vendor by the guards), then mark sent/failed deliveries, release retryable ones and
 *    record statuses (batch-round.ts);
 * 4. meanwhile, ids in flight under another owner whose lease ends within this invocation's wait
 *    budget are waited for and claimed once more; what this re-claim wins goes through step 3 too
 *    (lease-wait.ts says why: a crashed invocation must not cost the mapping's whole retry budget).
 * Records that are still in flight elsewhere, could not be delivered yet, or could not be
 * dead-lettered are returned for retry. A record already marked is suppressed, so a redelivered batch
 * (partial or whole, on-demand mode ignoring batchItemFailures) never sends anything twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimResult } from '../core/dedup.ts';
import type { Channel } from '../core/delivery.ts';
import { batchResponseFor, type KafkaBatchResponse, type MskEvent } from '../core/msk-event.ts';
import type { AmbiguousRetryPolicy, ChannelRoute } from '../core/routing.ts';
import type { DeadLetterSink } from '../ports/dead-letter-sink.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { StatusStore } from '../ports/status-store.ts';
import type { Vendor } from '../ports/vendor.ts';
import type { BatchProblems } from './batch-completion.ts';
import { type DeliveryRecord, idKey, RecordFate, type RecordReport, sortRecords } from './batch-records.ts';
import { type RoundWork, runRound } from './batch-round.ts';
import { type LeaseWait, leasesToWaitFor } from './lease-wait.ts';

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

/** The invocation's time, as a batch needs it; each call reads the time left now. */
export interface BatchTiming {
  /** Aborts when vendor calls must stop starting, for deliveries claimed now. */
  sendDeadline(): AbortSignal;
  /** How long the batch may wait for another owner's lease and still send afterwards (0: not at all). */
  leaseWaitBudgetMs(): number;
}

/** The outcome of one batch. */
export interface BatchReport {
  readonly response: KafkaBatchResponse;
  readonly records: readonly RecordReport[];
  readonly problems: BatchProblems;
  /** Set when the batch waited for other owners' leases and claimed those ids again. */
  readonly leaseWait?: { readonly ids: number; readonly waitedMs: number };
}

/** Waits for the leases in `wait` to run out, claims those ids again and runs a round on the winners. */
async function afterLeases(
  wait: LeaseWait,
  work: RoundWork,
  timing: BatchTiming,
): Promise<Map<string, RecordReport>> {
  await sleep(wait.waitMs);
  const waited = new Set(wait.ids);
  const deadline = timing.sendDeadline();
  let reclaims: ReadonlyMap<string, ClaimResult>;
  try {
    reclaims = await work.deps.dedup.claim(wait.ids, work.owner);
  } catch (error) {
    // Nothing of these was sent: the first round's reports (in flight → retry) stand.
    work.problems.reclaims = error;
    return new Map();
  }
  return runRound(
    reclaims,
    {
      ...work,
      firsts: work.firsts.filter((r) => waited.has(r.delivery.deliveryId)),
      poison: work.poison.filter((p) => waited.has(p.dedupId)),
    },
    deadline,
  );
}

/** Processes one batch; throws only when the first claims cannot be made (then nothing was sent). */
export async function dispatchBatch(
  event: MskEvent,
  owner: string,
  timing: BatchTiming,
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
  // Why the deadline before the claim: the lease starts at the claim, so the send budget must too.
  const deadline = timing.sendDeadline();
  const claims = ids.length > 0 ? await deps.dedup.claim(ids, owner) : new Map<string, ClaimResult>();
  const wait = leasesToWaitFor(claims, timing.leaseWaitBudgetMs());
  const work: RoundWork = { firsts: [...firsts.values()], poison, owner, deps, problems };
  const [first, second] = await Promise.all([
    runRound(claims, work, deadline),
    wait ? afterLeases(wait, work, timing) : new Map<string, RecordReport>(),
  ]);
  // The second round's reports replace the first's "in flight elsewhere" for the ids it re-claimed.
  const byDedupId = new Map([...first, ...second]);

  const reports = new Map<string, RecordReport>();
  for (const p of poison) reports.set(idKey(p.id), byDedupId.get(p.dedupId) as RecordReport);
  for (const record of deliveries) {
    const head = byDedupId.get(record.delivery.deliveryId) as RecordReport;
    if (head.id === record.id) {
      reports.set(idKey(record.id), head);
      continue;
    }
    // A copy of a delivery earlier in this batch follows it: retried with it, or suppressed.
    reports.set(idKey(record.id), {
      id: record.id,
      fate: head.fate === RecordFate.retry ? RecordFate.retry : RecordFate.suppressed,
      deliveryId: head.deliveryId,
      requestId: head.requestId,
      reason: 'same delivery earlier in this batch',
    });
  }
  const records = order.map((id) => reports.get(idKey(id)) as RecordReport);
  const retry = records.filter((r) => r.fate === RecordFate.retry).map((r) => r.id);
  return {
    response: batchResponseFor(retry),
    records,
    problems,
    ...(wait ? { leaseWait: { ids: wait.ids.length, waitedMs: wait.waitMs } } : {}),
  };
}
