/**
 * Step 3 of a batch, send: what a round claimed goes out. Claimed deliveries go through their
 * channel's vendors with failover (failover.ts), at most maxInFlightSends at once and bounded per vendor
 * by the guards, each call preceded by its send intent; claimed poison goes to the dead-letter topic,
 * concurrently and on its own: the deliveries' marks never wait for it.
 */
import type { ClaimResult } from '../core/dedup.ts';
import type { Delivery } from '../core/delivery.ts';
import { statusKeysOf } from '../core/delivery.ts';
import { vendorOrder } from '../core/vendor-tiers.ts';
import type { VendorMessage } from '../ports/vendor.ts';
import type {
  BatchProblems,
  DeliveryRecord,
  DeliveryReport,
  DispatchBatchDeps,
  PoisonRecord,
  PoisonReport,
  Round,
  SendResult,
} from './batch-types.ts';
import { RecordFate } from './batch-types.ts';
import { sendWithFailover } from './failover.ts';
import { IntentWriter } from './intent-writer.ts';
import { type GatedCall, RateGate } from './rate-gate.ts';

/** What a vendor is asked to deliver for `delivery`. */
export function vendorMessageOf(delivery: Delivery): VendorMessage {
  return {
    deliveryId: delivery.deliveryId,
    requestId: delivery.requestId,
    clientId: delivery.clientId,
    channel: delivery.channel,
    to: delivery.recipient,
    body: delivery.content.body,
    ...(delivery.content.title === undefined ? {} : { title: delivery.content.title }),
    priority: delivery.priority,
  };
}

async function sendDelivery(
  record: DeliveryRecord,
  claim: ClaimResult | undefined,
  deps: DispatchBatchDeps,
  gates: { readonly intents: IntentWriter; readonly gate: RateGate },
  deadline: AbortSignal,
): Promise<SendResult> {
  const { delivery } = record;
  const tiers = deps.tiers[delivery.channel];
  if (!tiers) {
    const reason = `no vendors configured for channel ${delivery.channel}`;
    return { kind: 'failed', reason, attempts: [] };
  }
  const sendingAt = claim?.outcome === 'claimed' ? claim.sendingAt : undefined;
  return sendWithFailover({
    message: vendorMessageOf(delivery),
    order: vendorOrder(tiers, delivery.deliveryId),
    ...(sendingAt === undefined ? {} : { sendingAt }),
    policy: deps.ambiguousRetryPolicy(delivery.channel),
    vendors: deps.vendors,
    ...gates,
    deadline,
  });
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
    statusKeys: statusKeysOf(record.delivery),
  };
  if (claim?.outcome === 'duplicate') {
    const reason = `duplicate of a delivery already ${claim.mark}`;
    return { ...base, fate: RecordFate.suppressed, reason, mark: claim.mark };
  }
  if (claim?.outcome !== 'claimed' || !result)
    return { ...base, fate: RecordFate.retry, reason: 'being delivered by another invocation' };
  if (result.kind === 'sent')
    return { ...base, fate: RecordFate.sent, vendor: result.vendor, attempts: result.attempts };
  if (result.kind === 'maybe-sent') {
    const { vendor, reason, attempts } = result;
    return { ...base, fate: RecordFate.maybeSent, vendor, reason, attempts };
  }
  if (result.kind === 'failed') {
    return {
      ...base,
      fate: RecordFate.failed,
      reason: result.reason,
      attempts: result.attempts,
      ...(result.vendor ? { vendor: result.vendor } : {}),
    };
  }
  const { reason, attempts, isPossiblySent } = result;
  return { ...base, fate: RecordFate.retry, reason, attempts, isPossiblySent };
}

/** The report of a poison record from its claim and whether the dead-letter publish succeeded. */
export function poisonReport(
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

/** Publishes the round's claimed poison; resolves whether it reached the dead-letter topic. Never throws. */
export function deadLetterPoison(
  round: Round,
  deps: DispatchBatchDeps,
  problems: BatchProblems,
): Promise<boolean> {
  const letters = round.poison.filter((p) => round.claims.get(p.dedupId)?.outcome === 'claimed');
  if (letters.length === 0) return Promise.resolve(true);
  return deps.deadLetters.publish(letters.map((p) => p.letter)).then(
    () => true,
    (error: unknown) => {
      problems.deadLetters = error;
      return false;
    },
  );
}

/** The mark kind of a send result that settles its delivery, if it does. */
const MARK_OF = { sent: 'sent', failed: 'failed', 'maybe-sent': 'maybe-sent' } as const;

/** What a round's sending produced: a report per distinct delivery, and which are already marked. */
export interface SentDeliveries {
  readonly reports: readonly DeliveryReport[];
  /** Deliveries marked as soon as their fate was known (the rest are marked in the mark step). */
  readonly marked: ReadonlySet<string>;
}

/**
 * The vendor a claimed delivery's first call goes to, or undefined when it will call none (held as
 * possibly sent, or no tiers for its channel).
 */
function firstVendorOf(record: DeliveryRecord, claim: ClaimResult | undefined, deps: DispatchBatchDeps) {
  const { delivery } = record;
  const sendingAt = claim?.outcome === 'claimed' ? claim.sendingAt : undefined;
  const policy = deps.ambiguousRetryPolicy(delivery.channel);
  if (sendingAt !== undefined && policy !== 'failover') return policy === 'hold' ? undefined : sendingAt;
  const tiers = deps.tiers[delivery.channel];
  return tiers ? vendorOrder(tiers, delivery.deliveryId)[0] : undefined;
}

/** The claimed deliveries by the vendor their first call goes to: the round's up-front reservations. */
function firstCalls(claimed: readonly DeliveryRecord[], round: Round, deps: DispatchBatchDeps) {
  const byVendor = new Map<string, GatedCall[]>();
  // Why the early return: with no limited vendor the gate reserves nothing, so nothing need be sorted.
  if (!deps.rateLimiter || deps.rateLimits.size === 0) return byVendor;
  for (const record of claimed) {
    const { delivery } = record;
    const vendor = firstVendorOf(record, round.claims.get(delivery.deliveryId), deps);
    if (vendor === undefined || !deps.rateLimits.has(vendor)) continue;
    const calls = byVendor.get(vendor) ?? [];
    calls.push({ deliveryId: delivery.deliveryId, body: delivery.content.body });
    byVendor.set(vendor, calls);
  }
  return byVendor;
}

/** Sends the round's claimed deliveries, marking each as its fate is known. Never throws. */
export async function sendDeliveries(
  round: Round,
  owner: string,
  deps: DispatchBatchDeps,
): Promise<SentDeliveries> {
  const writer = new IntentWriter(deps.dedup, owner);
  const claimed = round.firsts.filter((r) => round.claims.get(r.delivery.deliveryId)?.outcome === 'claimed');
  const results = new Map<string, SendResult>();
  const marked = new Set<string>();
  const gate = await RateGate.open(deps.rateLimiter, deps.rateLimits, firstCalls(claimed, round, deps));
  await inParallel(claimed, deps.maxInFlightSends, async (r) => {
    const id = r.delivery.deliveryId;
    const result = await sendDelivery(
      r,
      round.claims.get(id),
      deps,
      { intents: writer, gate },
      round.deadline,
    );
    results.set(id, result);
    if (result.kind === 'retry') return;
    // Why at once: an invocation that dies later in the batch must not leave this delivery unmarked.
    await writer.mark({ deliveryId: id, kind: MARK_OF[result.kind] }).then(
      () => marked.add(id),
      () => undefined, // the mark step tries again, and carries it over if it still cannot
    );
  });
  const reports = round.firsts.map((record) => {
    const id = record.delivery.deliveryId;
    return deliveryReport(record, round.claims.get(id), results.get(id));
  });
  return { reports, marked };
}
