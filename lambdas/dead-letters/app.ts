/**
 * The dead-letters Lambda's middy stack: an MSK event source mapping on the dead-letter topic. Each
 * record there is a delivery that will not be sent unless an operator redrives it (`herald redrive`),
 * so its status becomes `failed` with the cause, instead of staying `queued` for ever. A record that
 * names no delivery is logged and counted (DeadLetterUnattributable, alarmed). A failed status write
 * fails the invocation: the mapping retries, nothing is skipped.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { CallbackNotifier, ReachedState } from '../callbacks/callback-notifier.ts';
import { readDeadLetter } from '../core/dead-letter.ts';
import { decodeMskEvent, type MskEvent } from '../core/msk-event.ts';
import { isStatusSuperseded } from '../core/status-precedence.ts';
import type { StatusStore, StatusUpdate } from '../ports/status-store.ts';
import { publishMetrics } from '../shared/publish-metrics.ts';

/** Metric names of the dead-letters Lambda. */
export const DeadLetterMetric = {
  recorded: 'DeadLetteredDelivery',
  unattributable: 'DeadLetterUnattributable',
} as const;

/** What the dead-letters app needs. */
export interface DeadLettersAppDeps {
  readonly statuses: StatusStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Queues `failed` callbacks for deliveries that were not already further on. */
  readonly callbacks?: CallbackNotifier;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** Counts of one batch. */
export interface DeadLettersResult {
  readonly recorded: number;
  readonly unattributable: number;
}

/** The dead-letters handler. */
export type DeadLettersHandler = MiddyfiedHandler<MskEvent, DeadLettersResult, Error, Context>;

/** Builds the dead-letters handler. */
export function createDeadLettersApp(deps: DeadLettersAppDeps): DeadLettersHandler {
  const { logger, metrics } = deps;
  const clock = deps.clock ?? (() => new Date());
  return (
    middy<MskEvent, DeadLettersResult, Error, Context>()
      // Why no event logging: the records hold message bodies and recipients.
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      .use(publishMetrics(metrics))
      .handler(async (event) => {
        const at = clock().toISOString();
        const updates: StatusUpdate[] = [];
        let unattributable = 0;
        for (const entry of decodeMskEvent(event)) {
          const position = entry.ok
            ? { topic: entry.record.topic, partition: entry.record.partition, offset: entry.record.offset }
            : { partition: entry.id.partition, offset: entry.id.offset };
          const info = entry.ok ? readDeadLetter(entry.record) : undefined;
          if (!info?.deliveryId || !info.requestId) {
            unattributable += 1;
            logger.error('dead letter names no delivery; redrive or inspect it by position', {
              ...position,
              reason: info?.reason ?? (entry.ok ? undefined : entry.reason),
            });
            metrics.addMetric(DeadLetterMetric.unattributable, MetricUnit.Count, 1);
            continue;
          }
          const { deliveryId, requestId, reason, cause, errorType } = info;
          logger.warn('delivery dead-lettered; recorded failed', {
            ...position,
            deliveryId,
            requestId,
            cause,
            errorType,
          });
          metrics.addMetric(DeadLetterMetric.recorded, MetricUnit.Count, 1);
          // Why '' without a clientId: the status is still found by requestId and deliveryId; only a
          // rebuild of a missing record and a callback need the owner, and neither happens without it.
          // The placement lets the store rebuild a request no status was written for (every delivery
          // dead-lettered before dispatch wrote one).
          updates.push({
            requestId,
            clientId: info.clientId ?? '',
            deliveryId,
            state: 'failed',
            reason,
            at,
            ...info.placement,
          });
        }
        const reached = deps.callbacks ? await newlyFailed(deps.statuses, updates) : [];
        await deps.statuses.recordUpdates(updates);
        // Why after the write: a callback must never announce a state the status does not show.
        await deps.callbacks?.notify(reached);
        return { recorded: updates.length, unattributable };
      })
  );
}

/** The updates that move their delivery to `failed` (not already sent or further), as callbacks. */
async function newlyFailed(statuses: StatusStore, updates: readonly StatusUpdate[]): Promise<ReachedState[]> {
  // Why only those with a clientId: without one there is no client to call back.
  const owned = updates.filter((update) => update.clientId !== '');
  const current = await Promise.all(
    owned.map((update) => statuses.readDelivery(update.requestId, update.clientId, update.deliveryId)),
  );
  return owned.flatMap((update, i) => {
    const status = current[i];
    const isNew = status && isStatusSuperseded(status, { state: update.state, updatedAt: update.at });
    return isNew ? [{ ...update, state: update.state }] : [];
  });
}
