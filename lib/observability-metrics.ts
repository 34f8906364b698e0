/**
 * Metric builders for the alarms and the dashboard: MSK consumer lag, ElastiCache per-node metrics
 * folded into one series, and the EMF metrics the Lambdas publish in the 'Herald' namespace.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

import { DispatchMetric, HERALD_NAMESPACE, ServiceName } from '../lambdas/shared/metric-names.ts';

export { HERALD_NAMESPACE } from '../lambdas/shared/metric-names.ts';

/**
 * The dispatcher's EMF metrics the alarms read, named once in lambdas/shared/metric-names.ts (the
 * module the Lambdas publish them by): `VendorFailure` failed vendor attempts, `DeliverySent` deliveries
 * a vendor accepted, `RecordDeadLettered` poison records put on the dead-letter topic,
 * `DeliveryMaybeSent` deliveries possibly delivered and held.
 */
export const DISPATCH_METRICS = {
  service: ServiceName.dispatch,
  sent: DispatchMetric.sent,
  vendorFailures: DispatchMetric.vendorFailure,
  deadLettered: DispatchMetric.deadLettered,
  maybeSent: DispatchMetric.maybeSent,
  marksWriteFailed: DispatchMetric.marksWriteFailed,
  statusesWriteFailed: DispatchMetric.statusesWriteFailed,
} as const;

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/** An EMF counter of the dispatcher, summed per period. */
export function dispatchCounter(metricName: string, period = FIVE_MINUTES): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: HERALD_NAMESPACE,
    metricName,
    dimensionsMap: { service: DISPATCH_METRICS.service },
    statistic: 'Sum',
    period,
  });
}

/** Failed vendor attempts ÷ all attempts, percent (0 when nothing was attempted). */
export function vendorFailureRate(): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    label: 'Vendor failure rate (%)',
    expression: 'IF((failed + sent) > 0, 100 * failed / (failed + sent), 0)',
    usingMetrics: {
      failed: dispatchCounter(DISPATCH_METRICS.vendorFailures),
      sent: dispatchCounter(DISPATCH_METRICS.sent),
    },
    period: FIVE_MINUTES,
  });
}

/** MSK consumer lag of one group on one topic (AWS/Kafka, published at the DEFAULT level). */
export function consumerLag(
  clusterName: string,
  group: string,
  topic: string,
  metricName: 'MaxOffsetLag' | 'SumOffsetLag' | 'EstimatedMaxTimeLag' = 'MaxOffsetLag',
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Kafka',
    metricName,
    dimensionsMap: { 'Cluster Name': clusterName, 'Consumer Group': group, Topic: topic },
    statistic: 'Maximum',
    period: ONE_MINUTE,
  });
}

/** CloudWatch metric math takes at most 10 metrics per alarm expression. */
export const MAX_METRICS_PER_EXPRESSION = 10;

/**
 * One series over many cache nodes: `MAX` or `SUM` across nodes of a per-node ElastiCache metric.
 * ElastiCache publishes per node (dimension CacheClusterId = `<group>-<shard>-<node>`).
 */
export function acrossNodes(
  nodeIds: readonly string[],
  metricName: string,
  fold: 'MAX' | 'SUM',
  label: string,
): cloudwatch.MathExpression {
  if (nodeIds.length === 0 || nodeIds.length > MAX_METRICS_PER_EXPRESSION) {
    throw new Error(`acrossNodes takes 1..${MAX_METRICS_PER_EXPRESSION} nodes, got ${nodeIds.length}`);
  }
  // Ids must differ between expressions that share a graph: derive them from the metric name.
  const idPrefix = metricName
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase()
    .slice(0, 12);
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  nodeIds.forEach((nodeId, index) => {
    usingMetrics[`${idPrefix}${index}`] = new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName,
      dimensionsMap: { CacheClusterId: nodeId },
      statistic: fold === 'MAX' ? 'Maximum' : 'Sum',
      period: ONE_MINUTE,
    });
  });
  const filled = Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`);
  // Why FILL: a node being replaced reports nothing for a while; that must not hide the others.
  return new cloudwatch.MathExpression({
    label,
    expression: `${fold}([${filled.join(', ')}])`,
    usingMetrics,
    period: ONE_MINUTE,
  });
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * An event source mapping counter (AWS/Lambda, dimension EventSourceMappingUUID), summed per period.
 * Published only with the mapping's `EventCount` metrics group enabled (lib/dispatch.ts enables it):
 * `OnFailureDestinationDeliveredEventCount` counts records the mapping gave up on and sent to the
 * on-failure destination, `DroppedEventCount` records it gave up on and could not deliver there.
 */
export function mappingCounter(
  mappingId: string,
  metricName: 'OnFailureDestinationDeliveredEventCount' | 'DroppedEventCount',
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { EventSourceMappingUUID: mappingId },
    statistic: 'Sum',
    period: FIVE_MINUTES,
  });
}
