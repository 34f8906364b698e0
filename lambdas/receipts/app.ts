/**
 * The receipts Lambda's middy stack, built from injected dependencies: an EventBridge rule target for
 * SES and End User Messaging SMS events. Each receipt moves its delivery's status forward (the status
 * store keeps the most advanced state, so late, repeated or out-of-order receipts change nothing
 * wrongly). A receipt for a delivery Herald does not know is logged without PII and dropped.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { CallbackNotifier } from '../callbacks/callback-notifier.ts';
import { deliveryIdFor } from '../core/delivery.ts';
import { type EventBridgeEvent, parseReceipt, type Receipt } from '../core/receipts.ts';
import { isStatusSuperseded } from '../core/status-precedence.ts';
import type { StatusStore, StatusUpdate } from '../ports/status-store.ts';
import { publishMetrics } from '../shared/publish-metrics.ts';

/** Metric names of the receipts Lambda. */
export const ReceiptMetric = {
  applied: 'ReceiptApplied',
  unknownDelivery: 'ReceiptUnknownDelivery',
  unmatched: 'ReceiptUnmatched',
  ignored: 'ReceiptIgnored',
} as const;

/** What the receipts app needs. */
export interface ReceiptsAppDeps {
  readonly statuses: StatusStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Queues callbacks for the final states receipts reach. */
  readonly callbacks?: CallbackNotifier;
}

/** What became of one event. */
export type ReceiptOutcome = 'applied' | 'unknown-delivery' | 'unmatched' | 'ignored';

/** The receipts handler: one EventBridge event per invocation. */
export type ReceiptsHandler = MiddyfiedHandler<EventBridgeEvent, ReceiptOutcome, Error, Context>;

/**
 * The update a receipt makes. Why the cast: the status store port's DeliveryState still lists only
 * the dispatch states; the receipt states are ranked in core/status-precedence.ts and the store must
 * accept them (until then a real store refuses the write and the event is retried).
 */
export function updateFor(receipt: Receipt, vendor: string | undefined): StatusUpdate {
  return {
    requestId: receipt.requestId,
    clientId: receipt.clientId,
    deliveryId: receipt.deliveryId,
    state: receipt.state,
    reason: receipt.reason,
    ...(vendor ? { vendor } : {}),
    at: receipt.at,
  };
}

/** Builds the receipts handler. */
export function createReceiptsApp(deps: ReceiptsAppDeps): ReceiptsHandler {
  const { logger, metrics } = deps;
  return middy<EventBridgeEvent, ReceiptOutcome, Error, Context>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use(publishMetrics(metrics))
    .handler(async (event) => {
      const source = { eventId: event.id, source: event.source, detailType: event['detail-type'] };
      const parsed = parseReceipt(event);
      if (parsed.kind === 'ignored') {
        logger.debug('event moves no status', { ...source, eventType: parsed.eventType });
        metrics.addMetric(ReceiptMetric.ignored, MetricUnit.Count, 1);
        return 'ignored';
      }
      if (parsed.kind === 'unmatched') {
        logger.info('event names no Herald delivery; dropped', {
          ...source,
          why: parsed.why,
          providerMessageId: parsed.providerMessageId,
        });
        metrics.addMetric(ReceiptMetric.unmatched, MetricUnit.Count, 1);
        return 'unmatched';
      }
      const { receipt } = parsed;
      const ids = {
        deliveryId: receipt.deliveryId,
        requestId: receipt.requestId,
        providerMessageId: receipt.providerMessageId,
        eventType: receipt.eventType,
      };
      // Why check: only a delivery Herald accepted for this client may change. The address the
      // provider reports must hash to the deliveryId (proof independent of the store's layout), and
      // the request must be readable by the tagged client.
      const isOurs =
        receipt.recipient === undefined ||
        deliveryIdFor(receipt.requestId, receipt.recipient) === receipt.deliveryId;
      const current = isOurs
        ? await deps.statuses.readDelivery(receipt.requestId, receipt.clientId, receipt.deliveryId)
        : undefined;
      if (!current) {
        logger.warn('receipt for an unknown delivery; dropped', { ...source, ...ids });
        metrics.addMetric(ReceiptMetric.unknownDelivery, MetricUnit.Count, 1);
        return 'unknown-delivery';
      }
      const update = updateFor(receipt, current.vendor);
      await deps.statuses.recordUpdates([update]);
      const isAdvance = isStatusSuperseded(
        { state: current.state, updatedAt: current.updatedAt },
        { state: receipt.state, updatedAt: receipt.at },
      );
      // Why after the write, and only when the state moved: a late receipt announces nothing.
      if (isAdvance && String(current.state) !== receipt.state) await deps.callbacks?.notify([update]);
      logger.info('receipt applied', { ...source, ...ids, state: receipt.state, previous: current.state });
      metrics.addMetric(ReceiptMetric.applied, MetricUnit.Count, 1);
      return 'applied';
    });
}
