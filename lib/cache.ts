/**
 * The dedup cache: an ElastiCache replication group (L1) in cluster mode with Multi-AZ automatic
 * failover, TLS required, encrypted at rest, an AUTH token kept in Secrets Manager, and a parameter
 * group that never evicts (noeviction). Every Herald key has a TTL, so any eviction policy that
 * applies would drop live claims and sent marks first (volatile-ttl: the shortest TTLs), and that is
 * how duplicates get sent. A full node refuses writes instead: claims fail, dispatch fails closed
 * (records retried, nothing sent) and the memory alarm fires (docs/capacity.md, "When the cache is full").
 */
import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CacheSettings } from './config/stage-config.ts';
import { assertValid, validateCache } from './config/validate.ts';

/** Props of {@link HeraldCache}. */
export interface HeraldCacheProps {
  readonly settings: CacheSettings;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly encryptionKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** The Redis OSS / Valkey replication group behind dedup and request identity. */
export class HeraldCache extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  /** Plain-string AUTH token; the functions read it at cold start. */
  readonly authSecret: secretsmanager.Secret;
  /** `rediss://<configuration endpoint>:<port>` for a cluster-mode client. */
  readonly redisUrl: string;
  readonly port: number;
  readonly replicationGroupId: string;
  /** Every node's CacheClusterId (`<group>-<shard>-<node>`), the dimension of per-node metrics. */
  readonly nodeIds: readonly string[];

  constructor(scope: Construct, id: string, props: HeraldCacheProps) {
    super(scope, id);
    const settings = props.settings;
    assertValid('cache', validateCache(settings));
    const engine = settings.engine ?? 'redis';
    this.port = settings.port ?? 6379;
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'ElastiCache: TLS + AUTH on the cache port from Herald functions only',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(this.port),
    });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Herald dedup cache (isolated subnets)',
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });
    const parameterGroup = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: `${engine}${settings.engineVersion.split('.')[0]}`,
      description: 'Herald: cluster mode, never evict (a full node refuses writes; dispatch fails closed)',
      properties: {
        'cluster-enabled': 'yes',
        // Why: dedup claims and marks must never be evicted; refusing writes makes dispatch fail
        // closed and retry, evicting would make it send twice.
        'maxmemory-policy': 'noeviction',
      },
    });
    this.authSecret = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'Herald ElastiCache AUTH token (plain string)',
      // ElastiCache AUTH tokens: 16..128 printable characters without @ " / (punctuation excluded).
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.authSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'ElastiCache AUTH tokens have no Secrets Manager rotation function; rotation is the two-step ' +
        'ROTATE/SET AuthTokenUpdateStrategy on the replication group, run from the runbook in docs/deploy.md.',
    });
    const slowLog = this.logGroup('SlowLog', props);
    const engineLog = this.logGroup('EngineLog', props);
    const group = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Herald dedup and request-identity store',
      engine,
      engineVersion: settings.engineVersion,
      cacheNodeType: settings.nodeType,
      clusterMode: 'enabled',
      numNodeGroups: settings.shardCount,
      replicasPerNodeGroup: settings.replicasPerShard,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port: this.port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      cacheParameterGroupName: parameterGroup.ref,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      kmsKeyId: props.encryptionKey.keyArn,
      authToken: this.authSecret.secretValue.unsafeUnwrap(),
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: settings.snapshotRetentionDays ?? 0,
      logDeliveryConfigurations: [
        this.logDelivery('slow-log', slowLog),
        this.logDelivery('engine-log', engineLog),
      ],
    });
    group.applyRemovalPolicy(props.removalPolicy);
    Validations.of(group).acknowledge({
      id: 'AwsSolutions-AEC5',
      reason:
        'The default port is kept on purpose: the group sits in isolated subnets, its security group admits ' +
        'only the Herald functions, TLS is required and an AUTH token is enforced; a non-default port adds no control.',
    });
    this.replicationGroupId = group.ref;
    this.redisUrl = `rediss://${group.attrConfigurationEndPointAddress}:${group.attrConfigurationEndPointPort}`;
    const nodeIds: string[] = [];
    for (let shard = 1; shard <= settings.shardCount; shard++) {
      for (let node = 1; node <= settings.replicasPerShard + 1; node++) {
        nodeIds.push(`${group.ref}-${String(shard).padStart(4, '0')}-${String(node).padStart(3, '0')}`);
      }
    }
    this.nodeIds = nodeIds;
  }

  private logGroup(id: string, props: HeraldCacheProps): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
  }

  private logDelivery(logType: string, logGroup: logs.ILogGroup) {
    return {
      logType,
      logFormat: 'json',
      destinationType: 'cloudwatch-logs',
      destinationDetails: { cloudWatchLogsDetails: { logGroup: logGroup.logGroupName } },
    };
  }
}
