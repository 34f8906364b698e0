/**
 * The callbacks Lambda (run every minute by an EventBridge schedule; locally in a loop): first sweeps
 * the receipt timeouts that ran out (receipt-timeout-sweep.ts: records `unknown`, queues its callback),
 * then takes the due callbacks, POSTs each to its client's webhook with the signature headers, and forgets it on a 2xx;
 * otherwise schedules the next attempt with backoff, for at least 24 h (core/callback.ts). Taking
 * leases the entries, so a deliverer that dies mid-way leaves them due again: at least once.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { CallbackHeader, type CallbackRetryPolicy, nextAttemptAt, signCallback } from '../core/callback.ts';
import type { CallbackQueue, QueuedCallback } from '../ports/callback-queue.ts';
import { ReceiptTimeoutMetric } from '../shared/metric-names.ts';
import { publishMetrics } from '../shared/publish-metrics.ts';
import {
  type ReceiptTimeoutSweepDeps,
  type SweepResult,
  sweepReceiptTimeouts,
} from './receipt-timeout-sweep.ts';

/** A client's webhook. */
export interface Webhook {
  readonly url: string;
  readonly secret: string;
}

/** What the callbacks app needs. */
export interface CallbacksAppDeps {
  readonly queue: CallbackQueue;
  readonly webhooks: ReadonlyMap<string, Webhook>;
  readonly retry: CallbackRetryPolicy;
  /** Per request. @default 5000 */
  readonly timeoutMs?: number;
  /** Callbacks taken per round. @default 50 */
  readonly batchSize?: number;
  /** The receipt-timeout sweep's store and status store. @default none (no client has a webhook) */
  readonly receiptTimeouts?: ReceiptTimeoutSweepDeps;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock?: () => Date;
  readonly fetch?: typeof fetch;
}

/** Counts of one run. */
export interface CallbacksResult {
  readonly delivered: number;
  readonly retried: number;
  readonly abandoned: number;
  /** Deliveries the sweep recorded `unknown` (their callbacks are among those delivered). */
  readonly unknown?: number;
}

/** Sweeps the receipt timeouts; an error ends the sweep (its entries are taken again next run), not the run. */
async function sweep(
  deps: CallbacksAppDeps,
  clock: () => Date,
  remainingMs: () => number,
): Promise<SweepResult | undefined> {
  if (!deps.receiptTimeouts) return undefined;
  try {
    return await sweepReceiptTimeouts(
      deps.receiptTimeouts,
      { logger: deps.logger, metrics: deps.metrics, clock },
      remainingMs,
    );
  } catch (error) {
    deps.logger.error('receipt-timeout sweep failed; its entries are taken again next run', { error });
    deps.metrics.addMetric(ReceiptTimeoutMetric.sweepFailed, MetricUnit.Count, 1);
    return undefined;
  }
}

/** Sweeps the receipt timeouts, then delivers every due callback, round after round, until none is due or time runs short. */
export async function deliverDueCallbacks(
  deps: CallbacksAppDeps,
  remainingMs: () => number,
): Promise<CallbacksResult> {
  const clock = deps.clock ?? (() => new Date());
  const timeoutMs = deps.timeoutMs ?? 5_000;
  const swept = await sweep(deps, clock, remainingMs);
  const result = { delivered: 0, retried: 0, abandoned: 0, ...(swept ? { unknown: swept.unknown } : {}) };
  while (remainingMs() > timeoutMs * 2) {
    // Why a lease of two timeouts: the entry is due again only if this run died before finishing it.
    const due = await deps.queue.takeDue(clock().getTime(), deps.batchSize ?? 50, timeoutMs * 2);
    if (due.length === 0) break;
    await Promise.all(
      due.map(async (callback) => {
        result[await deliverOne(deps, callback, timeoutMs, clock)]++;
      }),
    );
  }
  return result;
}

async function deliverOne(
  deps: CallbacksAppDeps,
  callback: QueuedCallback,
  timeoutMs: number,
  clock: () => Date,
): Promise<'delivered' | 'retried' | 'abandoned'> {
  const { event, clientId } = callback;
  const ids = { eventId: event.id, deliveryId: event.deliveryId, requestId: event.requestId, clientId };
  const webhook = deps.webhooks.get(clientId);
  if (!webhook) {
    deps.logger.warn('callback for a client without a webhook; dropped', ids);
    await deps.queue.complete(event.id);
    return 'abandoned';
  }
  const body = JSON.stringify(event);
  const timestamp = Math.floor(clock().getTime() / 1000);
  let status: number | string;
  try {
    const response = await (deps.fetch ?? fetch)(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [CallbackHeader.eventId]: event.id,
        [CallbackHeader.timestamp]: String(timestamp),
        [CallbackHeader.signature]: signCallback(webhook.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    status = response.status;
  } catch (error) {
    status = error instanceof Error ? error.name : 'error';
  }
  if (typeof status === 'number' && status >= 200 && status < 300) {
    await deps.queue.complete(event.id);
    deps.metrics.addMetric('CallbackDelivered', MetricUnit.Count, 1);
    return 'delivered';
  }
  const attempts = callback.attempts + 1;
  const nowMs = clock().getTime();
  const next = nextAttemptAt(deps.retry, attempts, callback.firstAttemptMs, nowMs);
  if (next === undefined) {
    await deps.queue.complete(event.id);
    deps.logger.error('callback abandoned after the retry window', { ...ids, attempts, status });
    deps.metrics.addMetric('CallbackAbandoned', MetricUnit.Count, 1);
    return 'abandoned';
  }
  await deps.queue.reschedule({ ...callback, attempts }, next);
  deps.logger.info('callback failed; retrying', {
    ...ids,
    attempts,
    status,
    nextAttemptAt: new Date(next).toISOString(),
  });
  deps.metrics.addMetric('CallbackRetried', MetricUnit.Count, 1);
  return 'retried';
}

/** The scheduled handler. */
export type CallbacksHandler = MiddyfiedHandler<unknown, CallbacksResult, Error, Context>;

/** Builds the scheduled handler. */
export function createCallbacksApp(deps: CallbacksAppDeps): CallbacksHandler {
  return middy<unknown, CallbacksResult, Error, Context>()
    .use(injectLambdaContext(deps.logger, { logEvent: false, resetKeys: true }))
    .use(publishMetrics(deps.metrics))
    .handler((_, context) => deliverDueCallbacks(deps, () => context.getRemainingTimeInMillis?.() ?? 60_000));
}
