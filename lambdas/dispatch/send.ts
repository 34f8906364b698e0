/**
 * Step 3 of a batch, send: what a round claimed goes out. Claimed deliveries go through their
 * channel's vendors with failover (failover.ts), bounded per vendor by the guards; claimed poison goes
 * to the dead-letter topic, concurrently. Gives each record of the round its report.
 */
import type { ClaimResult } from '../core/dedup.ts';
import { vendorOrder } from '../core/routing.ts';
import type {
  BatchProblems,
  DeliveryRecord,
  DeliveryReport,
  DispatchBatchDeps,
  PoisonRecord,
  PoisonReport,
  RecordReport,
  Round,
  SendResult,
} from './batch-types.ts';
import { RecordFate } from './batch-types.ts';
import { sendWithFailover } from './failover.ts';

/** What a round sent: a report per dedup id, and whether the claimed poison reached the dead-letter topic. */
export interface SentRound {
  readonly reports: Map<string, RecordReport>;
  readonly deliveryReports: readonly DeliveryReport[];
  readonly isDeadLettered: boolean;
}

async function sendDelivery(
  record: DeliveryRecord,
  deps: DispatchBatchDeps,
  deadline: AbortSignal,
): Promise<SendResult> {
  const { delivery } = record;
  const tiers = deps.routes[delivery.channel];
  if (!tiers) {
    const reason = `no vendors configured for channel ${delivery.channel}`;
    return { kind: 'failed', reason, attempts: [] };
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
  return sendWithFailover(
    message,
    vendorOrder(tiers, delivery.deliveryId),
    deps.vendors,
    deps.ambiguousRetryPolicy,
    deadline,
  );
}

/** The report of a delivery's first record from its claim and, if it was claimed, how sending ended. */
export function deliveryReport(
  record: DeliveryRecord,
  claim: ClaimResult | undefined,
  result: SendResult | undefined,
): DeliveryReport {
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

/** The report of a poison record from its claim and whether the dead-letter publish succeeded. */
function poisonReport(
  record: PoisonRecord,
  claim: ClaimResult | undefined,
  isDeadLettered: boolean,
): PoisonReport {
  const { id } = record;
  const reason = record.letter.reason;
  if (claim?.outcome === 'duplicate')
    return { id, fate: RecordFate.suppressed, reason: `already dead-lettered: ${reason}` };
  if (claim?.outcome !== 'claimed')
    return { id, fate: RecordFate.retry, reason: 'being handled by another invocation' };
  if (isDeadLettered) return { id, fate: RecordFate.deadLettered, reason };
  return { id, fate: RecordFate.retry, reason: `dead-letter topic unavailable (${reason})` };
}

/** Runs `work` on every item, at most `limit` at a time. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Sends what `round` claimed; never throws (a failed dead-letter publish lands in `problems`). */
export async function sendRound(
  round: Round,
  deps: DispatchBatchDeps,
  problems: BatchProblems,
): Promise<SentRound> {
  const isClaimed = (id: string) => round.claims.get(id)?.outcome === 'claimed';
  const letters = round.poison.filter((p) => isClaimed(p.dedupId));
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
  const claimed = round.firsts.filter((r) => isClaimed(r.delivery.deliveryId));
  const results = new Map<string, SendResult>();
  await inParallel(claimed, deps.maxInFlightSends, async (r) => {
    results.set(r.delivery.deliveryId, await sendDelivery(r, deps, round.deadline));
  });
  const isDeadLettered = await deadLettered;

  const reports = new Map<string, RecordReport>();
  const deliveryReports = round.firsts.map((record) => {
    const id = record.delivery.deliveryId;
    const report = deliveryReport(record, round.claims.get(id), results.get(id));
    reports.set(id, report);
    return report;
  });
  for (const record of round.poison) {
    reports.set(record.dedupId, poisonReport(record, round.claims.get(record.dedupId), isDeadLettered));
  }
  return { reports, deliveryReports, isDeadLettered };
}
