/**
 * Alarms and a dashboard for what breaks Herald: the dispatcher falling behind (MSK consumer lag),
 * Lambda errors, throttles and slow invocations, the dedup cache filling up (memory, evictions,
 * engine CPU), vendors failing and records dead-lettered. Every alarm notifies one SNS topic.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { HERALD_NAMESPACE, IngestMetric, ServiceName } from '../lambdas/shared/metric-names.ts';
import type { ObservabilitySettings } from './config/stage-config.ts';
import { assertValid, validateObservability } from './config/validate.ts';
import {
  acrossNodes,
  chunk,
  consumerLag,
  DISPATCH_METRICS,
  dispatchCounter,
  MAX_METRICS_PER_EXPRESSION,
  mappingCounter,
  vendorFailureRate,
} from './observability-metrics.ts';

/** A function to watch. */
export interface WatchedFunction {
  readonly name: string;
  readonly function: lambda.IFunction;
  readonly timeout: Duration;
}

/** Props of {@link HeraldObservability}. */
export interface HeraldObservabilityProps {
  readonly settings: ObservabilitySettings;
  readonly encryptionKey: kms.IKey;
  readonly kafkaClusterName: string;
  readonly consumerGroupId: string;
  readonly deliveriesTopic: string;
  /** The high-priority lane's topic and group, watched with their own (tighter) alarms. @default none */
  readonly highLane?: { readonly topic: string; readonly consumerGroupId: string };
  readonly cacheNodeIds: readonly string[];
  readonly functions: readonly WatchedFunction[];
  readonly api: apigw.IHttpApi;
  /** UUID of the dispatcher's event source mapping (its EventCount metrics). */
  readonly eventSourceMappingId: string;
}

/** Percent of API calls answered 5xx that pages (503s mean Kafka or Redis is down). */
const API_5XX_PERCENT = 5;

/** The alarm topic, alarms and dashboard. */
export class HeraldObservability extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: HeraldObservabilityProps) {
    super(scope, id);
    const settings = props.settings;
    assertValid('observability', validateObservability(settings));
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Herald alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch must encrypt with the topic's key to publish alarm notifications.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    if (settings.alarmEmail)
      this.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });

    const lag = consumerLag(props.kafkaClusterName, props.consumerGroupId, props.deliveriesTopic);
    this.alarm('ConsumerLag', lag, {
      threshold: settings.consumerLagRecords,
      evaluationPeriods: 5,
      description: `Dispatcher group '${props.consumerGroupId}' is more than ${settings.consumerLagRecords} records behind for 5 minutes`,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    this.dashboard.addWidgets(
      graph('MSK consumer lag (records)', [
        lag,
        consumerLag(props.kafkaClusterName, props.consumerGroupId, props.deliveriesTopic, 'SumOffsetLag'),
      ]),
      graph('MSK consumer lag (ms)', [
        consumerLag(
          props.kafkaClusterName,
          props.consumerGroupId,
          props.deliveriesTopic,
          'EstimatedMaxTimeLag',
        ),
      ]),
    );

    if (props.highLane) this.watchHighLane(props.kafkaClusterName, props.highLane, settings);
    for (const watched of props.functions)
      this.watchFunction(watched, settings.durationAlarmFractionOfTimeout ?? 0.8);
    this.watchCache(props.cacheNodeIds, settings);

    const failureRate = vendorFailureRate();
    this.alarm('VendorFailureRate', failureRate, {
      threshold: settings.vendorFailureRatePercent,
      evaluationPeriods: 3,
      description: `More than ${settings.vendorFailureRatePercent}% of vendor attempts failed for 15 minutes`,
    });
    const deadLettered = dispatchCounter(DISPATCH_METRICS.deadLettered);
    this.alarm('DeadLettered', deadLettered, {
      threshold: 1,
      evaluationPeriods: 1,
      description: 'Records were put on the dead-letter topic (poison records): inspect and replay',
    });
    // Why at 1: a sent delivery whose mark could not be written is retried, not committed, and its mark
    // carried to the container's next batch; if the container dies first, the send intent holds it. Either
    // way the dedup store was unreachable or full: someone must look (docs/deploy.md runbooks).
    this.alarm('MarksNotWritten', dispatchCounter(DISPATCH_METRICS.marksWriteFailed), {
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'Dedup marks could not be written (Redis unreachable, failing over or full): check the cache',
    });
    // Why at 1: statuses not written leave a request reading `queued` for deliveries already decided, and
    // the store that failed them is the one that holds the dedup state (a restart that lost it shows here).
    this.alarm('StatusesNotWritten', dispatchCounter(DISPATCH_METRICS.statusesWriteFailed), {
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'Delivery statuses could not be written (Redis unreachable, restarted or full): check the cache',
    });
    // Why at 1: an accepted request whose `queued` statuses could not be written (retries included)
    // answers GET with 404 until dispatch's first status write for it rebuilds the record; if Redis
    // refuses that one too (StatusesNotWritten), it stays 404 (docs/deploy.md, "Status reads").
    this.alarm('AcceptedStatusesNotRecorded', ingestCounter(IngestMetric.statusesNotRecorded), {
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'Accepted requests whose queued statuses could not be written: they read 404 until dispatch writes ' +
        'a status for them (Redis unreachable, failing over or full): check the cache',
    });
    // Why at 1: a delivery possibly delivered by a vendor and held (never sent again, policy hold) is
    // one the sender may have to follow up; someone must know (docs/deploy.md, "maybe-sent").
    this.alarm('MaybeSent', dispatchCounter(DISPATCH_METRICS.maybeSent), {
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'Deliveries were possibly delivered by a vendor (no answer, or a crash mid-call) and are held as ' +
        'maybe-sent, never sent again: check the vendor and the statuses',
    });
    // Why both at 1: the mapping gives up on a record only after its record age or retries ran out
    // (an unfilled vendors secret, every vendor down for hours): each one is a delivery not made.
    const gaveUp = mappingCounter(props.eventSourceMappingId, 'OnFailureDestinationDeliveredEventCount');
    this.alarm('MappingGaveUp', gaveUp, {
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'The event source mapping gave up on records (retries or record age ran out) and sent them to the ' +
        'on-failure destination: those deliveries were not made; inspect the destination and replay',
    });
    const dropped = mappingCounter(props.eventSourceMappingId, 'DroppedEventCount');
    this.alarm('MappingDropped', dropped, {
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'The event source mapping dropped records it gave up on without delivering them to the on-failure ' +
        'destination: they are gone from the pipeline; find them by offset while the topic retains them',
    });
    const apiErrors = new cloudwatch.MathExpression({
      label: 'API 5xx (%)',
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        requests: props.api.metricCount({ period: Duration.minutes(5), statistic: 'Sum' }),
      },
      period: Duration.minutes(5),
    });
    this.alarm('ApiServerErrors', apiErrors, {
      threshold: API_5XX_PERCENT,
      evaluationPeriods: 2,
      description: `More than ${API_5XX_PERCENT}% of API calls answered 5xx for 10 minutes (clients retry 503s)`,
    });
    this.dashboard.addWidgets(
      graph('Vendor failure rate (%)', [failureRate]),
      graph('Delivered / dead-lettered', [dispatchCounter(DISPATCH_METRICS.sent), deadLettered]),
      graph('API 5xx (%)', [apiErrors]),
      graph('Mapping gave up / dropped (records)', [gaveUp, dropped]),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
  }

  /**
   * The high-priority lane must stay near empty: a short lag there means codes are late. Why 1-minute
   * periods and small thresholds: the lane carries one-time codes, late by minutes is already failed.
   */
  private watchHighLane(
    clusterName: string,
    lane: { readonly topic: string; readonly consumerGroupId: string },
    settings: ObservabilitySettings,
  ): void {
    const records = settings.highLaneLagRecords ?? 100;
    const seconds = settings.highLaneTimeLagSeconds ?? 30;
    const lag = consumerLag(clusterName, lane.consumerGroupId, lane.topic);
    const timeLag = consumerLag(clusterName, lane.consumerGroupId, lane.topic, 'EstimatedMaxTimeLag');
    this.alarm('HighLaneLag', lag, {
      threshold: records,
      evaluationPeriods: 2,
      description: `High-priority lane '${lane.consumerGroupId}' is more than ${records} records behind for 2 minutes`,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    this.alarm('HighLaneTimeLag', timeLag, {
      // EstimatedMaxTimeLag is in seconds (MSK: time estimate to drain MaxOffsetLag).
      threshold: seconds,
      evaluationPeriods: 2,
      description: `High-priority lane needs more than ${seconds} s to catch up, for 2 minutes`,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    this.dashboard.addWidgets(
      graph('High-priority lane lag (records)', [lag]),
      graph('High-priority lane lag (s to drain)', [timeLag]),
    );
  }

  private watchFunction(watched: WatchedFunction, durationFraction: number): void {
    const fn = watched.function;
    const errors = fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' });
    const throttles = fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' });
    const duration = fn.metricDuration({ period: Duration.minutes(5), statistic: 'p99' });
    const durationLimitMs = Math.round(watched.timeout.toMilliseconds() * durationFraction);
    this.alarm(`${watched.name}Errors`, errors, {
      threshold: 1,
      evaluationPeriods: 1,
      description: `${watched.name} Lambda invocations failed (unhandled errors)`,
    });
    this.alarm(`${watched.name}Throttles`, throttles, {
      threshold: 1,
      evaluationPeriods: 1,
      description: `${watched.name} Lambda invocations were throttled`,
    });
    this.alarm(`${watched.name}Duration`, duration, {
      threshold: durationLimitMs,
      evaluationPeriods: 3,
      description: `${watched.name} p99 duration above ${durationLimitMs} ms (${Math.round(durationFraction * 100)}% of its timeout) for 15 minutes`,
    });
    this.dashboard.addWidgets(
      graph(`${watched.name}: errors and throttles`, [errors, throttles]),
      graph(`${watched.name}: p99 duration (ms)`, [duration]),
    );
  }

  private watchCache(nodeIds: readonly string[], settings: ObservabilitySettings): void {
    const memoryPercent = settings.cacheMemoryWarnPercent ?? 70;
    const cpuPercent = settings.cacheEngineCpuPercent ?? 80;
    // Metric math takes at most 10 metrics per alarm, so large clusters get one alarm per 10 nodes.
    chunk(nodeIds, MAX_METRICS_PER_EXPRESSION).forEach((nodes, index) => {
      const part = nodeIds.length > MAX_METRICS_PER_EXPRESSION ? String(index + 1) : '';
      const title = part ? `Cache nodes (part ${part})` : 'Cache nodes';
      const memory = acrossNodes(nodes, 'DatabaseMemoryUsagePercentage', 'MAX', 'Cache memory used (%)');
      const evictions = acrossNodes(nodes, 'Evictions', 'SUM', 'Cache evictions');
      const cpu = acrossNodes(nodes, 'EngineCPUUtilization', 'MAX', 'Cache engine CPU (%)');
      this.alarm(`CacheMemory${part}`, memory, {
        threshold: memoryPercent,
        evaluationPeriods: 5,
        description: `A cache node is above ${memoryPercent}% of maxmemory: add shards before evictions start (npx herald capacity)`,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
      this.alarm(`CacheEvictions${part}`, evictions, {
        threshold: 1,
        evaluationPeriods: 1,
        description: 'The cache evicted keys: dedup marks may be gone early, duplicates become possible',
      });
      this.alarm(`CacheEngineCpu${part}`, cpu, {
        threshold: cpuPercent,
        evaluationPeriods: 5,
        description: `A cache node's Redis engine thread is above ${cpuPercent}% CPU for 5 minutes`,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
      this.dashboard.addWidgets(
        graph(`${title}: memory and CPU (%)`, [memory, cpu]),
        graph(`${title}: evictions`, [evictions]),
      );
    });
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: {
      threshold: number;
      evaluationPeriods: number;
      description: string;
      treatMissingData?: cloudwatch.TreatMissingData;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      datapointsToAlarm: options.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Why: no data for a counter means nothing happened; gauges (lag, cache) pass MISSING instead.
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}

/** An EMF counter of the ingest Lambda, summed per 5 minutes. */
function ingestCounter(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: HERALD_NAMESPACE,
    metricName,
    dimensionsMap: { service: ServiceName.ingest },
    statistic: 'Sum',
    period: Duration.minutes(5),
  });
}

function graph(title: string, metrics: cloudwatch.IMetric[]): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left: metrics, width: 12 });
}
