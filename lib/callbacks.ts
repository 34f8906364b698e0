/**
 * Callbacks: the webhook registry secret (clientId → {url, secret}; operators put the value), and the
 * callbacks Lambda run every minute by an EventBridge schedule to sweep the receipt timeouts that ran
 * out (a webhook client's delivery still `sent` after 72 h is recorded `unknown` in the status store,
 * hence the status retention) and deliver due callbacks from the Redis queue. Why a Redis schedule and not a Kafka topic consumed by an event source mapping: the mapping
 * retries a failed batch in place, so one client's webhook being down for hours would hold up every
 * other client's callbacks on the same partition; a per-event schedule retries each on its own.
 * The function runs in the egress tier (webhooks are on the internet), 443 only.
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { HERALD_NAMESPACE, ReceiptTimeoutMetric } from '../lambdas/shared/metric-names.ts';
import type { HeraldFunction } from './herald-function.ts';
import { notifyingAlarm } from './lifecycle-alarm.ts';
import { type StatusFunctionProps, statusFunction } from './status-function.ts';

/** Props of {@link HeraldCallbacks}. */
export interface HeraldCallbacksProps extends Omit<StatusFunctionProps, 'callbacksRegistry'> {
  readonly alarmTopic: sns.ITopic;
}

/** The webhook registry, the callbacks Lambda, its schedule and alarm. */
export class HeraldCallbacks extends Construct {
  readonly registry: secretsmanager.Secret;
  readonly handler: HeraldFunction;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: HeraldCallbacksProps) {
    super(scope, id);
    this.registry = this.createRegistry(props.removalPolicy);
    this.handler = statusFunction(
      this,
      { ...props, callbacksRegistry: this.registry },
      {
        entry: 'lambdas/callbacks/handler.ts',
        description: 'Herald callbacks: POSTs signed final-state events to client webhooks, with retries',
        service: 'herald-callbacks',
        label: 'callbacks',
        // Why 55 s: a run ends before the next scheduled one starts (every minute).
        timeout: Duration.seconds(55),
        reservedConcurrency: 1,
      },
    );
    this.handler.connections.allowToAnyIpv4(ec2.Port.tcp(443), 'callbacks to client webhooks (HTTPS)');
    new events.Rule(this, 'Schedule', {
      description: 'Herald: deliver due callbacks',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.handler.function, { retryAttempts: 0 })],
    });
    this.alarms.push(
      notifyingAlarm(
        this,
        'AbandonedAlarm',
        props.alarmTopic,
        new cloudwatch.Metric({
          namespace: 'Herald',
          metricName: 'CallbackAbandoned',
          dimensionsMap: { service: 'herald-callbacks' },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        { threshold: 1, evaluationPeriods: 1, description: 'Callbacks were given up after 26 h of retries' },
      ),
      notifyingAlarm(
        this,
        'ReceiptTimeoutSweepAlarm',
        props.alarmTopic,
        new cloudwatch.Metric({
          namespace: HERALD_NAMESPACE,
          metricName: ReceiptTimeoutMetric.sweepFailed,
          dimensionsMap: { service: 'herald-callbacks' },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        {
          threshold: 1,
          // Why 15 minutes: one failed sweep is retried by the next run; a quarter hour of them is not a blip.
          evaluationPeriods: 3,
          description: 'Receipt-timeout sweeps keep failing: unknown statuses and their callbacks are late',
        },
      ),
    );
  }

  private createRegistry(removalPolicy: RemovalPolicy): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'Webhooks', {
      description: 'Herald client webhooks (JSON clientId → {url, secret}); put the real value after deploy',
      // Why an empty object: no client has a webhook until an operator puts the registry.
      secretObjectValue: {},
      removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Webhook signing secrets are agreed with each client and rotated with them (docs/deploy.md).',
    });
    return secret;
  }
}
