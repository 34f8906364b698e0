/**
 * The receipt-timeout sweep, run by the callbacks Lambda before it delivers: takes the webhook clients'
 * deliveries whose receipt timeout ran out, reads each one's status and settles it. Still `sent` (and
 * sent that long ago): its `unknown` callback is queued, then `unknown` is recorded. Anything else
 * (a receipt came, a later send restarted the clock, the status is gone) is dropped. Then the entries
 * are acked. Why queue before record: a run that dies between the two leaves the delivery `sent`, so
 * the next run settles it again (the callback's event id is stable: a repeat is one callback); the
 * other order could leave `unknown` recorded with no callback, and `unknown` is never settled again.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { RECEIPT_TIMEOUT_MS, RECEIPT_TIMEOUT_REASON, withReceiptTimeout } from '../core/receipt-timeout.ts';
import type { ReceiptTimeoutEntry, ReceiptTimeouts } from '../ports/receipt-timeouts.ts';
import type { StatusStore, StatusUpdate } from '../ports/status-store.ts';
import { ReceiptTimeoutMetric } from '../shared/metric-names.ts';
import type { CallbackNotifier, ReachedState } from './callback-notifier.ts';

/** What the sweep needs. */
export interface ReceiptTimeoutSweepDeps {
  readonly store: ReceiptTimeouts;
  readonly statuses: Pick<StatusStore, 'readDelivery' | 'recordUpdates'>;
  readonly notifier: CallbackNotifier;
  /** Must match the notifier's. @default RECEIPT_TIMEOUT_MS (72 h) */
  readonly timeoutMs?: number;
  /** Entries per take. @default 256 */
  readonly batchSize?: number;
  /** Entries settled per run at most. @default 200_000 */
  readonly maxPerRun?: number;
  /**
   * Time a run spends sweeping at most, of the 55 s the schedule's minute gives it; the rest delivers.
   * Why 25 s: at ~6,700 entries/s settled (docs/capacity.md) that keeps up with ~2,800 webhook sends/s.
   * @default 25_000
   */
  readonly budgetMs?: number;
}

/** Counts of one sweep. */
export interface SweepResult {
  readonly unknown: number;
  readonly dropped: number;
  readonly orphaned: number;
}

/** Settles due entries, batch after batch, until none is due, the count is reached or time is up. */
export async function sweepReceiptTimeouts(
  deps: ReceiptTimeoutSweepDeps,
  env: { readonly logger: Logger; readonly metrics: Metrics; readonly clock: () => Date },
  remainingMs: () => number,
): Promise<SweepResult> {
  const result = { unknown: 0, dropped: 0, orphaned: 0 };
  const maxPerRun = deps.maxPerRun ?? 200_000;
  const stopBelowMs = remainingMs() - (deps.budgetMs ?? 25_000);
  let taken = 0;
  while (taken < maxPerRun && remainingMs() > stopBelowMs) {
    const batch = await deps.store.takeDue(
      env.clock().getTime(),
      Math.min(deps.batchSize ?? 256, maxPerRun - taken),
    );
    if (batch.entries.length > 0) {
      const unknown = await settle(deps, batch.entries, env.clock().getTime());
      result.unknown += unknown.length;
      result.dropped += batch.entries.length - unknown.length;
      for (const entry of unknown)
        env.logger.info('no receipt within the timeout; recorded unknown', ids(entry));
    }
    await deps.store.ack(batch);
    result.orphaned += batch.orphaned;
    taken += batch.entries.length + batch.orphaned;
    if (batch.entries.length === 0 && batch.orphaned === 0) break;
  }
  env.metrics.addMetric(ReceiptTimeoutMetric.unknownRecorded, MetricUnit.Count, result.unknown);
  env.metrics.addMetric(ReceiptTimeoutMetric.dropped, MetricUnit.Count, result.dropped + result.orphaned);
  if (result.orphaned > 0)
    env.logger.warn('receipt timeouts of clients without a webhook; dropped', { count: result.orphaned });
  return result;
}

const ids = (e: ReceiptTimeoutEntry) => ({
  requestId: e.requestId,
  deliveryId: e.deliveryId,
  clientId: e.clientId,
});

/** Queues the callbacks and records `unknown` for the entries still `sent`; returns those entries. */
async function settle(
  deps: ReceiptTimeoutSweepDeps,
  entries: readonly ReceiptTimeoutEntry[],
  nowMs: number,
): Promise<ReceiptTimeoutEntry[]> {
  const timeoutMs = deps.timeoutMs ?? RECEIPT_TIMEOUT_MS;
  const statuses = await Promise.all(
    entries.map((e) => deps.statuses.readDelivery(e.requestId, e.clientId, e.deliveryId)),
  );
  const timedOut = entries.flatMap((entry, i) => {
    const status = statuses[i];
    // Still `sent`, and sent at least the timeout ago (as GET shows it): a later send has its own entry.
    const isTimedOut =
      status?.state === 'sent' && withReceiptTimeout(status, nowMs, timeoutMs).state === 'unknown';
    return isTimedOut ? [{ entry, vendor: status.vendor }] : [];
  });
  if (timedOut.length === 0) return [];
  const reached: ReachedState[] = timedOut.map(({ entry, vendor }) => ({
    ...ids(entry),
    state: 'unknown',
    reason: RECEIPT_TIMEOUT_REASON,
    ...(vendor ? { vendor } : {}),
    // When the timeout ran out: the moment the delivery became `unknown`.
    at: new Date(Math.min(entry.dueMs, nowMs)).toISOString(),
  }));
  await deps.notifier.notify(reached);
  const updates: StatusUpdate[] = reached.map((r) => ({
    requestId: r.requestId,
    clientId: r.clientId,
    deliveryId: r.deliveryId,
    state: 'unknown',
    reason: RECEIPT_TIMEOUT_REASON,
    at: r.at,
  }));
  await deps.statuses.recordUpdates(updates);
  return timedOut.map(({ entry }) => entry);
}
