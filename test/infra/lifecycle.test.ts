/**
 * Receipts and dead letters: EventBridge rules with the shared patterns target the receipts Lambda
 * (24 h of retries, a dead-letter queue); a mapping on the dead-letter topic feeds the dead-letters
 * Lambda; each has its alarms on the alarm topic.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SES_RECEIPT_PATTERN, SMS_RECEIPT_PATTERN } from '../../lib/config/receipt-rules.ts';
import { logicalIdOf, propertiesOf, synthStage } from './synth.ts';

describe('HeraldReceipts and HeraldDeadLetters (prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod').template;
  });

  it.each([
    ['SES', SES_RECEIPT_PATTERN],
    ['SMS', SMS_RECEIPT_PATTERN],
  ])('routes %s events to the receipts Lambda with 24 h of retries and a dead-letter queue', (_, pattern) => {
    const fn = logicalIdOf(template, 'AWS::Lambda::Function', 'Receipts/Handler/Function');
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', 'Receipts/DeadLetterQueue');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: pattern.source, 'detail-type': pattern['detail-type'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
        }),
      ],
    });
  });

  it('lets EventBridge invoke the receipts Lambda', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      FunctionName: {
        'Fn::GetAtt': [logicalIdOf(template, 'AWS::Lambda::Function', 'Receipts/Handler/Function'), 'Arn'],
      },
    });
  });

  it('maps the dead-letter topic to the dead-letters Lambda', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['herald.deliveries.dlq'],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'herald-dead-letters' },
      StartingPosition: 'TRIM_HORIZON',
      FunctionName: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'DeadLetters/Handler/Function') },
    });
  });

  it('runs the callbacks Lambda every minute, one run at a time', () => {
    const fn = logicalIdOf(template, 'AWS::Lambda::Function', 'Callbacks/Handler/Function');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })],
    });
    expect(propertiesOf(template, 'AWS::Lambda::Function', 'Callbacks/Handler/Function')).toMatchObject({
      ReservedConcurrentExecutions: 1,
    });
  });

  it('gives the callbacks Lambda the status retention its receipt-timeout sweep writes with, and alarms on failing sweeps', () => {
    const fn = propertiesOf(template, 'AWS::Lambda::Function', 'Callbacks/Handler/Function') as {
      Environment: { Variables: Record<string, unknown> };
    };
    const ingest = propertiesOf(template, 'AWS::Lambda::Function', 'Ingest/Handler/Function') as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Environment.Variables.HERALD_STATUS_RETENTION_SECONDS).toBe(
      ingest.Environment.Variables.HERALD_STATUS_RETENTION_SECONDS,
    );
    expect(fn.Environment.Variables.HERALD_STATUS_RETENTION_SECONDS).toMatch(/^\d+$/);
    const alarm = propertiesOf(template, 'AWS::CloudWatch::Alarm', 'Callbacks/ReceiptTimeoutSweepAlarm') as {
      AlarmActions: unknown[];
      MetricName: string;
      EvaluationPeriods: number;
    };
    expect(alarm).toMatchObject({ MetricName: 'ReceiptTimeoutSweepFailed', EvaluationPeriods: 3 });
    expect(alarm.AlarmActions).toEqual([
      { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Observability/AlarmTopic') },
    ]);
  });

  it('points the receipts, dead-letters, callbacks and dispatch Lambdas at the webhook registry secret', () => {
    const registry = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Callbacks/Webhooks');
    for (const path of [
      'Dispatch/Handler/Function',
      'Receipts/Handler/Function',
      'DeadLetters/Handler/Function',
      'Callbacks/Handler/Function',
    ]) {
      const fn = propertiesOf(template, 'AWS::Lambda::Function', path) as {
        Environment: { Variables: Record<string, unknown> };
      };
      expect(fn.Environment.Variables.HERALD_CALLBACKS_SECRET_ARN).toEqual({ Ref: registry });
    }
  });

  it('alarms on receipts dead-lettered, dead-lettered deliveries and the dead-letters lag, to the alarm topic', () => {
    const topic = logicalIdOf(template, 'AWS::SNS::Topic', 'Observability/AlarmTopic');
    for (const path of [
      'Receipts/DeadLetterAlarm',
      'Receipts/ErrorsAlarm',
      'DeadLetters/FailedDeliveriesAlarm',
      'DeadLetters/UnattributableAlarm',
      'DeadLetters/LagAlarm',
    ]) {
      const alarm = propertiesOf(template, 'AWS::CloudWatch::Alarm', path) as { AlarmActions: unknown[] };
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
    }
    const lag = propertiesOf(template, 'AWS::CloudWatch::Alarm', 'DeadLetters/LagAlarm') as {
      Dimensions: { Name: string; Value: unknown }[];
    };
    expect(lag.Dimensions).toEqual(
      expect.arrayContaining([{ Name: 'Consumer Group', Value: 'herald-dead-letters' }]),
    );
  });
});
