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
import { readDeadLetter } from '../core/dead-letter.ts';
import { decodeMskEvent, type MskEvent } from '../core/msk-event.ts';
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
          updates.push({ requestId, deliveryId, state: 'failed', reason, at });
        }
        await deps.statuses.recordUpdates(updates);
        return { recorded: updates.length, unattributable };
      })
  );
}
