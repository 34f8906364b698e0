/**
 * The high-priority lane in CDK: its own topic, its own event source mapping on the same dispatch
 * function (its own group, batch size, zero batching window, pollers, retries and record age), ingest
 * producing to it, and alarms of its own; a stage without a lane keeps one mapping.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import type { StageConfig } from '../../lib/config/stage-config.ts';
import { prodStage } from '../../lib/config/stages.ts';
import { validateStageConfig } from '../../lib/config/validate.ts';
import { logicalIdOf, propertiesOf, synthStage } from './synth.ts';

type Mapping = { Properties: Record<string, unknown> };
/** The dispatch function's mappings (the dead-letters consumer has a mapping of its own). */
const mappings = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::EventSourceMapping'))
    .filter(([, resource]) =>
      String((resource as { Metadata?: Record<string, unknown> }).Metadata?.['aws:cdk:path']).includes(
        'Dispatch/',
      ),
    )
    .map(([, resource]) => resource) as Mapping[];

function policyResources(template: Template, path: string, action: string): string {
  const policy = propertiesOf(template, 'AWS::IAM::Policy', path) as {
    PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
  };
  return JSON.stringify(
    policy.PolicyDocument.Statement.filter((s) => [s.Action].flat().includes(action)).map((s) => s.Resource),
  );
}

describe('the high-priority lane (prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod').template;
  });

  it('maps herald.deliveries.high to the same dispatch function with the lane settings', () => {
    const all = mappings(template);
    expect(all).toHaveLength(2);
    const high = all.find((m) => JSON.stringify(m.Properties.Topics) === '["herald.deliveries.high"]');
    const normal = all.find((m) => JSON.stringify(m.Properties.Topics) === '["herald.deliveries"]');
    expect(high?.Properties).toMatchObject({
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'herald-dispatcher-high' },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 200,
      MaximumRecordAgeInSeconds: 1800,
      DestinationConfig: { OnFailure: { Destination: 'kafka://herald.deliveries.dlq' } },
    });
    expect(high?.Properties.FunctionName).toEqual(normal?.Properties.FunctionName);
    expect(normal?.Properties).toMatchObject({ BatchSize: 500, MaximumBatchingWindowInSeconds: 1 });
  });

  it('lets the dispatcher read the lane topic as the lane group, and ingest write it', () => {
    const read = policyResources(template, 'Dispatch/Handler/Role/DefaultPolicy', 'kafka-cluster:ReadData');
    expect(read).toContain('/herald.deliveries.high"');
    const groups = policyResources(
      template,
      'Dispatch/Handler/Role/DefaultPolicy',
      'kafka-cluster:AlterGroup',
    );
    expect(groups).toContain('/herald-dispatcher-high"');
    const write = policyResources(template, 'Ingest/Handler/Role/DefaultPolicy', 'kafka-cluster:WriteData');
    expect(write).toContain('/herald.deliveries.high"');
  });

  it('tells ingest the lane topic', () => {
    const fn = propertiesOf(template, 'AWS::Lambda::Function', 'Ingest/Handler/Function') as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Environment.Variables[EnvKey.highPriorityTopic]).toBe('herald.deliveries.high');
  });

  it("alarms on the lane group's offset lag and time to catch up, with tight thresholds", () => {
    const alarm = (path: string) =>
      (
        template.toJSON().Resources[logicalIdOf(template, 'AWS::CloudWatch::Alarm', path)] as {
          Properties: {
            MetricName: string;
            Threshold: number;
            Dimensions: Array<{ Name: string; Value: unknown }>;
          };
        }
      ).Properties;
    const lag = alarm('HighLaneLagAlarm');
    const time = alarm('HighLaneTimeLagAlarm');
    expect(lag).toMatchObject({ MetricName: 'MaxOffsetLag', Threshold: 100 });
    expect(time).toMatchObject({ MetricName: 'EstimatedMaxTimeLag', Threshold: 30 });
    const dimensions = Object.fromEntries(lag.Dimensions.map((d) => [d.Name, d.Value]));
    expect(dimensions).toMatchObject({
      'Consumer Group': 'herald-dispatcher-high',
      Topic: 'herald.deliveries.high',
    });
  });
});

describe('a stage without a lane', () => {
  it('keeps one mapping and gives ingest no lane topic', () => {
    const { highPriority: _topic, ...topics } = prodStage.topics;
    const { highLane: _lane, ...dispatch } = prodStage.dispatch;
    const { template } = synthStage('prod', { override: (config) => ({ ...config, topics, dispatch }) });
    expect(mappings(template)).toHaveLength(1);
    const fn = propertiesOf(template, 'AWS::Lambda::Function', 'Ingest/Handler/Function') as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Environment.Variables[EnvKey.highPriorityTopic]).toBeUndefined();
  });
});

describe('lane validation', () => {
  const invalid = (config: StageConfig) => () => validateStageConfig(config);
  const lane = prodStage.dispatch.highLane as NonNullable<StageConfig['dispatch']['highLane']>;

  it.each([
    [
      'a lane without its topic',
      {
        ...prodStage,
        topics: { deliveries: prodStage.topics.deliveries, deadLetter: prodStage.topics.deadLetter },
      },
      /set both or neither/,
    ],
    [
      'the normal group for the lane',
      {
        ...prodStage,
        dispatch: { ...prodStage.dispatch, highLane: { ...lane, consumerGroupId: 'herald-dispatcher' } },
      },
      /highLane\.consumerGroupId must differ/,
    ],
    [
      'a lane topic equal to the deliveries topic',
      {
        ...prodStage,
        topics: {
          ...prodStage.topics,
          highPriority: { name: 'herald.deliveries', partitions: 3, retentionHours: 1 },
        },
      },
      /highPriority must differ/,
    ],
    [
      'a lane retry count that cannot cover a crash',
      { ...prodStage, dispatch: { ...prodStage.dispatch, highLane: { ...lane, retryAttempts: 1 } } },
      /highLane: dispatch\.retryAttempts \(1\) cannot cover a crash/,
    ],
    [
      'a lane batch of 0',
      { ...prodStage, dispatch: { ...prodStage.dispatch, highLane: { ...lane, batchSize: 0 } } },
      /dispatch\.highLane\.batchSize/,
    ],
  ] as Array<[string, StageConfig, RegExp]>)('rejects %s', (_name, config, message) => {
    expect(invalid(config)).toThrow(message);
  });
});
