/**
 * MSK: a provisioned cluster (prod) on Kafka's 4.x KRaft line with IAM only, TLS only, encrypted at
 * rest with the stack key and brokers across the three zones; MSK Serverless (dev) with IAM; and a
 * security group that opens exactly the SASL/IAM port.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalIdOf, propertiesOf, synthStage } from './synth.ts';

describe('HeraldKafka (provisioned, prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod').template;
  });

  it('runs Kafka 4.1 in KRaft mode, matching the local 4.1.1 broker', () => {
    template.hasResourceProperties('AWS::MSK::Cluster', { KafkaVersion: '4.1.x.kraft' });
  });

  it('accepts only IAM-authenticated TLS clients and encrypts between brokers', () => {
    template.hasResourceProperties('AWS::MSK::Cluster', {
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } },
    });
    const props = propertiesOf(template, 'AWS::MSK::Cluster', 'Kafka/Cluster');
    expect(JSON.stringify(props.ClientAuthentication)).not.toMatch(/Scram|Tls/);
  });

  it('encrypts data volumes with the rotating stack key', () => {
    const keyId = logicalIdOf(template, 'AWS::KMS::Key', 'DataKey');
    template.hasResourceProperties('AWS::MSK::Cluster', {
      EncryptionInfo: { EncryptionAtRest: { DataVolumeKMSKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('spreads three brokers over one isolated subnet per zone', () => {
    const props = propertiesOf(template, 'AWS::MSK::Cluster', 'Kafka/Cluster') as {
      NumberOfBrokerNodes: number;
      BrokerNodeGroupInfo: { ClientSubnets: Array<{ Ref: string }>; InstanceType: string };
    };
    expect(props.NumberOfBrokerNodes).toBe(3);
    expect(props.BrokerNodeGroupInfo.InstanceType).toBe('kafka.m7g.large');
    const subnets = props.BrokerNodeGroupInfo.ClientSubnets.map((subnet) => subnet.Ref);
    expect(subnets).toHaveLength(3);
    for (const subnet of subnets) expect(subnet).toMatch(/^NetworkVpcIsolatedSubnet\d/);
  });

  it('disables topic auto-creation and unclean leader election', () => {
    const props = propertiesOf(template, 'AWS::MSK::Configuration', 'Kafka/Configuration');
    const lines = String(props.ServerProperties).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'auto.create.topics.enable=false',
        'unclean.leader.election.enable=false',
        'min.insync.replicas=2',
        'default.replication.factor=3',
      ]),
    );
    expect(props.KafkaVersionsList).toEqual(['4.1.x.kraft']);
  });

  it('ships broker logs to CloudWatch and keeps the cluster when the stack goes', () => {
    template.hasResource('AWS::MSK::Cluster', {
      DeletionPolicy: 'Retain',
      Properties: { LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true } } } },
    });
  });

  it('opens only port 9098 on the broker security group, to the functions and its own pollers', () => {
    const kafkaGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Kafka/SecurityGroup');
    const ingress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [kafkaGroup, 'GroupId'] } },
      }),
    ) as Array<{
      Properties: { FromPort: number; ToPort: number; SourceSecurityGroupId: { 'Fn::GetAtt': string[] } };
    }>;
    const sources = ingress.map((rule) => rule.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).sort();
    expect(
      ingress.every((rule) => rule.Properties.FromPort === 9098 && rule.Properties.ToPort === 9098),
    ).toBe(true);
    expect(sources).toEqual(
      [
        logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Dispatch/Handler/SecurityGroup'),
        logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Ingest/Handler/SecurityGroup'),
        kafkaGroup,
        logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Topics/Handler/SecurityGroup'),
      ].sort(),
    );
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('MSK brokers'),
      SecurityGroupIngress: Match.absent(),
    });
  });
});

describe('HeraldKafka (serverless, dev)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('dev').template;
  });

  it('creates an IAM-authenticated MSK Serverless cluster and no provisioned one', () => {
    template.resourceCountIs('AWS::MSK::Cluster', 0);
    template.resourceCountIs('AWS::MSK::Configuration', 0);
    template.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
      VpcConfigs: [{ SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^NetworkVpcIsolated') }]) }],
    });
  });

  it('deletes the dev cluster with the stack', () => {
    template.hasResource('AWS::MSK::ServerlessCluster', { DeletionPolicy: 'Delete' });
  });
});
