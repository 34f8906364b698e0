/**
 * ElastiCache: cluster mode with Multi-AZ failover, TLS required, encrypted at rest, AUTH token from
 * Secrets Manager (never in the template), noeviction, sized from the stage config, and
 * reachable only from the two functions on the cache port.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalIdOf, propertiesOf, synthStage } from './synth.ts';

describe('HeraldCache (prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod').template;
  });

  it('runs cluster mode with the configured shards and replicas, failing over across zones', () => {
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      ClusterMode: 'enabled',
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 2,
      CacheNodeType: 'cache.r7g.large',
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      Engine: 'redis',
      EngineVersion: '7.1',
    });
  });

  it('requires TLS and encrypts at rest with the stack key', () => {
    const keyId = logicalIdOf(template, 'AWS::KMS::Key', 'DataKey');
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  it('takes its AUTH token from a generated Secrets Manager secret by dynamic reference', () => {
    const secretId = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Cache/AuthToken');
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      AuthToken: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] },
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it('never evicts (noeviction) in a cluster-enabled redis7 parameter group', () => {
    const groupId = logicalIdOf(template, 'AWS::ElastiCache::ParameterGroup', 'Cache/Parameters');
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'redis7',
      Properties: { 'cluster-enabled': 'yes', 'maxmemory-policy': 'noeviction' },
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheParameterGroupName: { Ref: groupId },
    });
    const groups = Object.values(template.findResources('AWS::ElastiCache::ParameterGroup')) as Array<{
      Properties: { Properties: Record<string, string> };
    }>;
    expect(groups.map((group) => group.Properties.Properties['maxmemory-policy'])).toEqual(['noeviction']);
  });

  it('lives in the isolated subnets and admits only the five status functions on 6379', () => {
    const subnets = propertiesOf(template, 'AWS::ElastiCache::SubnetGroup', 'Cache/SubnetGroup')
      .SubnetIds as Array<{
      Ref: string;
    }>;
    expect(subnets.map((subnet) => subnet.Ref).every((id) => id.startsWith('NetworkVpcIsolated'))).toBe(true);
    const cacheGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Cache/SecurityGroup');
    const ingress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [cacheGroup, 'GroupId'] } },
      }),
    ) as Array<{ Properties: { FromPort: number; SourceSecurityGroupId: { 'Fn::GetAtt': string[] } } }>;
    expect(ingress.map((rule) => rule.Properties.FromPort)).toEqual([6379, 6379, 6379, 6379, 6379]);
    expect(ingress.map((rule) => rule.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).sort()).toEqual(
      [
        logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Dispatch/Handler/SecurityGroup'),
        logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Ingest/Handler/SecurityGroup'),
        logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Receipts/Handler/SecurityGroup'),
        logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'DeadLetters/Handler/SecurityGroup'),
        logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Callbacks/Handler/SecurityGroup'),
      ].sort(),
    );
  });

  it('delivers slow and engine logs to CloudWatch, keeps a daily snapshot and retains data', () => {
    template.hasResource('AWS::ElastiCache::ReplicationGroup', {
      DeletionPolicy: 'Retain',
      Properties: {
        SnapshotRetentionLimit: 1,
        LogDeliveryConfigurations: Match.arrayWith([
          Match.objectLike({ LogType: 'slow-log', DestinationType: 'cloudwatch-logs' }),
          Match.objectLike({ LogType: 'engine-log', DestinationType: 'cloudwatch-logs' }),
        ]),
      },
    });
  });
});

describe('HeraldCache (valkey variant)', () => {
  it('derives the parameter family from the engine and major version', () => {
    const { template } = synthStage('dev', {
      override: (config) => ({
        ...config,
        cache: { ...config.cache, engine: 'valkey', engineVersion: '8.0' },
      }),
    });
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'valkey8',
      Properties: { 'maxmemory-policy': 'noeviction' },
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      NumNodeGroups: 1,
    });
  });
});
