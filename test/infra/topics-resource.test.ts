/**
 * The topics custom resource: deliveries and dead-letter topics with partitions, replication and
 * retention from config, served by a VPC Lambda that may create and grow topics but never delete.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalIdOf, propertiesOf, synthStage } from './synth.ts';

describe('HeraldTopics (prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod').template;
  });

  it('asks for both topics with partitions, replication and managed configs from config', () => {
    const props = propertiesOf(template, 'Custom::HeraldKafkaTopics', 'Topics/Topics');
    expect(props.ClusterArn).toEqual({
      'Fn::GetAtt': [logicalIdOf(template, 'AWS::MSK::Cluster', 'Kafka/Cluster'), 'Arn'],
    });
    expect(props.BootstrapBrokers).toEqual({
      'Fn::GetAtt': [
        logicalIdOf(template, 'Custom::HeraldBootstrapBrokers', 'Brokers/Lookup'),
        'BootstrapBrokerStringSaslIam',
      ],
    });
    expect(props.Topics).toEqual([
      {
        Name: 'herald.deliveries',
        Partitions: 24,
        ReplicationFactor: 3,
        Configs: {
          'retention.ms': String(20 * 3_600_000),
          'min.insync.replicas': '2',
          'segment.ms': '3600000',
        },
        CreateConfigs: { 'cleanup.policy': 'delete' },
      },
      {
        Name: 'herald.deliveries.dlq',
        Partitions: 3,
        ReplicationFactor: 3,
        Configs: {
          'retention.ms': String(720 * 3_600_000),
          'min.insync.replicas': '2',
        },
        CreateConfigs: { 'cleanup.policy': 'delete' },
      },
      {
        // The lane is a deliveries topic too: the same retention rule against the dedup window.
        Name: 'herald.deliveries.high',
        Partitions: 6,
        ReplicationFactor: 3,
        Configs: {
          'retention.ms': String(20 * 3_600_000),
          'min.insync.replicas': '2',
          'segment.ms': '3600000',
        },
        CreateConfigs: { 'cleanup.policy': 'delete' },
      },
    ]);
  });

  it('runs its handler in the isolated subnets on nodejs24.x/arm64', () => {
    const fn = propertiesOf(template, 'AWS::Lambda::Function', 'Topics/Handler/Function') as {
      Runtime: string;
      Architectures: string[];
      VpcConfig: { SubnetIds: Array<{ Ref: string }> };
    };
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.VpcConfig.SubnetIds.every((subnet) => subnet.Ref.startsWith('NetworkVpcIsolated'))).toBe(true);
  });

  it('grants topic creation and growth on the two topics, and no delete', () => {
    const policy = propertiesOf(template, 'AWS::IAM::Policy', 'Topics/Handler/Role/DefaultPolicy') as {
      PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
    };
    const actions = policy.PolicyDocument.Statement.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining(['kafka-cluster:CreateTopic', 'kafka-cluster:AlterTopic']),
    );
    expect(actions.filter((action) => /Delete(Topic|Group)|kafka-cluster:\*/.test(action))).toEqual([]);
    const create = policy.PolicyDocument.Statement.find((s) =>
      [s.Action].flat().includes('kafka-cluster:CreateTopic'),
    );
    const resources = JSON.stringify(create?.Resource);
    expect(resources).toContain('/herald.deliveries"');
    expect(resources).toContain('/herald.deliveries.dlq"');
  });
});

describe('HeraldTopics (serverless, dev)', () => {
  it('leaves replication and min.insync.replicas to MSK Serverless', () => {
    const { template } = synthStage('dev');
    const props = propertiesOf(template, 'Custom::HeraldKafkaTopics', 'Topics/Topics') as {
      Topics: Array<Record<string, unknown> & { Configs: Record<string, string> }>;
    };
    expect(props.Topics.map((topic) => topic.Partitions)).toEqual([6, 1, 3]);
    for (const topic of props.Topics) {
      expect(topic.ReplicationFactor).toBeUndefined();
      expect(topic.Configs['min.insync.replicas']).toBeUndefined();
    }
  });
});
