/**
 * The dispatcher: a Lambda fed by an MSK event source mapping in provisioned mode (required for
 * partial batch responses, bounded retries and on-failure destinations). It runs in the egress tier
 * because vendors are on the internet; vendor credentials come from Secrets Manager, never env.
 */
import { Duration, type RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KafkaDlq, ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IDependable } from 'constructs';
import { EnvKey, VENDORS_SECRET_PLACEHOLDER } from '../lambdas/shared/env-keys.ts';
import { ServiceName } from '../lambdas/shared/metric-names.ts';
import type { HeraldCache } from './cache.ts';
import type { DispatchSettings, LaneSettings } from './config/stage-config.ts';
import { assertValid, validateDispatch } from './config/validate.ts';
import { type FunctionPlacement, HeraldFunction, placementOf } from './herald-function.ts';
import type { HeraldKafka } from './kafka.ts';
import { connectToPipeline, pipelineEnvironment } from './pipeline-access.ts';
import { ProviderAccess } from './provider-access.ts';

/** Props of {@link HeraldDispatch}. */
export interface HeraldDispatchProps extends FunctionPlacement {
  readonly settings: DispatchSettings;
  readonly kafka: HeraldKafka;
  readonly cache: HeraldCache;
  readonly deliveriesTopic: string;
  readonly deadLetterTopic: string;
  /** The high-priority lane's topic, read by a second mapping with settings.highLane. @default no lane */
  readonly highPriorityTopic?: string;
  /** How long statuses are kept (the same window ingest uses). */
  readonly statusRetentionSeconds: number;
  /** The event source mapping waits for this (the topics custom resource). */
  readonly topicsReady: IDependable;
  readonly encryptionKey: kms.IKey;
  readonly endpoints: ec2.IConnectable;
}

/** The dispatch function, its event source mapping and its failure destination. */
export class HeraldDispatch extends Construct {
  readonly handler: HeraldFunction;
  readonly vendorsSecret: secretsmanager.ISecret;
  readonly eventSourceMapping: lambda.EventSourceMapping;
  /** The high-priority lane's mapping, when the stage has the lane. */
  readonly highLaneMapping?: lambda.EventSourceMapping;
  /** The SQS on-failure destination, when the stage chose one. */
  readonly failureQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: HeraldDispatchProps) {
    super(scope, id);
    const settings = props.settings;
    assertValid('dispatch', validateDispatch(settings));
    this.vendorsSecret = settings.vendorsSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'Vendors', settings.vendorsSecretArn)
      : this.createVendorsSecret(props.removalPolicy);
    this.handler = new HeraldFunction(this, 'Handler', {
      ...placementOf(props),
      entry: 'lambdas/dispatch/handler.ts',
      description: 'Herald dispatch: dedups and delivers each record through redundant vendors',
      memoryMiB: settings.memoryMiB,
      timeout: Duration.seconds(settings.timeoutSeconds),
      logLevel: settings.logLevel,
      reservedConcurrency: settings.reservedConcurrency,
      environment: {
        ...pipelineEnvironment(props, ServiceName.dispatch, settings.logLevel),
        [EnvKey.vendorsSecretArn]: this.vendorsSecret.secretArn,
        [EnvKey.dedupWindowSeconds]: String(settings.dedupWindowSeconds),
        // Why its own setting, under half the timeout: the app starts no vendor call the lease would
        // not cover, and the retry after a crash waits out the crashed invocation's leases and still
        // sends for a whole lease (validateDispatch checks the lease against the retry budget).
        [EnvKey.claimLeaseMs]: String(settings.claimLeaseSeconds * 1000),
        [EnvKey.statusRetentionSeconds]: String(props.statusRetentionSeconds),
        // The app answers with batchItemFailures only when the mapping below honours them.
        [EnvKey.reportBatchItemFailures]: String(settings.reportBatchItemFailures),
        [EnvKey.maxInFlightSends]: String(settings.maxInFlightSends),
      },
    });
    connectToPipeline(this.handler, props, 'dispatch');
    // Why any IPv4: vendors are third-party HTTPS APIs without fixed addresses; 443 only, via NAT.
    this.handler.connections.allowToAnyIpv4(ec2.Port.tcp(443), 'dispatch to vendor HTTPS APIs');
    this.vendorsSecret.grantRead(this.handler);
    new ProviderAccess(this, 'Providers', {
      grantee: this.handler,
      ...(settings.providers ? { settings: settings.providers } : {}),
    });
    props.kafka.grantProduce(this.handler, [props.deadLetterTopic]);
    props.kafka.grantConsume(this.handler, props.deliveriesTopic, settings.consumerGroupId);

    let onFailure: lambda.IEventSourceDlq;
    if (settings.onFailure.kind === 'sqs') {
      const queue = this.createFailureQueue(props);
      this.failureQueue = queue;
      // Not SqsDlq: its grant adds kms:ReEncrypt* and kms:GenerateDataKey*; the pollers need only these.
      onFailure = {
        bind: (_mapping, target) => {
          iam.Grant.addToPrincipal({
            grantee: target,
            actions: ['sqs:SendMessage'],
            resourceArns: [queue.queueArn],
          });
          props.encryptionKey.grant(target, 'kms:GenerateDataKey', 'kms:Decrypt');
          return { destination: queue.queueArn };
        },
      };
    } else {
      // The ESM writes failed records to the dead-letter topic itself (as the execution role).
      onFailure = new KafkaDlq(props.deadLetterTopic);
    }
    this.eventSourceMapping = this.addMapping(props, onFailure, {
      ...settings,
      topic: props.deliveriesTopic,
    });
    const lane = settings.highLane;
    if (lane && props.highPriorityTopic) {
      props.kafka.grantConsume(this.handler, props.highPriorityTopic, lane.consumerGroupId);
      this.highLaneMapping = this.addMapping(props, onFailure, { ...lane, topic: props.highPriorityTopic });
    } else if (lane || props.highPriorityTopic) {
      throw new Error('dispatch: settings.highLane and highPriorityTopic go together');
    }
    Validations.of(this.handler.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      reason:
        'ManagedKafkaEventSource attaches AWSLambdaMSKExecutionRole, the AWS-documented minimum for the MSK ' +
        'pollers (cluster describe, VPC ENIs); topic, group and data actions are granted separately on exact ARNs.',
    });
  }

  /** One event source mapping of the dispatch function over `mapping.topic`. */
  /**
   * Queues callbacks for the deliveries dispatch fails (a final state) for the clients in `registry`,
   * the webhook registry the callbacks construct owns. Why a method and not a prop: the registry is made
   * after dispatch, whose mapping the alarms of the callbacks construct need first.
   */
  queueCallbacksFor(registry: secretsmanager.ISecret): void {
    this.handler.function.addEnvironment(EnvKey.callbacksSecretArn, registry.secretArn);
    registry.grantRead(this.handler);
  }

  private addMapping(
    props: HeraldDispatchProps,
    onFailure: lambda.IEventSourceDlq,
    mapping: LaneSettings & { readonly topic: string },
  ): lambda.EventSourceMapping {
    const fn = this.handler.function;
    const before = new Set(fn.node.children);
    fn.addEventSource(
      new ManagedKafkaEventSource({
        clusterArn: props.kafka.clusterArn,
        topic: mapping.topic,
        consumerGroupId: mapping.consumerGroupId,
        startingPosition: lambda.StartingPosition[props.settings.startingPosition],
        batchSize: mapping.batchSize,
        maxBatchingWindow: Duration.seconds(mapping.maxBatchingWindowSeconds),
        provisionedPollerConfig: { minimumPollers: mapping.minPollers, maximumPollers: mapping.maxPollers },
        reportBatchItemFailures: props.settings.reportBatchItemFailures,
        retryAttempts: mapping.retryAttempts,
        ...(mapping.maxRecordAgeSeconds === -1
          ? {}
          : { maxRecordAge: Duration.seconds(mapping.maxRecordAgeSeconds) }),
        onFailure,
        metricsConfig: {
          metrics: [
            lambda.MetricType.EVENT_COUNT,
            lambda.MetricType.ERROR_COUNT,
            lambda.MetricType.KAFKA_METRICS,
          ],
        },
      }),
    );
    const created = fn.node.children.find(
      (child) => child instanceof lambda.EventSourceMapping && !before.has(child),
    );
    if (!(created instanceof lambda.EventSourceMapping))
      throw new Error('ManagedKafkaEventSource created no event source mapping');
    // Why: a mapping created before its topic exists polls nothing until the next rebalance.
    created.node.addDependency(props.topicsReady);
    return created;
  }

  private createVendorsSecret(removalPolicy: RemovalPolicy): secretsmanager.Secret {
    // Why a placeholder, not a generated string: a random value looks like a credential; the
    // placeholder says what it is, and the dispatcher refuses it by name until the real JSON is put.
    const secret = new secretsmanager.Secret(this, 'Vendors', {
      description: 'Herald vendor endpoints and credentials (JSON); put the real value after deploy',
      secretStringValue: SecretValue.unsafePlainText(VENDORS_SECRET_PLACEHOLDER),
      removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Vendor API keys are issued and rotated by each vendor, not by AWS; operators write the new value ' +
        'with put-secret-value (docs/deploy.md) and the dispatcher picks it up on its next cold start.',
    });
    return secret;
  }

  private createFailureQueue(props: HeraldDispatchProps): sqs.Queue {
    const queue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the MSK event source mapping.',
    });
    return queue;
  }
}
