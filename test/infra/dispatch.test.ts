/**
 * Dispatch: the MSK event source mapping's settings come from the stage config (batching, starting
 * position, provisioned pollers, partial batch responses, retries, record age, on-failure
 * destination); the function runs on nodejs24.x/arm64 in the egress tier, reads vendor credentials
 * from Secrets Manager only, and holds exact-ARN Kafka permissions.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { logicalIdOf, propertiesOf, synthStage } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown };

function statementFor(template: Template, action: string, resourcePart: string): Statement | undefined {
  const policy = propertiesOf(template, 'AWS::IAM::Policy', 'Dispatch/Handler/Role/DefaultPolicy') as {
    PolicyDocument: { Statement: Statement[] };
  };
  return policy.PolicyDocument.Statement.find(
    (statement) =>
      [statement.Action].flat().includes(action) && JSON.stringify(statement.Resource).includes(resourcePart),
  );
}

describe('HeraldDispatch (prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod').template;
  });

  it('maps the deliveries topic with every event source setting from the stage config', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::MSK::Cluster', 'Kafka/Cluster'), 'Arn'] },
      Topics: ['herald.deliveries'],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'herald-dispatcher' },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 1,
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 24 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 500,
      MaximumRecordAgeInSeconds: 43200,
      DestinationConfig: { OnFailure: { Destination: 'kafka://herald.deliveries.dlq' } },
      MetricsConfig: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
    });
  });

  it('creates the mapping only after the topics exist', () => {
    const topics = logicalIdOf(template, 'Custom::HeraldKafkaTopics', 'Topics/Topics');
    template.hasResource('AWS::Lambda::EventSourceMapping', { DependsOn: Match.arrayWith([topics]) });
  });

  it('runs nodejs24.x on arm64 in the egress tier (vendors are on the internet)', () => {
    const fn = propertiesOf(template, 'AWS::Lambda::Function', 'Dispatch/Handler/Function') as {
      Runtime: string;
      Architectures: string[];
      Timeout: number;
      VpcConfig: { SubnetIds: Array<{ Ref: string }> };
    };
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 120 });
    expect(fn.VpcConfig.SubnetIds.every((subnet) => subnet.Ref.startsWith('NetworkVpcEgress'))).toBe(true);
  });

  it('reads vendor credentials from Secrets Manager, never from plain environment values', () => {
    const fn = propertiesOf(template, 'AWS::Lambda::Function', 'Dispatch/Handler/Function') as {
      Environment: { Variables: Record<string, unknown> };
    };
    const variables = fn.Environment.Variables;
    const vendors = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Dispatch/Vendors');
    expect(variables[EnvKey.vendorsSecretArn]).toEqual({ Ref: vendors });
    expect(variables[EnvKey.vendorsJson]).toBeUndefined();
    expect(variables).toMatchObject({
      [EnvKey.kafkaAuth]: 'iam',
      [EnvKey.redisCluster]: 'true',
      [EnvKey.claimLeaseMs]: '50000',
      [EnvKey.dedupWindowSeconds]: '86400',
      [EnvKey.statusRetentionSeconds]: '604800',
      [EnvKey.reportBatchItemFailures]: 'true',
      [EnvKey.maxInFlightSends]: '250',
    });
    expect(statementFor(template, 'secretsmanager:GetSecretValue', vendors)).toBeDefined();
  });

  it('reads the webhook registry, to queue callbacks for the deliveries it fails', () => {
    const registry = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Callbacks/Webhooks');
    expect(statementFor(template, 'secretsmanager:GetSecretValue', registry)).toBeDefined();
  });

  it('reads the deliveries topic as its own group and writes only the dead-letter topic', () => {
    expect(statementFor(template, 'kafka-cluster:ReadData', '/herald.deliveries"')).toBeDefined();
    expect(statementFor(template, 'kafka-cluster:AlterGroup', ':group/')).toBeDefined();
    expect(JSON.stringify(statementFor(template, 'kafka-cluster:AlterGroup', ':group/')?.Resource)).toMatch(
      /\/herald-dispatcher"/,
    );
    expect(statementFor(template, 'kafka-cluster:WriteData', '/herald.deliveries.dlq"')).toBeDefined();
    expect(statementFor(template, 'kafka-cluster:WriteData', '/herald.deliveries"')).toBeUndefined();
  });

  it('may send HTTPS anywhere (vendors) but reach AWS only through the endpoints', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Herald dispatch'),
      SecurityGroupEgress: [
        { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() },
      ],
    });
  });
});

describe('HeraldDispatch (SQS on-failure destination, one-hour record age)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod', {
      override: (config) => ({
        ...config,
        dispatch: {
          ...config.dispatch,
          onFailure: { kind: 'sqs' },
          maxRecordAgeSeconds: 3600,
          retryAttempts: 3,
        },
      }),
    }).template;
  });

  it('sends exhausted batches to a KMS-encrypted, TLS-only queue', () => {
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', 'Dispatch/FailureQueue');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'DataKey'), 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('grants only SendMessage on the queue and the two KMS actions SSE needs', () => {
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', 'Dispatch/FailureQueue');
    expect(statementFor(template, 'sqs:SendMessage', queue)?.Action).toBe('sqs:SendMessage');
    const kms = statementFor(template, 'kms:GenerateDataKey', 'DataKey');
    expect([kms?.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('adds an SQS endpoint, since the pollers deliver from subnets without NAT', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')) as Array<{
      Properties: { ServiceName: unknown };
    }>;
    expect(
      endpoints.some((endpoint) => JSON.stringify(endpoint.Properties.ServiceName).includes('.sqs')),
    ).toBe(true);
  });
});
