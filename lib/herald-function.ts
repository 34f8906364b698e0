/**
 * The one way Herald builds a Lambda: NodejsFunction bundled locally by esbuild (no Docker),
 * nodejs24.x on arm64, in the VPC behind its own egress-locked security group, with its own log
 * group and a role that holds only what the caller grants (no AWS managed policies).
 */
import { type Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LogLevel } from './config/stage-config.ts';

/** Where every Herald function runs: shared by the props of each construct that builds one. */
export interface FunctionPlacement {
  /** Repository root (where package-lock.json lives); entries are resolved against it. */
  readonly projectRoot: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** Props of {@link HeraldFunction}. */
export interface HeraldFunctionProps extends FunctionPlacement {
  /** Handler file relative to the project root, exporting `handler`, e.g. `lambdas/ingest/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMiB: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** @default no reservation */
  readonly reservedConcurrency?: number;
}

/** The placement fields out of a construct's props (which carry more than the function needs). */
export function placementOf(props: FunctionPlacement): FunctionPlacement {
  const { projectRoot, vpc, subnets, logRetentionDays, removalPolicy } = props;
  return { projectRoot, vpc, subnets, logRetentionDays, removalPolicy };
}

// Why the banner: the bundle is ESM, but some dependencies (kafkajs, ioredis) still call require()
// for Node built-ins; createRequire gives them one.
const ESM_REQUIRE_BANNER =
  "import { createRequire as heraldCreateRequire } from 'node:module'; const require = heraldCreateRequire(import.meta.url);";

/** A VPC-attached, least-privilege Node.js 24 Lambda. */
export class HeraldFunction extends Construct implements ec2.IConnectable, iam.IGrantable {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly connections: ec2.Connections;
  readonly grantPrincipal: iam.IPrincipal;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: HeraldFunctionProps) {
    super(scope, id);
    this.timeout = props.timeout;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
    // Lambda needs these to attach the function to the VPC; EC2 offers no resource-level scoping
    // for the Describe call, and the ENI ids do not exist before Lambda creates them.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${props.description} (egress only to what it is granted)`,
      allowAllOutbound: false,
    });
    const logLevel = props.logLevel ?? 'INFO';
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${props.projectRoot}/${props.entry}`,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memoryMiB,
      timeout: props.timeout,
      role: this.role,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [securityGroup],
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // Bundle the AWS SDK too: the versions in package-lock.json are the ones tested.
        externalModules: [],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
      },
    });
    this.connections = this.function.connections;
    this.grantPrincipal = this.role;
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ENI management for a VPC-attached Lambda: ec2:Describe* has no resource-level permissions and ' +
        'Lambda creates the ENIs itself, so their ARNs are unknown; every other statement is resource-scoped.',
    });
  }

  /** Allows TCP to `peer` on `port` (egress here, ingress there). */
  allowTo(peer: ec2.IConnectable, port: number, description: string): void {
    this.connections.allowTo(peer, ec2.Port.tcp(port), description);
  }
}
