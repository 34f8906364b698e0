/**
 * The cluster's IAM bootstrap brokers, looked up once at deploy time (CloudFormation returns none
 * for MSK) by an SDK-call custom resource that runs outside the VPC, so no function calls the MSK
 * control plane at run time and no VPC endpoint for it is needed. A cluster without IAM brokers
 * fails the deploy here: the response has no `BootstrapBrokerStringSaslIam` to read.
 */
import { type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** Props of {@link HeraldBrokers}. */
export interface HeraldBrokersProps {
  readonly clusterArn: string;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** The field of GetBootstrapBrokers that lists the SASL/IAM brokers inside the VPC. */
export const IAM_BROKERS_FIELD = 'BootstrapBrokerStringSaslIam';

/** The construct id aws-cdk-lib gives the AwsCustomResource singleton function. */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** `host:port,host:port` of the cluster's SASL/IAM listener, resolved at deploy time. */
export class HeraldBrokers extends Construct {
  /** A token resolving to the comma-separated broker list. */
  readonly bootstrapBrokers: string;
  readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: HeraldBrokersProps) {
    super(scope, id);
    const lookup: cr.AwsSdkCall = {
      service: 'Kafka',
      action: 'GetBootstrapBrokers',
      parameters: { ClusterArn: props.clusterArn },
      // Why the cluster ARN: a new cluster (new ARN) is a new lookup; the same cluster keeps its brokers.
      physicalResourceId: cr.PhysicalResourceId.of(props.clusterArn),
      outputPaths: [IAM_BROKERS_FIELD],
    };
    this.resource = new cr.AwsCustomResource(this, 'Lookup', {
      resourceType: 'Custom::HeraldBootstrapBrokers',
      onCreate: lookup,
      onUpdate: lookup,
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: [props.clusterArn] }),
      ]),
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: props.logRetentionDays as logs.RetentionDays,
        removalPolicy: props.removalPolicy,
      }),
    });
    this.bootstrapBrokers = this.resource.getResponseField(IAM_BROKERS_FIELD);
    // The SDK-call function is a stack-wide singleton the CDK names by a fixed id.
    const role = Stack.of(this)
      .node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID)
      ?.node.tryFindChild('ServiceRole');
    if (!role) throw new Error('AwsCustomResource created no singleton function role');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The CDK AwsCustomResource singleton function uses AWSLambdaBasicExecutionRole for its own logs; its ' +
        'only other permission is kafka:GetBootstrapBrokers on this cluster, at deploy time.',
    });
  }
}
