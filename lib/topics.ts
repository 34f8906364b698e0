/**
 * The Kafka topics, created by a custom resource whose handler speaks the Kafka admin protocol over
 * IAM (lambdas/topics/handler.ts). It only ever creates topics and raises partition counts; a
 * stack update that asks for fewer partitions, a rename or a delete never removes data.
 */
import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { EnvKey } from '../lambdas/shared/env-keys.ts';
import type { TopicSettings, TopicSpec } from './config/stage-config.ts';
import { assertValid, validateTopics } from './config/validate.ts';
import { type FunctionPlacement, HeraldFunction, placementOf } from './herald-function.ts';
import { type HeraldKafka, MSK_IAM_PORT } from './kafka.ts';

/** Props of {@link HeraldTopics}. */
export interface HeraldTopicsProps extends FunctionPlacement {
  readonly settings: TopicSettings;
  readonly kafka: HeraldKafka;
  /** Broker count, or undefined on MSK Serverless (replication fixed by the service). */
  readonly brokerCount: number | undefined;
  readonly endpoints: ec2.IConnectable;
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
    this.handler.allowTo(props.kafka, MSK_IAM_PORT, 'topic admin to MSK (SASL/IAM)');
    this.handler.allowTo(props.endpoints, 443, 'topic admin to AWS API endpoints');
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
    const topic = (spec: TopicSpec) => ({
      Name: spec.name,
      Partitions: spec.partitions,
      ...(brokerManaged ? { ReplicationFactor: settings.replicationFactor ?? 3 } : {}),
      Configs: {
        'retention.ms': String(spec.retentionHours * HOUR_MS),
        'cleanup.policy': 'delete',
        ...(brokerManaged ? { 'min.insync.replicas': String(settings.minInSyncReplicas ?? 2) } : {}),
      },
    });
    this.resource = new CustomResource(this, 'Topics', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::HeraldKafkaTopics',
      properties: {
        ClusterArn: props.kafka.clusterArn,
        Topics: [topic(settings.deliveries), topic(settings.deadLetter), ...lanes.map(topic)],
      },
    });
  }
}
