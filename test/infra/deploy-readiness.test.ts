/**
 * What a first `cdk deploy` into a real account needs that synth alone does not prove (issue 14):
 * the idempotent dead-letter producer's IAM action on the exact cluster, a broker configuration
 * name that changes with the Kafka version, an untagged serverless cluster whose name can change,
 * brokers resolved once at deploy time, the topics resource ordered after its network path, alarms
 * when the event source mapping gives up on records, and a vendors secret the dispatcher refuses
 * until it is filled.
 */
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/core/errors.ts';
import { parseVendorsSecret } from '../../lambdas/dispatch/dispatch-config.ts';
import { EnvKey, VENDORS_SECRET_PLACEHOLDER } from '../../lambdas/shared/env-keys.ts';
import type { StageConfig } from '../../lib/config/stage-config.ts';
import { devStage } from '../../lib/config/stages.ts';
import { HeraldStack } from '../../lib/herald-stack.ts';
import { configurationName } from '../../lib/kafka.ts';
import { logicalIdOf, projectRoot, propertiesOf, synthStage } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown };
type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };

function statementsOf(template: Template, policyPath: string): Statement[] {
  const policy = propertiesOf(template, 'AWS::IAM::Policy', policyPath) as {
    PolicyDocument: { Statement: Statement[] };
  };
  return policy.PolicyDocument.Statement;
}

function withAction(statements: Statement[], action: string): Statement[] {
  return statements.filter((statement) => [statement.Action].flat().includes(action));
}

describe.each([
  ['prod (provisioned)', 'prod', 'AWS::MSK::Cluster', 'Kafka/Cluster'],
  ['dev (serverless)', 'dev', 'AWS::MSK::ServerlessCluster', 'Kafka/Serverless'],
])('idempotent dead-letter producer, %s', (_name, stage, clusterType, clusterPath) => {
  let template: Template;
  beforeAll(() => {
    template = synthStage(stage).template;
  });

  it('grants kafka-cluster:WriteDataIdempotently on exactly the cluster to the dispatcher', () => {
    const cluster = logicalIdOf(template, clusterType, clusterPath);
    const granted = withAction(
      statementsOf(template, 'Dispatch/Handler/Role/DefaultPolicy'),
      'kafka-cluster:WriteDataIdempotently',
    );
    expect(granted.map((statement) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [cluster, 'Arn'] }]);
  });

  it('lets no function look brokers up at run time (they come from the deploy-time lookup)', () => {
    // The dispatcher's role keeps it only because the event source mapping's pollers run as that role.
    for (const policy of ['Ingest/Handler/Role/DefaultPolicy', 'Topics/Handler/Role/DefaultPolicy'])
      expect(withAction(statementsOf(template, policy), 'kafka:GetBootstrapBrokers'), policy).toEqual([]);
    const cluster = logicalIdOf(template, clusterType, clusterPath);
    const lookup = propertiesOf(template, 'Custom::HeraldBootstrapBrokers', 'Brokers/Lookup');
    expect(JSON.stringify(lookup.Create)).toMatch(
      /"service\\":\\"Kafka\\",\\"action\\":\\"GetBootstrapBrokers\\"/,
    );
    expect(JSON.stringify(lookup.Create)).toContain(cluster);
    expect(JSON.stringify(lookup.Create)).toContain('BootstrapBrokerStringSaslIam');
    const [statement] = withAction(
      statementsOf(template, 'Brokers/Lookup/CustomResourcePolicy'),
      'kafka:GetBootstrapBrokers',
    );
    expect(statement?.Resource).toEqual({ 'Fn::GetAtt': [cluster, 'Arn'] });
  });

  it('gives the dispatcher no broker list: its dead-letter producer uses the event bootstrapServers', () => {
    const fn = propertiesOf(template, 'AWS::Lambda::Function', 'Dispatch/Handler/Function') as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Environment.Variables[EnvKey.kafkaBrokers]).toBeUndefined();
  });

  it('alarms when the event source mapping gives up on records or drops them', () => {
    // The deliveries topic's mapping (the high lane and the dead-letters consumer have their own).
    const [mapping] = Object.entries(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      ([, resource]) => JSON.stringify(resource.Properties?.Topics) === '["herald.deliveries"]',
    ) ?? [''];
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MetricsConfig: { Metrics: Match.arrayWith(['EventCount']) },
    });
    for (const metricName of ['OnFailureDestinationDeliveredEventCount', 'DroppedEventCount']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [{ Name: 'EventSourceMappingUUID', Value: { Ref: mapping } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Observability/AlarmTopic') }],
      });
    }
  });

  it('creates the vendors secret with a placeholder the dispatcher refuses by name', () => {
    const secret = propertiesOf(template, 'AWS::SecretsManager::Secret', 'Dispatch/Vendors');
    expect(secret.SecretString).toBe(VENDORS_SECRET_PLACEHOLDER);
    expect(secret.GenerateSecretString).toBeUndefined();
    expect(() => parseVendorsSecret(String(secret.SecretString))).toThrow(ConfigError);
    expect(() => parseVendorsSecret(String(secret.SecretString))).toThrow(/still holds the placeholder/);
  });

  it('runs the topics resource only after its path to the brokers and the VPC endpoints exist', () => {
    const topics = template.toJSON().Resources[
      logicalIdOf(template, 'Custom::HeraldKafkaTopics', 'Topics/Topics')
    ] as Resource;
    const handlerGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Topics/Handler/SecurityGroup');
    const ingress = Object.entries(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { SourceSecurityGroupId: { 'Fn::GetAtt': [handlerGroup, 'GroupId'] } },
      }),
    ).map(([id]) => id);
    const egress = Object.entries(
      template.findResources('AWS::EC2::SecurityGroupEgress', {
        Properties: { GroupId: { 'Fn::GetAtt': [handlerGroup, 'GroupId'] } },
      }),
    ).map(([id]) => id);
    expect(ingress).toHaveLength(1);
    expect(egress).toHaveLength(1);
    const endpoint = logicalIdOf(template, 'AWS::EC2::VPCEndpoint', 'Network/Vpc/SecretsManager');
    expect(topics.DependsOn).toEqual(expect.arrayContaining([...ingress, ...egress, endpoint]));
  });
});

describe('MSK broker configuration name (provisioned)', () => {
  const nameFor = (kafkaVersion: string) => {
    const { template } = synthStage('prod', {
      override: (config) => ({
        ...config,
        kafka: { ...config.kafka, mode: 'provisioned', kafkaVersion } as StageConfig['kafka'],
      }),
    });
    const configuration = propertiesOf(template, 'AWS::MSK::Configuration', 'Kafka/Configuration');
    return { template, name: String(configuration.Name), versions: configuration.KafkaVersionsList };
  };

  it('changes with the Kafka version, so the documented upgrade can replace the configuration', () => {
    const current = nameFor('4.1.x.kraft');
    const next = nameFor('4.2.x.kraft');
    expect(current.versions).toEqual(['4.1.x.kraft']);
    expect(next.versions).toEqual(['4.2.x.kraft']);
    expect(current.name).toMatch(/-4-1-x-kraft$/);
    expect(next.name).toMatch(/-4-2-x-kraft$/);
    expect(next.name).not.toBe(current.name);
    const configuration = logicalIdOf(next.template, 'AWS::MSK::Configuration', 'Kafka/Configuration');
    next.template.hasResourceProperties('AWS::MSK::Cluster', {
      KafkaVersion: '4.2.x.kraft',
      ConfigurationInfo: { Arn: { 'Fn::GetAtt': [configuration, 'Arn'] } },
    });
  });

  it('stays a valid configuration name (letters, digits, dashes; at most 64) for a long cluster name', () => {
    const name = configurationName('x'.repeat(64), '4.10.x.kraft');
    expect(name).toMatch(/^[0-9A-Za-z][0-9A-Za-z-]*$/);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name.endsWith('-4-10-x-kraft')).toBe(true);
  });
});

describe('MSK Serverless cluster (dev)', () => {
  let template: Template;
  let stack: HeraldStack;
  beforeAll(() => {
    ({ template, stack } = synthStage('dev'));
  });

  it('carries no tags, while the other resources carry the stage tag', () => {
    const cluster = propertiesOf(template, 'AWS::MSK::ServerlessCluster', 'Kafka/Serverless');
    expect(cluster.Tags).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::VPC', {
      Tags: Match.arrayWith([{ Key: 'herald:stage', Value: 'dev' }]),
    });
  });

  it('has no stack-level tags for CloudFormation to propagate to the cluster', () => {
    expect(stack.tags.tagValues()).toEqual({});
  });

  it('refuses stack tags on a serverless stage at synth', () => {
    expect(
      () => new HeraldStack(new App(), 'Tagged', { config: devStage, projectRoot, tags: { team: 'ops' } }),
    ).toThrow(/stack tags would be propagated to the cluster/);
  });

  it('names the cluster by generation, so a replacement can be asked for on purpose', () => {
    const name = (generation?: number) =>
      String(
        propertiesOf(
          synthStage('dev', {
            override: (config) => ({
              ...config,
              kafka: { mode: 'serverless', ...(generation ? { generation } : {}) },
            }),
          }).template,
          'AWS::MSK::ServerlessCluster',
          'Kafka/Serverless',
        ).ClusterName,
      );
    expect(name()).toMatch(/-g1$/);
    expect(name(2)).toMatch(/-g2$/);
    expect(name(2).length).toBeLessThanOrEqual(64);
  });

  it('reports its metrics under the name it really has', () => {
    const cluster = propertiesOf(template, 'AWS::MSK::ServerlessCluster', 'Kafka/Serverless');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MaxOffsetLag',
      Dimensions: Match.arrayWith([{ Name: 'Cluster Name', Value: cluster.ClusterName }]),
    });
  });

  it('sends cleanup.policy to MSK Serverless only when a topic is created', () => {
    const props = propertiesOf(template, 'Custom::HeraldKafkaTopics', 'Topics/Topics') as {
      Topics: Array<{ Configs: Record<string, string>; CreateConfigs: Record<string, string> }>;
    };
    for (const topic of props.Topics) {
      expect(Object.keys(topic.Configs)).toEqual(['retention.ms']);
      expect(topic.CreateConfigs).toEqual({ 'cleanup.policy': 'delete' });
    }
  });
});
