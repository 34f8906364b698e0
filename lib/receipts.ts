/**
 * Delivery receipts: EventBridge rules on the default bus for SES email events and End User Messaging
 * SMS text events (patterns in config/receipt-rules.ts, shared with the local event bus), targeting
 * the receipts Lambda. EventBridge invokes it asynchronously and retries for 24 h (185 attempts); an
 * event that still fails lands in an SQS dead-letter queue, which is alarmed, as are function errors.
 * The function reads and writes statuses in ElastiCache only (isolated tier, no Kafka).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECEIPT_RULES } from './config/receipt-rules.ts';
import type { HeraldFunction } from './herald-function.ts';
import { notifyingAlarm } from './lifecycle-alarm.ts';
import { type StatusFunctionProps, statusFunction } from './status-function.ts';

/** Props of {@link HeraldReceipts}. */
export interface HeraldReceiptsProps extends StatusFunctionProps {
  readonly alarmTopic: sns.ITopic;
}

/** The receipts Lambda, its rules, dead-letter queue, metric and alarms. */
export class HeraldReceipts extends Construct {
  readonly handler: HeraldFunction;
  readonly rules: events.Rule[] = [];
  readonly deadLetterQueue: sqs.Queue;
  /** Receipts applied to a status (EMF, namespace Herald, service herald-receipts). */
  readonly appliedMetric: cloudwatch.Metric;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: HeraldReceiptsProps) {
    super(scope, id);
    this.handler = statusFunction(this, props, {
      entry: 'lambdas/receipts/handler.ts',
      description: 'Herald receipts: moves statuses forward from SES and SMS delivery events',
      service: 'herald-receipts',
      label: 'receipts',
      timeout: Duration.seconds(10),
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the receipts rules’ Lambda targets.',
    });
    for (const [name, pattern] of Object.entries(RECEIPT_RULES)) {
      const rule = new events.Rule(this, name, {
        description: `Herald: ${name} to the receipts Lambda`,
        eventPattern: { source: [...pattern.source], detailType: [...pattern['detail-type']] },
      });
      // Why 24 h and 185: EventBridge's maximum; a receipt is worth keeping through a long Redis outage.
      rule.addTarget(
        new targets.LambdaFunction(this.handler.function, {
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      );
      this.rules.push(rule);
    }

    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'Herald',
        metricName,
        dimensionsMap: { service: 'herald-receipts' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    this.appliedMetric = metric('ReceiptApplied');
    this.alarms.push(
      notifyingAlarm(
        this,
        'DeadLetterAlarm',
        props.alarmTopic,
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
        {
          threshold: 1,
          evaluationPeriods: 1,
          description:
            'Receipts EventBridge could not deliver for 24 h are in the receipts dead-letter queue',
        },
      ),
      notifyingAlarm(
        this,
        'ErrorsAlarm',
        props.alarmTopic,
        this.handler.function.metricErrors({ period: Duration.minutes(5) }),
        {
          threshold: 5,
          evaluationPeriods: 3,
          description: 'The receipts Lambda keeps failing (status store down?); EventBridge retries for 24 h',
        },
      ),
      notifyingAlarm(this, 'UnknownDeliveryAlarm', props.alarmTopic, metric('ReceiptUnknownDelivery'), {
        threshold: 100,
        evaluationPeriods: 1,
        description:
          'Many receipts name deliveries Herald does not know (tags from another stage? expired statuses?)',
      }),
    );
  }
}
