/**
 * `herald capacity --aws`: the real @aws-sdk/client-elasticache client against a local HTTP server
 * that answers the ElastiCache query API (form-encoded POST, XML response) as AWS documents it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeDeployedCluster } from '../../../capacity/aws-cluster.ts';
import type { CapacityPlan } from '../../../capacity/plan.ts';
import { capacity } from '../../../cli/capacity-cli.ts';

const RESPONSE = readFileSync(new URL('./fixtures/describe-replication-groups.xml', import.meta.url), 'utf8');
const NOT_FOUND = `<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">
  <Error><Type>Sender</Type><Code>ReplicationGroupNotFoundFault</Code><Message>ReplicationGroup nope not found.</Message></Error>
  <RequestId>0c2f6a1e-8f5d-4e59-b0a3-5e9d8d3b1f22</RequestId>
</ErrorResponse>`;
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

interface Received {
  readonly params: URLSearchParams;
  readonly authorization: string;
  readonly contentType: string;
}

let server: Server;
let endpoint: string;
const received: Received[] = [];

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const params = new URLSearchParams(await bodyOf(request));
    received.push({
      params,
      authorization: String(request.headers.authorization ?? ''),
      contentType: String(request.headers['content-type'] ?? ''),
    });
    const isKnown =
      params.get('Action') === 'DescribeReplicationGroups' &&
      params.get('ReplicationGroupId') === 'herald-prod';
    response.writeHead(isKnown ? 200 : 404, { 'content-type': 'text/xml' });
    response.end(isKnown ? RESPONSE : NOT_FOUND);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  received.length = 0;
});

describe('describeDeployedCluster', () => {
  it('reads node type, shard slots and replicas with a signed DescribeReplicationGroups call', async () => {
    const cluster = await describeDeployedCluster('herald-prod', {
      region: 'eu-west-1',
      endpoint,
      credentials: CREDENTIALS,
    });

    expect(cluster).toEqual({
      replicationGroupId: 'herald-prod',
      nodeType: 'cache.r7g.large',
      shards: [[[0, 5461]], [[5462, 10922]], [[10923, 16383]]],
      replicasPerShard: 2,
      status: 'available',
    });
    const [call] = received;
    expect(call?.params.get('Version')).toBe('2015-02-02');
    expect(call?.contentType).toMatch(/application\/x-www-form-urlencoded/);
    expect(call?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/elasticache\/aws4_request/,
    );
  });

  it('surfaces ReplicationGroupNotFoundFault for an unknown group', async () => {
    await expect(
      describeDeployedCluster('nope', { region: 'eu-west-1', endpoint, credentials: CREDENTIALS }),
    ).rejects.toMatchObject({ name: 'ReplicationGroupNotFoundFault' });
  });
});

describe('herald capacity --aws', () => {
  function run(args: string[]) {
    vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void out.push(parts.join(' ')));
    const base = ['--aws', 'herald-prod', '--region', 'eu-west-1', '--endpoint-url', endpoint];
    return { code: capacity([...base, ...args]), out };
  }

  it('says the plan fits the deployed cluster and how much headroom is left', async () => {
    const { code, out } = run(['--rate', '50', '--recipients-per-request', '50', '--json']);
    expect(await code).toBe(0);
    const plan = JSON.parse(out.join('\n')) as CapacityPlan;
    expect(plan.deployed).toMatchObject({ replicationGroupId: 'herald-prod', nodeType: 'cache.r7g.large' });
    expect(plan.deployed?.shards).toHaveLength(3);
    expect(plan.deployed?.fit).toMatchObject({ fits: true, shardCount: 3 });
    expect(plan.deployed?.fit.headroomPercent).toBeGreaterThan(20);
  });

  it('exits 3 and says DOES NOT FIT when the traffic outgrows the cluster', async () => {
    const { code, out } = run(['--rate', '2000']);
    expect(await code).toBe(3);
    expect(out.join('\n')).toMatch(
      /herald-prod: cache\.r7g\.large × 3 shard\(s\), 2 replica\(s\) each, available/,
    );
    expect(out.join('\n')).toMatch(/DOES NOT FIT: fullest shard .* → -\d+% headroom/);
  });
});
