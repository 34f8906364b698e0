/**
 * Alarms and dashboard: MSK consumer lag of the dispatcher's group, Lambda errors/throttles/
 * duration, ElastiCache memory (warn at 70 %), evictions and engine CPU across every node, vendor
 * failure rate and dead letters from the dispatcher's EMF metrics, all notifying one encrypted topic.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISPATCH_METRICS } from '../../lib/observability-metrics.ts';
import { logicalIdOf, projectRoot, synthStage } from './synth.ts';

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

function alarm(template: Template, pathPart: string): Alarm['Properties'] {
  const id = logicalIdOf(template, 'AWS::CloudWatch::Alarm', pathPart);
  return (template.toJSON().Resources[id] as Alarm).Properties;
}

const metricNames = (props: Alarm['Properties']) =>
  (props.Metrics ?? []).flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : []));

describe('HeraldObservability (prod)', () => {
  let template: Template;
  let topic: string;
  beforeAll(() => {
    template = synthStage('prod').template;
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

  it('uses the metric names the dispatcher actually emits', () => {
    const source = readFileSync(resolve(projectRoot, 'lambdas/dispatch/dispatch-report.ts'), 'utf8');
    for (const name of [
      DISPATCH_METRICS.sent,
      DISPATCH_METRICS.vendorFailures,
      DISPATCH_METRICS.deadLettered,
    ]) {
      expect(source).toContain(`'${name}'`);
    }
    const handler = readFileSync(resolve(projectRoot, 'lambdas/dispatch/handler.ts'), 'utf8');
    expect(handler).toContain(`'${DISPATCH_METRICS.service}'`);
  });

  it('notifies the KMS-encrypted, TLS-only SNS topic on alarm and on recovery', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
    expect(alarms.length).toBe(18);
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
    template.resourceCountIs('AWS::CloudWatch::Alarm', 15);
  });
});
