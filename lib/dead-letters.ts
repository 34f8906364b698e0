/**
 * The dead-letters Lambda: an MSK event source mapping on the dead-letter topic (on-demand mode:
 * retries until it succeeds, so no dead letter is skipped) that records each delivery found there as
 * `failed` with its cause. The function itself never talks to Kafka (the mapping's pollers do). Alarms: deliveries dead-lettered (an operator decides on `herald redrive`),
 * dead letters naming no delivery, and the mapping falling behind (a delivery would stay `queued`).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, type IDependable } from 'constructs';
import type { HeraldFunction } from './herald-function.ts';
import type { HeraldKafka } from './kafka.ts';
import { notifyingAlarm } from './lifecycle-alarm.ts';
import { consumerLag } from './observability-metrics.ts';
import { type StatusFunctionProps, statusFunction } from './status-function.ts';

/** Props of {@link HeraldDeadLetters}. */
export interface HeraldDeadLettersProps extends StatusFunctionProps {
  readonly kafka: HeraldKafka;
  readonly deadLetterTopic: string;
  readonly topicsReady: IDependable;
  readonly alarmTopic: sns.ITopic;
  /** @default 'herald-dead-letters' */
  readonly consumerGroupId?: string;
}

/** The dead-letters function, its mapping and alarms. */
export class HeraldDeadLetters extends Construct {
  readonly handler: HeraldFunction;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: HeraldDeadLettersProps) {
    super(scope, id);
    const group = props.consumerGroupId ?? 'herald-dead-letters';
    this.handler = statusFunction(this, props, {
      entry: 'lambdas/dead-letters/handler.ts',
      description: 'Herald dead letters: records dead-lettered deliveries as failed with the cause',
      service: 'herald-dead-letters',
      label: 'dead letters',
      timeout: Duration.seconds(60),
    });
    props.kafka.grantConsume(this.handler, props.deadLetterTopic, group);
    this.handler.function.addEventSource(
      new ManagedKafkaEventSource({
        clusterArn: props.kafka.clusterArn,
        topic: props.deadLetterTopic,
        consumerGroupId: group,
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
      }),
    );
    const mapping = this.handler.function.node.children.find(
      (child) => child instanceof lambda.EventSourceMapping,
    );
    if (!mapping) throw new Error('ManagedKafkaEventSource created no event source mapping');
    mapping.node.addDependency(props.topicsReady);
    Validations.of(this.handler.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      reason:
        'ManagedKafkaEventSource attaches AWSLambdaMSKExecutionRole, the AWS-documented minimum for the MSK ' +
        'pollers; topic, group and data actions are granted separately on exact ARNs.',
    });

    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'Herald',
        metricName,
        dimensionsMap: { service: 'herald-dead-letters' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    this.alarms.push(
      notifyingAlarm(this, 'FailedDeliveriesAlarm', props.alarmTopic, metric('DeadLetteredDelivery'), {
        threshold: 1,
        evaluationPeriods: 1,
        description:
          'Deliveries were dead-lettered and recorded failed: inspect, then `herald redrive` (docs/deploy.md)',
      }),
      notifyingAlarm(this, 'UnattributableAlarm', props.alarmTopic, metric('DeadLetterUnattributable'), {
        threshold: 1,
        evaluationPeriods: 1,
        description:
          'Dead letters that name no delivery: inspect them by position (logs of herald-dead-letters)',
      }),
      notifyingAlarm(
        this,
        'LagAlarm',
        props.alarmTopic,
        consumerLag(props.kafka.clusterName, group, props.deadLetterTopic),
        {
          threshold: 1,
          evaluationPeriods: 15,
          description: 'Dead letters are not being recorded: their deliveries still read queued',
        },
      ),
    );
  }
}
