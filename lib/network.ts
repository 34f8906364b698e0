/**
 * The VPC: public subnets only for NAT, an egress tier for the dispatcher (vendors live on the
 * internet), and an isolated tier for MSK, ElastiCache, the ingest and topic functions and the
 * interface endpoints, so AWS API calls never need NAT.
 */
import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NetworkSettings } from './config/stage-config.ts';
import { assertValid, validateNetwork } from './config/validate.ts';

/** Props of {@link HeraldNetwork}. */
export interface HeraldNetworkProps {
  readonly settings: NetworkSettings;
  /** Region the zones must belong to. */
  readonly region: string;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Interface endpoints the functions use instead of NAT (service → why). Only what something in the
 * VPC calls: no Kafka (brokers are resolved at deploy time), no STS (Lambda hands functions their
 * credentials; MSK IAM tokens are signed locally; provisioned-mode pollers need no endpoints), no
 * CloudWatch (Powertools metrics are EMF lines in the function logs, not PutMetricData).
 */
const INTERFACE_ENDPOINTS = {
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, // Redis auth token, vendor credentials
} as const;

/** VPC, subnets tiers, flow logs and interface endpoints. */
export class HeraldNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** Security group of every interface endpoint (HTTPS in from whoever is allowed). */
  readonly endpoints: ec2.Connections;
  /** The interface endpoints, for resources that must wait for them. */
  readonly interfaceEndpoints: ec2.InterfaceVpcEndpoint[] = [];
  /** MSK, ElastiCache, ingest, topics and endpoints: no route to the internet. */
  readonly isolatedSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  /** The dispatcher: NAT egress for vendor HTTPS calls. */
  readonly egressSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

  constructor(scope: Construct, id: string, props: HeraldNetworkProps) {
    super(scope, id);
    assertValid('network', validateNetwork(props.settings, props.region));
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.settings.cidr),
      availabilityZones: [...props.settings.availabilityZones],
      natGateways: props.settings.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'Egress', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
      ],
    });
    Validations.of(this.vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason:
        'Zones are pinned in the stage config on purpose: synth needs no credentials or AZ lookup, and ' +
        'MSK and ElastiCache placement stays the same on every deploy.',
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    const endpointsGroup = new ec2.SecurityGroup(this, 'EndpointsSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface VPC endpoints: HTTPS in from Herald functions and MSK pollers only',
      allowAllOutbound: false,
    });
    this.endpoints = new ec2.Connections({
      securityGroups: [endpointsGroup],
      defaultPort: ec2.Port.tcp(443),
    });
    for (const [name, service] of Object.entries(INTERFACE_ENDPOINTS))
      this.addInterfaceEndpoint(name, service);
  }

  /** Adds a private-DNS interface endpoint in the isolated tier behind the shared endpoint group. */
  addInterfaceEndpoint(name: string, service: ec2.IInterfaceVpcEndpointService): ec2.InterfaceVpcEndpoint {
    const endpoint = this.vpc.addInterfaceEndpoint(name, {
      service,
      subnets: this.isolatedSubnets,
      securityGroups: this.endpoints.securityGroups,
      privateDnsEnabled: true,
      open: false,
    });
    this.interfaceEndpoints.push(endpoint);
    return endpoint;
  }
}
