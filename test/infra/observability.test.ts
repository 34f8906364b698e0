import { Logger } from '@aws-lambda-powertools/logger';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportBatch } from '../../lambdas/dispatch/dispatch-report.ts';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { DISPATCH_METRICS } from '../../lib/observability-metrics.ts';
import { logicalIdOf, synthStage } from './synth.ts';

type Alarm = {
  Properties: {
    AlarmDescription: string;
    Threshold: number;
    ComparisonOperator: string;
    EvaluationPeriods: number;
    AlarmActions: unknown[];
    OKActions: unknown[];
    MetricName?: string;
    Namespace?: string;
    Dimensions?: Array<{ Name: string; Value: unknown }>;
    Metrics?: Array<{
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: {
          MetricName: string;
          Namespace: string;
          Dimensions: Array<{ Name: string; Value: unknown }>;
        };
      };
    }>;
  };
};

/** Alarms of this construct (the receipts and dead-letters constructs add their own, every one notifying the same topic). */
function observabilityAlarms(template: Template): number {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((resource) =>
    String((resource as { Metadata?: Record<string, unknown> }).Metadata?.['aws:cdk:path'] ?? '').includes(
      '/Observability/',
    ),
  ).length;
}

function alarm(template: Template, pathPart: string): Alarm['Properties'] {
  const id = logicalIdOf(template, 'AWS::CloudWatch::Alarm', pathPart);
  return (template.toJSON().Resources[id] as Alarm).Properties;
}

const metricNames = (props: Alarm['Properties']) =>
  (props.Metrics ?? []).flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : []));

describe('HeraldObservability (prod with 6 cache shards)', () => {
  let template: Template;
  let topic: string;
  beforeAll(() => {
    // Six shards (18 nodes), so that the cache alarms must be split at ten metrics each.
    template = synthStage('prod', {
      override: (config) => ({ ...config, cache: { ...config.cache, shardCount: 6 } }),
    }).template;
    topic = logicalIdOf(template, 'AWS::SNS::Topic', 'Observability/AlarmTopic');
  });

  it("alarms on the dispatcher group's MSK offset lag for the deliveries topic", () => {
    const props = alarm(template, 'ConsumerLagAlarm');
    expect(props).toMatchObject({
      Namespace: 'AWS/Kafka',
      MetricName: 'MaxOffsetLag',
      Threshold: 50_000,
      EvaluationPeriods: 5,
    });
    const dimensions = Object.fromEntries((props.Dimensions ?? []).map((d) => [d.Name, d.Value]));
    expect(dimensions).toMatchObject({ 'Consumer Group': 'herald-dispatcher', Topic: 'herald.deliveries' });
    expect(String(dimensions['Cluster Name'])).toMatch(/^heraldprod-kafka-/);
  });

  it.each(['Ingest', 'Dispatch'])(
    'alarms on %s errors, throttles and p99 duration near the timeout',
    (name) => {
      expect(alarm(template, `${name}ErrorsAlarm`)).toMatchObject({ MetricName: 'Errors', Threshold: 1 });
      expect(alarm(template, `${name}ThrottlesAlarm`)).toMatchObject({
        MetricName: 'Throttles',
        Threshold: 1,
      });
      const timeoutMs = name === 'Ingest' ? 15_000 : 120_000;
      expect(alarm(template, `${name}DurationAlarm`)).toMatchObject({
        MetricName: 'Duration',
        Threshold: timeoutMs * 0.8,
      });
    },
  );

  it.each([
    ['CacheMemory', 'DatabaseMemoryUsagePercentage', 70, /^MAX\(\[FILL\(/],
    ['CacheEvictions', 'Evictions', 1, /^SUM\(\[FILL\(/],
    ['CacheEngineCpu', 'EngineCPUUtilization', 80, /^MAX\(\[FILL\(/],
  ])('%s alarms cover all 18 cache nodes, at most ten per alarm', (prefix, metricName, threshold, fold) => {
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
      .filter(([id]) => new RegExp(`^Observability${prefix}\\dAlarm`).test(id))
      .map(([, resource]) => (resource as Alarm).Properties);
    expect(alarms).toHaveLength(2);
    const nodes = alarms.flatMap((props) =>
      (props.Metrics ?? []).flatMap((m) =>
        m.MetricStat ? [JSON.stringify(m.MetricStat.Metric.Dimensions)] : [],
      ),
    );
    expect(nodes).toHaveLength(18);
    expect(new Set(nodes).size).toBe(18);
    for (const shard of ['0001', '0006']) {
      for (const node of ['001', '003'])
        expect(nodes.some((n) => n.includes(`-${shard}-${node}"`))).toBe(true);
    }
    for (const props of alarms) {
      expect(props.Threshold).toBe(threshold);
      expect(props.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      expect(metricNames(props).length).toBeLessThanOrEqual(10);
      expect(new Set(metricNames(props))).toEqual(new Set([metricName]));
      expect(props.Metrics?.find((metric) => metric.Expression)?.Expression).toMatch(fold);
    }
  });

  it("computes the vendor failure rate from the dispatcher's EMF counters", () => {
    const props = alarm(template, 'VendorFailureRateAlarm');
    expect(props.Threshold).toBe(10);
    expect(metricNames(props).sort()).toEqual(
      [DISPATCH_METRICS.sent, DISPATCH_METRICS.vendorFailures].sort(),
    );
    const namespaces = (props.Metrics ?? []).flatMap((m) =>
      m.MetricStat ? [m.MetricStat.Metric.Namespace] : [],
    );
    expect(new Set(namespaces)).toEqual(new Set(['Herald']));
    expect(alarm(template, 'DeadLetteredAlarm')).toMatchObject({
      Namespace: 'Herald',
      MetricName: DISPATCH_METRICS.deadLettered,
      Threshold: 1,
    });
  });

  it('alarms on metrics the dispatcher actually emits, under the service name its function runs as', () => {
    // Prepare: a batch with a record of each fate, reported through a recording Metrics
    const names = new Set<string>();
    const metrics = {
      addMetric: (name: string) => names.add(name),
      addDimension: () => undefined,
      singleMetric: () => metrics,
    } as never;
    const logger = new Logger({ logLevel: 'SILENT' });
    const id = (offset: number) => ({ partition: 't-0', offset });
    const keys = {
      deliveryId: 'd',
      requestId: 'r',
      statusKeys: { deliveryId: 'd', requestId: 'r', clientId: 'c', acceptedAt: '2026-01-01T00:00:00.000Z' },
    };
    const records = [
      { ...keys, id: id(0), fate: 'sent', vendor: 'a', attempts: [{ vendor: 'a', kind: 'accepted' }] },
      { ...keys, id: id(1), fate: 'maybe-sent', vendor: 'a', reason: 'x', attempts: [] },
      { id: id(2), fate: 'dead-lettered', reason: 'poison' },
      { ...keys, id: id(3), fate: 'retry', reason: 'x', attempts: [{ vendor: 'a', kind: 'unavailable' }] },
    ] as const;

    // Act
    reportBatch({ response: { batchItemFailures: [] }, records, problems: {} }, logger, metrics);

    // Assess
    for (const name of [
      DISPATCH_METRICS.sent,
      DISPATCH_METRICS.vendorFailures,
      DISPATCH_METRICS.deadLettered,
      DISPATCH_METRICS.maybeSent,
    ]) {
      expect(names).toContain(name);
    }
    const [dispatchFunction] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties?.Environment?.Variables?.[EnvKey.claimLeaseMs] !== undefined,
    );
    expect(dispatchFunction?.Properties.Environment.Variables[EnvKey.serviceName]).toBe(
      DISPATCH_METRICS.service,
    );
  });

  it('notifies the KMS-encrypted, TLS-only SNS topic on alarm and on recovery', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
    expect(observabilityAlarms(template)).toBe(24);
    for (const { Properties } of alarms) {
      expect(Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(Properties.OKActions).toEqual([{ Ref: topic }]);
    }
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('draws a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('HeraldObservability (dev: one shard, two nodes)', () => {
  it('needs a single alarm per cache metric', () => {
    const { template } = synthStage('dev');
    const memory = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmDescription: Match.stringLikeRegexp('above 70% of maxmemory') },
      }),
    ) as Alarm[];
    expect(memory.map((a) => metricNames(a.Properties).length)).toEqual([2]);
    expect(observabilityAlarms(template)).toBe(21);
  });
});
