/**
 * Logs the decisions of one batch once each, with correlation keys (deliveryId, requestId,
 * topic-partition, offset; never recipients or bodies), and emits the EMF metrics:
 * DeliverySent, DeliverySuppressed, VendorFailover, DeliveryFailed (permanent), DeliveryMaybeSent
 * (possibly delivered by a vendor, held: an alarm looks at it), RecordDeadLettered,
 * VendorFailure (also per vendor), DeliveryRetried, LeaseWaited (ids waited for after another
 * invocation's lease), and side-effect failures.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DispatchMetric } from '../shared/metric-names.ts';
import { type BatchProblems, type BatchReport, RecordFate, type RecordReport } from './batch-types.ts';

/** The metric each failed side effect counts in. */
const PROBLEM_METRICS: Record<keyof BatchProblems, string> = {
  deadLetters: DispatchMetric.deadLettersWriteFailed,
  marks: DispatchMetric.marksWriteFailed,
  releases: DispatchMetric.releasesWriteFailed,
  statuses: DispatchMetric.statusesWriteFailed,
  reclaims: DispatchMetric.reclaimsWriteFailed,
  callbacks: DispatchMetric.callbacksQueueFailed,
};

function keys(record: RecordReport): Record<string, unknown> {
  return {
    deliveryId: record.deliveryId,
    requestId: record.requestId,
    partition: record.id.partition,
    offset: record.id.offset,
  };
}

/** Counts vendor failures per vendor and failovers (moves to another vendor) of one record. */
function vendorTally(record: RecordReport, failures: Map<string, number>): number {
  const attempts = record.attempts ?? [];
  for (const attempt of attempts) {
    if (attempt.kind === 'unavailable' || attempt.kind === 'ambiguous') {
      failures.set(attempt.vendor, (failures.get(attempt.vendor) ?? 0) + 1);
    }
  }
  return new Set(attempts.map((attempt) => attempt.vendor)).size - (attempts.length > 0 ? 1 : 0);
}

/** Logs and counts what happened to a batch. */
export function reportBatch(report: BatchReport, logger: Logger, metrics: Metrics): void {
  const counts = new Map<string, number>(Object.values(RecordFate).map((fate) => [fate, 0]));
  const failures = new Map<string, number>();
  let failovers = 0;
  for (const record of report.records) {
    counts.set(record.fate, (counts.get(record.fate) ?? 0) + 1);
    const moved = vendorTally(record, failures);
    failovers += moved;
    if (record.fate === RecordFate.sent) {
      if (moved > 0)
        logger.info('delivery sent after failover', {
          ...keys(record),
          vendor: record.vendor,
          attempts: record.attempts,
        });
      else logger.debug('delivery sent', { ...keys(record), vendor: record.vendor });
    } else if (record.fate === RecordFate.suppressed) {
      logger.info('duplicate suppressed', { ...keys(record), reason: record.reason });
    } else if (record.fate === RecordFate.failed) {
      logger.warn('delivery failed permanently', {
        ...keys(record),
        vendor: record.vendor,
        reason: record.reason,
      });
    } else if (record.fate === RecordFate.maybeSent) {
      logger.warn('delivery possibly sent; held, never sent again', {
        ...keys(record),
        vendor: record.vendor,
        reason: record.reason,
      });
    } else if (record.fate === RecordFate.deadLettered) {
      logger.error('poison record dead-lettered', { ...keys(record), reason: record.reason });
    } else {
      logger.warn('record will be retried', {
        ...keys(record),
        reason: record.reason,
        attempts: record.attempts,
      });
    }
  }
  metrics.addMetric(DispatchMetric.sent, MetricUnit.Count, counts.get(RecordFate.sent) ?? 0);
  metrics.addMetric(DispatchMetric.suppressed, MetricUnit.Count, counts.get(RecordFate.suppressed) ?? 0);
  metrics.addMetric(DispatchMetric.failed, MetricUnit.Count, counts.get(RecordFate.failed) ?? 0);
  metrics.addMetric(DispatchMetric.maybeSent, MetricUnit.Count, counts.get(RecordFate.maybeSent) ?? 0);
  metrics.addMetric(DispatchMetric.deadLettered, MetricUnit.Count, counts.get(RecordFate.deadLettered) ?? 0);
  metrics.addMetric(DispatchMetric.retried, MetricUnit.Count, counts.get(RecordFate.retry) ?? 0);
  metrics.addMetric(DispatchMetric.failover, MetricUnit.Count, failovers);
  metrics.addMetric(
    DispatchMetric.vendorFailure,
    MetricUnit.Count,
    [...failures.values()].reduce((a, b) => a + b, 0),
  );
  for (const [vendor, count] of failures) {
    const single = metrics.singleMetric();
    single.addDimension('vendor', vendor);
    single.addMetric(DispatchMetric.vendorFailure, MetricUnit.Count, count);
  }
  if (report.leaseWait) {
    logger.info('waited for leases of another invocation, then claimed again', {
      ids: report.leaseWait.ids,
      waitedMs: report.leaseWait.waitedMs,
    });
    metrics.addMetric(DispatchMetric.leaseWaited, MetricUnit.Count, report.leaseWait.ids);
  }
  for (const [problem, error] of Object.entries(report.problems) as [keyof BatchProblems, unknown][]) {
    logger.error(`batch side effect failed: ${problem}`, { error });
    metrics.addMetric(PROBLEM_METRICS[problem], MetricUnit.Count, 1);
  }
  logger.info('batch dispatched', {
    records: report.records.length,
    ...Object.fromEntries(counts),
    failovers,
  });
}
