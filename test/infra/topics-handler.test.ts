/**
 * The topic custom resource handler against the real local Kafka 4.1 broker: creates missing
 * topics with their configs, raises partitions, never lowers them, never deletes (also not on a
 * CloudFormation Delete), is idempotent, and rejects malformed resource properties.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type Admin, ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../lambdas/core/errors.ts';
import { createTopicsApp } from '../../lambdas/topics/app.ts';
import { reconcileTopics } from '../../lambdas/topics/reconcile-topics.ts';
import { parseTopicsRequest } from '../../lambdas/topics/topic-spec.ts';
import { deleteTestTopics, testKafka, uniqueName } from '../support/engines.ts';

const CLUSTER_ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/herald-test/abcd-1';
const BOOTSTRAP_BROKERS =
  'b-1.herald.kafka.eu-west-1.amazonaws.com:9098,b-2.herald.kafka.eu-west-1.amazonaws.com:9098';

/** Config names sent to the broker per admin call, recorded on the way through. */
interface AdminCalls {
  readonly created: string[][];
  readonly altered: string[][];
}

function recording(session: Admin, calls: AdminCalls): Admin {
  return new Proxy(session, {
    get(target, property, receiver) {
      if (property === 'createTopics') {
        return (options: Parameters<Admin['createTopics']>[0]) => {
          for (const topic of options.topics)
            calls.created.push((topic.configEntries ?? []).map((e) => e.name));
          return target.createTopics(options);
        };
      }
      if (property === 'alterConfigs') {
        return (options: Parameters<Admin['alterConfigs']>[0]) => {
          for (const resource of options.resources)
            calls.altered.push(resource.configEntries.map((e) => e.name));
          return target.alterConfigs(options);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

function event(type: 'Create' | 'Update' | 'Delete', topics: unknown[]): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Herald-test/1',
    RequestId: 'request-1',
    LogicalResourceId: 'Topics',
    ResourceType: 'Custom::HeraldKafkaTopics',
    // CloudFormation hands numbers over as strings.
    ResourceProperties: {
      ServiceToken: 'token',
      ClusterArn: CLUSTER_ARN,
      BootstrapBrokers: BOOTSTRAP_BROKERS,
      Topics: topics,
    },
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') {
    return {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: `herald-topics:${CLUSTER_ARN}`,
      OldResourceProperties: { ServiceToken: 'token' },
    };
  }
  return { ...base, RequestType: 'Delete', PhysicalResourceId: `herald-topics:${CLUSTER_ARN}` };
}

async function partitionsOf(admin: Admin, topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]?.partitions.length ?? 0;
}

async function retentionOf(admin: Admin, topic: string): Promise<string | undefined> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
  });
  return resources[0]?.configEntries.find((entry) => entry.configName === 'retention.ms')?.configValue;
}

describe('topic custom resource on a real broker', { timeout: 120_000 }, () => {
  const deliveries = uniqueName('herald.cr.deliveries');
  const deadLetter = uniqueName('herald.cr.dlq');
  const admin = testKafka('herald-topics-test').admin();
  const warnings: Array<Record<string, unknown>> = [];
  const calls: AdminCalls = { created: [], altered: [] };
  const brokersAsked: Array<readonly string[] | undefined> = [];
  const app = createTopicsApp({
    logger: { info: () => undefined, warn: (_message, details) => void warnings.push(details) },
    openAdmin: async (_clusterArn, brokers) => {
      brokersAsked.push(brokers);
      const session = testKafka('herald-topics-cr').admin();
      await session.connect();
      return { admin: recording(session, calls), close: () => session.disconnect() };
    },
  });
  const spec = (partitions: number, retentionMs: number) => [
    {
      Name: deliveries,
      Partitions: String(partitions),
      ReplicationFactor: '1',
      Configs: { 'retention.ms': String(retentionMs) },
      CreateConfigs: { 'cleanup.policy': 'delete' },
    },
    { Name: deadLetter, Partitions: '1', ReplicationFactor: '1', Configs: { 'retention.ms': '1209600000' } },
  ];

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await deleteTestTopics([deliveries, deadLetter]).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates both topics with partitions and configs on Create', async () => {
    const response = await app(event('Create', spec(3, 3_600_000)));
    expect(response.PhysicalResourceId).toBe(`herald-topics:${CLUSTER_ARN}`);
    expect(response.Data?.Topics).toBe(`${deliveries}:3,${deadLetter}:1`);
    expect(await partitionsOf(admin, deliveries)).toBe(3);
    await expect.poll(() => retentionOf(admin, deliveries), { timeout: 15_000 }).toBe('3600000');
    // The deploy-time brokers from the resource properties, not a control-plane lookup.
    expect(brokersAsked.at(-1)).toEqual(BOOTSTRAP_BROKERS.split(','));
    expect(calls.created[0]).toEqual(expect.arrayContaining(['cleanup.policy', 'retention.ms']));
  });

  it('changes nothing when asked again (idempotent)', async () => {
    const [first] = await reconcileTopics(
      admin,
      parseTopicsRequest({ ClusterArn: CLUSTER_ARN, Topics: spec(3, 3_600_000) }).topics,
    );
    expect(first).toMatchObject({ action: 'unchanged', partitions: 3, isConfigUpdated: false, warnings: [] });
  });

  it('raises partitions and updates retention on Update', async () => {
    await app(event('Update', spec(6, 7_200_000)));
    expect(await partitionsOf(admin, deliveries)).toBe(6);
    // Topic configs reach the answering broker through the KRaft metadata log, a moment later.
    await expect.poll(() => retentionOf(admin, deliveries), { timeout: 15_000 }).toBe('7200000');
    // MSK Serverless accepts cleanup.policy only at creation: an update never sends it.
    expect(calls.altered).toEqual([['retention.ms']]);
  });

  it('keeps every partition when an update asks for fewer, and says so', async () => {
    const producer = testKafka('herald-topics-producer').producer();
    await producer.connect();
    await producer.send({ topic: deliveries, acks: -1, messages: [{ partition: 5, value: 'kept' }] });
    await producer.disconnect();
    warnings.length = 0;
    const response = await app(event('Update', spec(2, 7_200_000)));
    expect(await partitionsOf(admin, deliveries)).toBe(6);
    expect(response.Data?.Topics).toContain(`${deliveries}:6`);
    expect(warnings).toEqual([
      expect.objectContaining({ topic: deliveries, warning: expect.stringMatching(/kept 6 partitions/) }),
    ]);
    const offsets = await admin.fetchTopicOffsets(deliveries);
    expect(offsets.find((offset) => offset.partition === 5)?.high).toBe('1');
  });

  it('keeps the topics on Delete', async () => {
    const response = await app(event('Delete', spec(6, 7_200_000)));
    expect(response.PhysicalResourceId).toBe(`herald-topics:${CLUSTER_ARN}`);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([deliveries, deadLetter]));
  });
});

describe('parseTopicsRequest', () => {
  it.each([
    ['no cluster ARN', { Topics: [{ Name: 't', Partitions: '1' }] }, /ClusterArn/],
    ['no topics', { ClusterArn: CLUSTER_ARN, Topics: [] }, /Topics/],
    [
      '0 partitions',
      { ClusterArn: CLUSTER_ARN, Topics: [{ Name: 't', Partitions: '0' }] },
      /Topics\.0\.Partitions/,
    ],
    [
      'a bad topic name',
      { ClusterArn: CLUSTER_ARN, Topics: [{ Name: 'a b', Partitions: '1' }] },
      /Topics\.0\.Name/,
    ],
    [
      'a duplicate topic',
      {
        ClusterArn: CLUSTER_ARN,
        Topics: [
          { Name: 't', Partitions: '1' },
          { Name: 't', Partitions: '2' },
        ],
      },
      /unique/,
    ],
  ])('rejects %s', (_name, properties, message) => {
    expect(() => parseTopicsRequest(properties)).toThrow(InvalidRequestError);
    expect(() => parseTopicsRequest(properties)).toThrow(message);
  });

  it('coerces CloudFormation strings into numbers and leaves replication to the broker when absent', () => {
    expect(
      parseTopicsRequest({ ClusterArn: CLUSTER_ARN, Topics: [{ Name: 't', Partitions: '12' }] }).topics,
    ).toEqual([{ name: 't', partitions: 12, configs: {}, createConfigs: {} }]);
  });
});
