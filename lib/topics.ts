/**
 * The Kafka topics, created by a custom resource whose handler speaks the Kafka admin protocol over
 * IAM (lambdas/topics/handler.ts). It only ever creates topics and raises partition counts; a
 * stack update that asks for fewer partitions, a rename or a delete never removes data.
 */
import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import { EnvKey } from '../lambdas/shared/env-keys.ts';
import type { TopicSettings, TopicSpec } from './config/stage-config.ts';
import { assertValid, SEGMENT_SLACK_SECONDS, validateTopics } from './config/validate.ts';
import { type FunctionPlacement, HeraldFunction, placementOf } from './herald-function.ts';
import { type HeraldKafka, MSK_IAM_PORT } from './kafka.ts';

/** Props of {@link HeraldTopics}. */
export interface HeraldTopicsProps extends FunctionPlacement {
  readonly settings: TopicSettings;
  readonly kafka: HeraldKafka;
  /** Broker count, or undefined on MSK Serverless (replication fixed by the service). */
  readonly brokerCount: number | undefined;
  /** The SASL/IAM bootstrap brokers (resolved at deploy time, HeraldBrokers). */
  readonly bootstrapBrokers: string;
  /**
   * What must exist before the handler runs: the VPC endpoints, and anything else the network path
   * needs. The handler's own security-group rules (to MSK) are added here by the construct itself.
   */
  readonly dependsOn?: readonly IDependable[];
}

const HOUR_MS = 3_600_000;

/** The deliveries, dead-letter and (when configured) high-priority lane topics. */
export class HeraldTopics extends Construct {
  readonly resource: CustomResource;
  readonly handler: HeraldFunction;

  constructor(scope: Construct, id: string, props: HeraldTopicsProps) {
    super(scope, id);
    const settings = props.settings;
    assertValid('topics', validateTopics(settings, props.brokerCount));
    this.handler = new HeraldFunction(this, 'Handler', {
      ...placementOf(props),
      entry: 'lambdas/topics/handler.ts',
      description: 'Herald topic custom resource: creates topics and raises partitions over MSK IAM',
      memoryMiB: 256,
      timeout: Duration.minutes(5),
      environment: { [EnvKey.serviceName]: 'herald-topics', [EnvKey.kafkaTimeoutMs]: '30000' },
    });
    // Brokers come in the resource properties and IAM tokens are signed locally: the handler calls no
    // AWS API, so it needs no path to the endpoints, only to the brokers.
    this.handler.allowTo(props.kafka, MSK_IAM_PORT, 'topic admin to MSK (SASL/IAM)');
    const lanes = settings.highPriority ? [settings.highPriority] : [];
    const names = [settings.deliveries.name, settings.deadLetter.name, ...lanes.map((t) => t.name)];
    props.kafka.grantTopicAdmin(this.handler, names);

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: props.logRetentionDays as logs.RetentionDays,
        removalPolicy: props.removalPolicy,
      }),
    });
    const handlerLogicalId = Stack.of(this).resolve(
      (this.handler.function.node.defaultChild as lambda.CfnFunction).logicalId,
    );
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The CDK custom-resource Provider framework function uses AWSLambdaBasicExecutionRole for its ' +
          'own logs; it holds no data access and only invokes the topic handler.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
        reason:
          'The Provider framework may invoke any version of the topic handler (<arn>:*); the wildcard is ' +
          'the version qualifier of that single function.',
      },
    );
    const brokerManaged = props.brokerCount !== undefined;
    const topic = (spec: TopicSpec, isDeliveries: boolean) => ({
      Name: spec.name,
      Partitions: spec.partitions,
      ...(brokerManaged ? { ReplicationFactor: settings.replicationFactor ?? 3 } : {}),
      // Set at creation and on every update.
      Configs: {
        'retention.ms': String(spec.retentionHours * HOUR_MS),
        ...(brokerManaged ? { 'min.insync.replicas': String(settings.minInSyncReplicas ?? 2) } : {}),
        // Why: retention deletes closed segments only; a one-hour segment bounds how much older than
        // retention a replayed record can be (validateRetention). MSK Serverless does not offer it.
        ...(brokerManaged && isDeliveries ? { 'segment.ms': String(SEGMENT_SLACK_SECONDS * 1000) } : {}),
      },
      // Set only when the topic is created: MSK Serverless accepts cleanup.policy at creation only.
      CreateConfigs: { 'cleanup.policy': 'delete' },
    });
    this.resource = new CustomResource(this, 'Topics', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::HeraldKafkaTopics',
      properties: {
        ClusterArn: props.kafka.clusterArn,
        BootstrapBrokers: props.bootstrapBrokers,
        Topics: [
          topic(settings.deliveries, true),
          topic(settings.deadLetter, false),
          ...lanes.map((lane) => topic(lane, true)),
        ],
      },
    });
    // Why: CloudFormation may invoke the handler as soon as the function exists, before the
    // security-group rules that let it reach the brokers (separate resources on both groups).
    this.resource.node.addDependency(
      ...this.handler.connections.securityGroups,
      ...props.kafka.connections.securityGroups,
      ...(props.dependsOn ?? []),
    );
  }
}
