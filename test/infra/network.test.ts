/**
 * Network: private subnets across the configured zones, NAT only for the dispatcher's tier, flow
 * logs, and interface endpoints (Secrets Manager, MSK API, STS, CloudWatch) reachable only from the
 * Herald functions and the MSK pollers on 443.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalIdOf, synthStage } from './synth.ts';

type Resource = { Properties: Record<string, unknown> };

describe('HeraldNetwork (prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod').template;
  });

  it('puts three subnet tiers in each of the three configured zones', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')) as Resource[];
    const zones = subnets.map((subnet) => subnet.Properties.AvailabilityZone);
    expect(subnets).toHaveLength(9);
    expect(new Set(zones)).toEqual(new Set(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']));
    expect(subnets.every((subnet) => subnet.Properties.MapPublicIpOnLaunch === false)).toBe(true);
  });

  it('gives every zone its own NAT gateway in prod', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  it('routes the isolated tier nowhere but inside the VPC', () => {
    const isolatedTables = Object.entries(template.findResources('AWS::EC2::RouteTable')).filter(([id]) =>
      id.includes('Isolated'),
    );
    expect(isolatedTables).toHaveLength(3);
    const routes = Object.values(template.findResources('AWS::EC2::Route')) as Resource[];
    const isolatedRoutes = routes.filter((route) =>
      isolatedTables.some(([id]) => JSON.stringify(route.Properties.RouteTableId).includes(id)),
    );
    expect(isolatedRoutes).toEqual([]);
  });

  it('records all traffic in VPC flow logs', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
  });

  it('creates one private-DNS interface endpoint, for Secrets Manager, and none nothing calls', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')) as Resource[];
    const services = endpoints.map((endpoint) => JSON.stringify(endpoint.Properties.ServiceName));
    expect(services.some((name) => name.includes('.secretsmanager'))).toBe(true);
    // Brokers are resolved at deploy time (no MSK API call), credentials come from the Lambda runtime
    // and MSK tokens are signed locally (no STS), metrics are EMF log lines (no CloudWatch API).
    for (const unused of ['.kafka', '.sts', '.monitoring'])
      expect(services.some((name) => name.includes(unused))).toBe(false);
    expect(endpoints).toHaveLength(1);
    expect(endpoints.every((endpoint) => endpoint.Properties.PrivateDnsEnabled === true)).toBe(true);
    expect(endpoints.every((endpoint) => endpoint.Properties.VpcEndpointType === 'Interface')).toBe(true);
  });

  it('lets only the functions that read secrets reach the endpoints, on 443', () => {
    const endpointGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Network/EndpointsSecurityGroup');
    const ingress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] } },
      }),
    ) as Resource[];
    // The functions that read Secrets Manager: ingest, dispatch, receipts, dead letters, callbacks (the
    // topics function calls no AWS API since brokers are resolved at deploy time).
    expect(ingress).toHaveLength(5);
    const sources = ingress.map((rule) => JSON.stringify(rule.Properties.SourceSecurityGroupId));
    for (const name of ['IngestHandler', 'DispatchHandler'])
      expect(sources.some((source) => source.includes(name))).toBe(true);
    expect(sources.some((source) => source.includes('Topics'))).toBe(false);
    for (const rule of ingress) {
      expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
      expect(rule.Properties.CidrIp).toBeUndefined();
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Interface VPC endpoints'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });

  it('strips every rule from the default security group', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });
});

describe('HeraldNetwork (dev)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('dev').template;
  });

  it('uses the two configured zones and a single NAT gateway', () => {
    const zones = (Object.values(template.findResources('AWS::EC2::Subnet')) as Resource[]).map(
      (subnet) => subnet.Properties.AvailabilityZone,
    );
    expect(new Set(zones)).toEqual(new Set(['eu-west-1a', 'eu-west-1b']));
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.40.0.0/16' });
  });
});
