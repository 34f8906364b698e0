/**
 * The Herald stack: composes network, MSK, topics, cache, ingest, dispatch and observability from one
 * validated stage config. Props flow down; nothing here reads context or the environment.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { HeraldBrokers } from './brokers.ts';
import { HeraldCache } from './cache.ts';
import { HeraldCallbacks } from './callbacks.ts';
import type { StageConfig } from './config/stage-config.ts';
import { validateStageConfig } from './config/validate.ts';
import { HeraldDeadLetters } from './dead-letters.ts';
import { HeraldDispatch } from './dispatch.ts';
import { HeraldIngest } from './ingest.ts';
import { HeraldKafka } from './kafka.ts';
import { HeraldNetwork } from './network.ts';
import { HeraldObservability } from './observability.ts';
import { HeraldReceipts } from './receipts.ts';
import { HeraldTopics } from './topics.ts';

/** Props of {@link HeraldStack}. */
export interface HeraldStackProps extends Omit<StackProps, 'env'> {
  readonly config: StageConfig;
  /** Repository root: Lambda entries and package-lock.json are resolved against it. */
  readonly projectRoot: string;
}

/**
 * Tags every resource with its stage, except (a) dashboards: cfn-lint releases before 1.58 reject
 * their (new) Tags property, and (b) an MSK Serverless cluster: all its properties, tags included,
 * are create-only, so a tag change would ask CloudFormation to replace the cluster and its records.
 * Why per top-level construct rather than on the stack: stack tags become CloudFormation stack tags,
 * which CloudFormation itself propagates to every taggable resource, the serverless cluster included.
 */
function tagResources(stack: Stack, stage: string, isServerless: boolean): void {
  const excludeResourceTypes = ['AWS::CloudWatch::Dashboard'];
  if (isServerless) excludeResourceTypes.push('AWS::MSK::ServerlessCluster');
  for (const child of stack.node.children)
    Tags.of(child).add('herald:stage', stage, { excludeResourceTypes });
}

/** Everything Herald needs in one account and region. */
export class HeraldStack extends Stack {
  readonly network: HeraldNetwork;
  readonly kafka: HeraldKafka;
  readonly brokers: HeraldBrokers;
  readonly cache: HeraldCache;
  readonly topics: HeraldTopics;
  readonly ingest: HeraldIngest;
  readonly dispatch: HeraldDispatch;
  readonly observability: HeraldObservability;
  readonly receipts: HeraldReceipts;
  readonly deadLetters: HeraldDeadLetters;
  readonly callbacks: HeraldCallbacks;
  private readonly zones: readonly string[];

  constructor(scope: Construct, id: string, props: HeraldStackProps) {
    const config = validateStageConfig(props.config);
    if (config.kafka.mode === 'serverless' && Object.keys(props.tags ?? {}).length > 0) {
      // CloudFormation propagates stack tags to the serverless cluster, whose tags are create-only.
      throw new Error(
        `stage '${config.stage}' runs MSK Serverless: stack tags would be propagated to the cluster and ` +
          'a tag change would replace it (its records with it); tag resources in lib/ instead',
      );
    }
    super(scope, id, {
      ...props,
      env: { account: config.account, region: config.region },
      description: `Herald message platform (${config.stage})`,
      terminationProtection: props.terminationProtection ?? config.retainData,
    });
    this.zones = config.network.availabilityZones;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const shared = { logRetentionDays: config.logRetentionDays, removalPolicy };
    const dataKey = new kms.Key(this, 'DataKey', {
      description: `Herald ${config.stage}: MSK and ElastiCache at rest, alarm topic, failure queue`,
      enableKeyRotation: true,
      removalPolicy,
    });

    this.network = new HeraldNetwork(this, 'Network', {
      settings: config.network,
      region: config.region,
      ...shared,
    });
    const { vpc, isolatedSubnets, egressSubnets, endpoints } = this.network;
    const provisioned = config.kafka.mode === 'provisioned' ? config.kafka : undefined;
    this.kafka = new HeraldKafka(this, 'Kafka', {
      settings: config.kafka,
      vpc,
      subnets: isolatedSubnets,
      encryptionKey: dataKey,
      defaultReplicationFactor: config.topics.replicationFactor ?? 3,
      minInSyncReplicas: config.topics.minInSyncReplicas ?? 2,
      ...shared,
    });
    this.brokers = new HeraldBrokers(this, 'Brokers', { clusterArn: this.kafka.clusterArn, ...shared });
    this.cache = new HeraldCache(this, 'Cache', {
      settings: config.cache,
      vpc,
      subnets: isolatedSubnets,
      encryptionKey: dataKey,
      ...shared,
    });
    const common = { projectRoot: props.projectRoot, vpc, endpoints, ...shared };
    this.topics = new HeraldTopics(this, 'Topics', {
      settings: config.topics,
      kafka: this.kafka,
      brokerCount: provisioned?.brokerCount,
      bootstrapBrokers: this.brokers.bootstrapBrokers,
      subnets: isolatedSubnets,
      dependsOn: this.network.interfaceEndpoints,
      ...common,
    });
    const topicNames = {
      deliveriesTopic: config.topics.deliveries.name,
      deadLetterTopic: config.topics.deadLetter.name,
      ...(config.topics.highPriority ? { highPriorityTopic: config.topics.highPriority.name } : {}),
    };
    this.ingest = new HeraldIngest(this, 'Ingest', {
      settings: config.ingest,
      kafka: this.kafka,
      bootstrapBrokers: this.brokers.bootstrapBrokers,
      cache: this.cache,
      subnets: isolatedSubnets,
      ...topicNames,
      ...common,
    });
    if (config.dispatch.onFailure.kind === 'sqs') {
      // The pollers deliver to SQS from the cluster's subnets, which have no NAT.
      this.network.addInterfaceEndpoint('Sqs', ec2.InterfaceVpcEndpointAwsService.SQS);
      this.kafka.connections.allowTo(endpoints, ec2.Port.tcp(443), 'MSK pollers to the SQS endpoint');
    }
    this.dispatch = new HeraldDispatch(this, 'Dispatch', {
      settings: config.dispatch,
      kafka: this.kafka,
      cache: this.cache,
      topicsReady: this.topics.resource,
      statusRetentionSeconds: config.ingest.statusRetentionSeconds,
      encryptionKey: dataKey,
      subnets: egressSubnets,
      ...topicNames,
      ...common,
    });
    this.observability = new HeraldObservability(this, 'Observability', {
      settings: config.observability,
      encryptionKey: dataKey,
      kafkaClusterName: this.kafka.clusterName,
      consumerGroupId: config.dispatch.consumerGroupId,
      deliveriesTopic: config.topics.deliveries.name,
      ...(config.topics.highPriority && config.dispatch.highLane
        ? {
            highLane: {
              topic: config.topics.highPriority.name,
              consumerGroupId: config.dispatch.highLane.consumerGroupId,
            },
          }
        : {}),
      cacheNodeIds: this.cache.nodeIds,
      api: this.ingest.api,
      eventSourceMappingId: this.dispatch.eventSourceMapping.eventSourceMappingId,
      functions: [
        {
          name: 'Ingest',
          function: this.ingest.handler.function,
          timeout: this.ingest.handler.timeout,
        },
        {
          name: 'Dispatch',
          function: this.dispatch.handler.function,
          timeout: this.dispatch.handler.timeout,
        },
      ],
    });

    this.callbacks = new HeraldCallbacks(this, 'Callbacks', {
      cache: this.cache,
      alarmTopic: this.observability.topic,
      statusRetentionSeconds: config.ingest.statusRetentionSeconds,
      subnets: egressSubnets,
      ...common,
    });
    this.dispatch.queueCallbacksFor(this.callbacks.registry);
    const lifecycle = {
      callbacksRegistry: this.callbacks.registry,
      cache: this.cache,
      statusRetentionSeconds: config.ingest.statusRetentionSeconds,
      alarmTopic: this.observability.topic,
      subnets: isolatedSubnets,
      ...common,
    };
    this.receipts = new HeraldReceipts(this, 'Receipts', lifecycle);
    this.deadLetters = new HeraldDeadLetters(this, 'DeadLetters', {
      kafka: this.kafka,
      deadLetterTopic: config.topics.deadLetter.name,
      topicsReady: this.topics.resource,
      ...lifecycle,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.ingest.url,
      description: 'Send API base URL (SigV4, service execute-api)',
    });
    new CfnOutput(this, 'MskClusterArn', { value: this.kafka.clusterArn });
    new CfnOutput(this, 'CacheReplicationGroupId', {
      value: this.cache.replicationGroupId,
      description: 'For npx herald capacity --aws',
    });
    new CfnOutput(this, 'VendorsSecretArn', { value: this.dispatch.vendorsSecret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
    new CfnOutput(this, 'BootstrapBrokers', {
      value: this.brokers.bootstrapBrokers,
      description: 'MSK SASL/IAM brokers, resolved at deploy time (what the functions use)',
    });
    new CfnOutput(this, 'DispatchFunctionName', { value: this.dispatch.handler.function.functionName });
    new CfnOutput(this, 'DeadLetterTopic', { value: config.topics.deadLetter.name });
    tagResources(this, config.stage, this.kafka.isServerless);
  }

  /** The stage's zones, so synth never looks them up (no credentials needed). */
  override get availabilityZones(): string[] {
    return [...this.zones];
  }
}
