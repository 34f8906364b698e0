/**
 * Ingest: nodejs24.x on arm64 in the isolated subnets, IAM-only MSK write on the deliveries topic,
 * the three routes behind AWS_IAM authorization, stage throttling from config and JSON access logs.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { INGEST_ROUTES, routeKeyOf } from '../../lambdas/shared/ingest-routes.ts';
import { logicalIdOf, propertiesOf, synthStage } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown };

function statementsOf(template: Template, policyPath: string): Statement[] {
  const policy = propertiesOf(template, 'AWS::IAM::Policy', policyPath) as {
    PolicyDocument: { Statement: Statement[] };
  };
  return policy.PolicyDocument.Statement;
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((statement) => [statement.Action].flat()).sort();

describe('HeraldIngest (prod)', () => {
  let template: Template;
  let fn: Record<string, unknown>;
  beforeAll(() => {
    template = synthStage('prod').template;
    fn = propertiesOf(template, 'AWS::Lambda::Function', 'Ingest/Handler/Function');
  });

  it('runs on nodejs24.x, arm64, with the configured memory and timeout', () => {
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 15,
    });
    expect(fn.Handler).toBe('index.handler');
  });

  it('sits in the isolated subnets behind its own security group', () => {
    const vpc = fn.VpcConfig as { SubnetIds: Array<{ Ref: string }>; SecurityGroupIds: unknown[] };
    expect(vpc.SubnetIds.map((subnet) => subnet.Ref)).toHaveLength(3);
    expect(vpc.SubnetIds.every((subnet) => subnet.Ref.startsWith('NetworkVpcIsolated'))).toBe(true);
    expect(vpc.SecurityGroupIds).toEqual([
      {
        'Fn::GetAtt': [
          logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Ingest/Handler/SecurityGroup'),
          'GroupId',
        ],
      },
    ]);
  });

  it('is configured for MSK IAM, the cluster-mode cache and IAM callers through env-key names', () => {
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      [EnvKey.authMode]: 'iam',
      [EnvKey.kafkaAuth]: 'iam',
      [EnvKey.redisCluster]: 'true',
      [EnvKey.deliveriesTopic]: 'herald.deliveries',
      [EnvKey.deadLetterTopic]: 'herald.deliveries.dlq',
      [EnvKey.kafkaTimeoutMs]: '10000',
      [EnvKey.idempotencyWindowSeconds]: '86400',
    });
    // The brokers resolved at deploy time, not a run-time lookup (the subnets reach no MSK API).
    expect(variables[EnvKey.kafkaBrokers]).toEqual({
      'Fn::GetAtt': [
        logicalIdOf(template, 'Custom::HeraldBootstrapBrokers', 'Brokers/Lookup'),
        'BootstrapBrokerStringSaslIam',
      ],
    });
    expect(variables[EnvKey.mskClusterArn]).toEqual({
      'Fn::GetAtt': [logicalIdOf(template, 'AWS::MSK::Cluster', 'Kafka/Cluster'), 'Arn'],
    });
    expect(JSON.stringify(variables[EnvKey.redisUrl])).toMatch(
      /rediss:\/\/.*ConfigurationEndPoint\.Address.*ConfigurationEndPoint\.Port/,
    );
    expect(variables[EnvKey.redisAuthSecretArn]).toEqual({
      Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Cache/AuthToken'),
    });
  });

  it('may write only to the deliveries and high-priority lane topics and read only the cache token', () => {
    const statements = statementsOf(template, 'Ingest/Handler/Role/DefaultPolicy');
    expect(actionsOf(statements)).toEqual(
      [
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:UnassignPrivateIpAddresses',
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:WriteData',
        'kafka-cluster:WriteDataIdempotently',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    const write = statements.find((statement) =>
      [statement.Action].flat().includes('kafka-cluster:WriteData'),
    );
    const topics = JSON.stringify(write?.Resource).match(/"\/herald[^"]*"/g) ?? [];
    expect(topics.map((name) => name.slice(2, -1))).toEqual(['herald.deliveries', 'herald.deliveries.high']);
    const wildcard = statements.filter((statement) => statement.Resource === '*');
    expect(actionsOf(wildcard).every((action) => action.startsWith('ec2:'))).toBe(true);
  });

  it('uses its own role with no AWS managed policies', () => {
    const role = propertiesOf(template, 'AWS::IAM::Role', 'Ingest/Handler/Role');
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('exposes exactly the routes of the shared route table, each with AWS_IAM authorization', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Array<{
      Properties: { RouteKey: string; AuthorizationType: string };
    }>;
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      INGEST_ROUTES.map(routeKeyOf).sort(),
    );
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual([
      'GET /v1/messages/{requestId}',
      'GET /v1/openapi.json',
      'POST /v1/messages',
    ]);
    // No $default route: API Gateway itself answers what no route matches (404), like the emulator.
    expect(routes.some((route) => route.Properties.RouteKey === '$default')).toBe(false);
    expect(routes.every((route) => route.Properties.AuthorizationType === 'AWS_IAM')).toBe(true);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles the stage from config and writes JSON access logs with the caller', () => {
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', 'Ingest/AccessLogs');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 4000 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logGroup, 'Arn'] },
        Format: Match.stringLikeRegexp('"caller":"\\$context.identity.userArn"'),
      },
    });
    const format = JSON.parse(
      String(
        (
          propertiesOf(template, 'AWS::ApiGatewayV2::Stage', 'Ingest/DefaultStage').AccessLogSettings as {
            Format: string;
          }
        ).Format,
      ),
    ) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  it('lets only this API invoke the function', () => {
    const ingest = logicalIdOf(template, 'AWS::Lambda::Function', 'Ingest/Handler/Function');
    const permissions = (
      Object.values(template.findResources('AWS::Lambda::Permission')) as Array<{
        Properties: { Principal: string; SourceArn: unknown; FunctionName: unknown };
      }>
    ).filter((permission) => JSON.stringify(permission.Properties.FunctionName).includes(ingest));
    expect(permissions).toHaveLength(3);
    expect(
      permissions.every((permission) => permission.Properties.Principal === 'apigateway.amazonaws.com'),
    ).toBe(true);
    expect(
      permissions.every((permission) =>
        JSON.stringify(permission.Properties.SourceArn).includes('IngestApi'),
      ),
    ).toBe(true);
  });
});
