/**
 * The MSK cluster (L1: the L2 is still alpha). IAM authentication only, TLS only, encrypted at rest
 * with the stack's key, brokers spread over the zones; or MSK Serverless when the stage says so.
 * Exposes exact topic/group ARNs so every grant names the resource it needs, never `*`.
 */
import { Aws, Fn, Names, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import type { KafkaSettings, ProvisionedKafkaSettings } from './config/stage-config.ts';
import { assertValid, validateKafka } from './config/validate.ts';

/** Props of {@link HeraldKafka}. */
export interface HeraldKafkaProps {
  readonly settings: KafkaSettings;
  readonly vpc: ec2.IVpc;
  /** One subnet per zone (2 or 3). */
  readonly subnets: ec2.SubnetSelection;
  readonly encryptionKey: kms.IKey;
  /** Replication factor for topics created without one (auto-creation itself is off). */
  readonly defaultReplicationFactor: number;
  readonly minInSyncReplicas: number;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** The serverless cluster's name in one generation (at most 64 characters). */
export function serverlessName(clusterName: string, generation: number): string {
  const suffix = `-g${generation}`;
  return `${clusterName.slice(0, 64 - suffix.length)}${suffix}`;
}

/** MSK's SASL/IAM listener inside the VPC (provisioned and serverless alike). */
export const MSK_IAM_PORT = 9098;

/**
 * The name of the broker configuration for one Kafka version. Why the version is in it: changing
 * `KafkaVersionsList` replaces an AWS::MSK::Configuration, and CloudFormation can only replace a
 * named resource when the new one has another name, so the documented upgrade (a new kafkaVersion)
 * must bring a new name with it. Names allow letters, digits and '-', at most 64 characters.
 */
export function configurationName(clusterName: string, kafkaVersion: string): string {
  const version = kafkaVersion.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `${clusterName.slice(0, 64 - version.length - 1)}-${version}`;
}

/** An MSK cluster reachable only over TLS with IAM. */
export class HeraldKafka extends Construct implements ec2.IConnectable {
  readonly clusterArn: string;
  /** The `Cluster Name` dimension of AWS/Kafka metrics. */
  readonly clusterName: string;
  readonly isServerless: boolean;
  readonly connections: ec2.Connections;
  private readonly clusterPath: string;

  constructor(scope: Construct, id: string, props: HeraldKafkaProps) {
    super(scope, id);
    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;
    assertValid('kafka', validateKafka(props.settings, subnetIds.length));
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'MSK brokers: SASL/IAM over TLS from Herald functions and the event source pollers',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(MSK_IAM_PORT),
    });
    // Why: the event source mapping's pollers attach ENIs with the cluster's own security group, so
    // the group must reach itself on the broker port.
    this.connections.allowInternally(ec2.Port.tcp(MSK_IAM_PORT), 'MSK event source pollers to brokers');
    const baseName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }).toLowerCase();
    this.clusterName =
      props.settings.mode === 'serverless'
        ? serverlessName(baseName, props.settings.generation ?? 1)
        : baseName;
    this.isServerless = props.settings.mode === 'serverless';
    const cluster =
      props.settings.mode === 'serverless'
        ? new msk.CfnServerlessCluster(this, 'Serverless', {
            // Why a generation: every property of a serverless cluster is create-only and the name is
            // required, so a change CloudFormation must replace it for fails on the fixed name (loudly,
            // at deploy time); bumping kafka.generation replaces the cluster on purpose (docs/deploy.md).
            clusterName: this.clusterName,
            clientAuthentication: { sasl: { iam: { enabled: true } } },
            vpcConfigs: [{ subnetIds, securityGroups: [securityGroup.securityGroupId] }],
          })
        : this.provisioned(props, props.settings, subnetIds, securityGroup);
    cluster.applyRemovalPolicy(props.removalPolicy);
    this.clusterArn = cluster.attrArn;
    // "cluster/<name>/<uuid>" → "<name>/<uuid>", the middle of every topic and group ARN.
    this.clusterPath = Fn.select(1, Fn.split(':cluster/', this.clusterArn));
  }

  private provisioned(
    props: HeraldKafkaProps,
    settings: ProvisionedKafkaSettings,
    subnetIds: string[],
    securityGroup: ec2.ISecurityGroup,
  ): msk.CfnCluster {
    const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    const configuration = new msk.CfnConfiguration(this, 'Configuration', {
      name: configurationName(this.clusterName, settings.kafkaVersion),
      description: 'Herald broker settings: no auto-created topics, no unclean leader election',
      kafkaVersionsList: [settings.kafkaVersion],
      serverProperties: [
        'auto.create.topics.enable=false',
        `default.replication.factor=${props.defaultReplicationFactor}`,
        `min.insync.replicas=${props.minInSyncReplicas}`,
        // Why: an out-of-sync replica becoming leader silently drops acknowledged records.
        'unclean.leader.election.enable=false',
      ].join('\n'),
    });
    return new msk.CfnCluster(this, 'Cluster', {
      clusterName: this.clusterName,
      kafkaVersion: settings.kafkaVersion,
      numberOfBrokerNodes: settings.brokerCount,
      enhancedMonitoring: settings.enhancedMonitoring ?? 'DEFAULT',
      brokerNodeGroupInfo: {
        instanceType: settings.instanceType,
        clientSubnets: subnetIds,
        securityGroups: [securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: settings.volumeSizeGiB } },
      },
      clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: props.encryptionKey.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      configurationInfo: { arn: configuration.attrArn, revision: configuration.attrLatestRevisionRevision },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
    });
  }

  /** ARN of a topic in this cluster (IAM resource for kafka-cluster topic actions). */
  topicArn(topic: string): string {
    return `arn:${Aws.PARTITION}:kafka:${Aws.REGION}:${Aws.ACCOUNT_ID}:topic/${this.clusterPath}/${topic}`;
  }

  /** ARN of a consumer group in this cluster. */
  groupArn(group: string): string {
    return `arn:${Aws.PARTITION}:kafka:${Aws.REGION}:${Aws.ACCOUNT_ID}:group/${this.clusterPath}/${group}`;
  }

  /**
   * Open an IAM-authenticated connection. No `kafka:GetBootstrapBrokers`: brokers are resolved once
   * at deploy time (HeraldBrokers) and handed over in the environment or the event.
   */
  grantConnect(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:Connect'],
      resourceArns: [this.clusterArn],
    });
  }

  /**
   * Produce to `topics` with acks=all. Why WriteDataIdempotently on the cluster: an idempotent
   * producer (the dispatcher's dead-letter producer) asks for a producer id at connect time, which
   * MSK authorizes with this action on the cluster resource; without it the producer never connects.
   */
  grantProduce(grantee: iam.IGrantable, topics: readonly string[]): void {
    this.grantConnect(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:WriteDataIdempotently'],
      resourceArns: [this.clusterArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      resourceArns: topics.map((topic) => this.topicArn(topic)),
    });
  }

  /** What the MSK event source mapping needs to consume `topic` as `group`. */
  grantConsume(grantee: iam.IGrantable, topic: string, group: string): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
      resourceArns: [this.clusterArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      resourceArns: [this.topicArn(topic)],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
      resourceArns: [this.groupArn(group)],
    });
  }

  /** Create topics, add partitions and set topic configs; no delete action is granted. */
  grantTopicAdmin(grantee: iam.IGrantable, topics: readonly string[]): void {
    this.grantConnect(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'kafka-cluster:CreateTopic',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:AlterTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:AlterTopicDynamicConfiguration',
      ],
      resourceArns: topics.map((topic) => this.topicArn(topic)),
    });
  }
}
