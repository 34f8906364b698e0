/**
 * Props validation: every built-in stage is valid, and nonsense in any slice fails synth with an
 * error that names the offending key (table-driven), both for whole stages and for constructs used
 * on their own.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { HeraldCache } from '../../lib/cache.ts';
import { longestClaimLeaseSeconds, RETRY_STARTUP_SECONDS } from '../../lib/config/retry-budget.ts';
import type { StageConfig } from '../../lib/config/stage-config.ts';
import { devStage, prodStage, stageConfig, stageNames } from '../../lib/config/stages.ts';
import { InvalidHeraldConfigError, validateStageConfig } from '../../lib/config/validate.ts';

type Mutation = (config: StageConfig) => StageConfig;

const cases: ReadonlyArray<[string, Mutation, RegExp]> = [
  ['shard count 0', (c) => ({ ...c, cache: { ...c.cache, shardCount: 0 } }), /cache\.shardCount/],
  ['501 shards', (c) => ({ ...c, cache: { ...c.cache, shardCount: 501 } }), /cache\.shardCount/],
  [
    'no replica (no Multi-AZ failover)',
    (c) => ({ ...c, cache: { ...c.cache, replicasPerShard: 0 } }),
    /cache\.replicasPerShard/,
  ],
  [
    'a non-cache node type',
    (c) => ({ ...c, cache: { ...c.cache, nodeType: 'm7g.large' } }),
    /cache\.nodeType/,
  ],
  ['Redis 6', (c) => ({ ...c, cache: { ...c.cache, engineVersion: '6.2' } }), /cache\.engineVersion/],
  ['a privileged cache port', (c) => ({ ...c, cache: { ...c.cache, port: 80 } }), /cache\.port/],
  [
    'one availability zone',
    (c) => ({ ...c, network: { ...c.network, availabilityZones: ['eu-west-1a'], natGateways: 1 } }),
    /availabilityZones must list 2 or 3/,
  ],
  [
    'a zone from another region',
    (c) => ({ ...c, network: { ...c.network, availabilityZones: ['eu-west-1a', 'us-east-1b'] } }),
    /us-east-1b/,
  ],
  [
    'duplicate zones',
    (c) => ({ ...c, network: { ...c.network, availabilityZones: ['eu-west-1a', 'eu-west-1a'] } }),
    /duplicates/,
  ],
  ['no NAT gateway', (c) => ({ ...c, network: { ...c.network, natGateways: 0 } }), /network\.natGateways/],
  ['a /24 VPC', (c) => ({ ...c, network: { ...c.network, cidr: '10.0.0.0/24' } }), /network\.cidr/],
  [
    'Kafka 3.9 (not the local 4.x line)',
    (c) => ({
      ...c,
      kafka: {
        ...(prodStage.kafka as object),
        mode: 'provisioned',
        kafkaVersion: '3.9.x',
      } as StageConfig['kafka'],
    }),
    /kafkaVersion/,
  ],
  [
    'Kafka 4.1 without KRaft suffix',
    (c) => ({
      ...c,
      kafka: {
        ...(prodStage.kafka as object),
        mode: 'provisioned',
        kafkaVersion: '4.1.x',
      } as StageConfig['kafka'],
    }),
    /kafkaVersion/,
  ],
  [
    'brokers not a multiple of zones',
    (c) => ({ ...c, kafka: { ...(prodStage.kafka as object), brokerCount: 4 } as StageConfig['kafka'] }),
    /multiple of the zone count/,
  ],
  [
    'an EC2 type as broker',
    (c) => ({
      ...c,
      kafka: { ...(prodStage.kafka as object), instanceType: 'm7g.large' } as StageConfig['kafka'],
    }),
    /kafka\.instanceType/,
  ],
  [
    '0 partitions',
    (c) => ({ ...c, topics: { ...c.topics, deliveries: { ...c.topics.deliveries, partitions: 0 } } }),
    /topics\.deliveries\.partitions/,
  ],
  [
    'an invalid topic name',
    (c) => ({ ...c, topics: { ...c.topics, deadLetter: { ...c.topics.deadLetter, name: 'dead letters!' } } }),
    /not a valid Kafka topic name/,
  ],
  [
    'the same topic twice',
    (c) => ({
      ...c,
      topics: { ...c.topics, deadLetter: { ...c.topics.deadLetter, name: c.topics.deliveries.name } },
    }),
    /must differ/,
  ],
  [
    'replication above the broker count',
    (c) => ({ ...c, topics: { ...c.topics, replicationFactor: 4 } }),
    /topics\.replicationFactor/,
  ],
  [
    'min.insync.replicas equal to replication',
    (c) => ({ ...c, topics: { ...c.topics, minInSyncReplicas: 3 } }),
    /one broker down stops all writes/,
  ],
  [
    'ingest timeout beyond API Gateway',
    (c) => ({ ...c, ingest: { ...c.ingest, timeoutSeconds: 30 } }),
    /ingest\.timeoutSeconds/,
  ],
  [
    'a Kafka timeout longer than the function',
    (c) => ({ ...c, ingest: { ...c.ingest, kafkaTimeoutMs: 15_000 } }),
    /kafkaTimeoutMs must be below/,
  ],
  [
    'zero throttle rate',
    (c) => ({ ...c, ingest: { ...c.ingest, throttleRateLimit: 0 } }),
    /throttleRateLimit/,
  ],
  ['batch size 0', (c) => ({ ...c, dispatch: { ...c.dispatch, batchSize: 0 } }), /dispatch\.batchSize/],
  [
    'batch size above 10000',
    (c) => ({ ...c, dispatch: { ...c.dispatch, batchSize: 10_001 } }),
    /dispatch\.batchSize/,
  ],
  [
    'a 10-minute batching window',
    (c) => ({ ...c, dispatch: { ...c.dispatch, maxBatchingWindowSeconds: 600 } }),
    /maxBatchingWindowSeconds/,
  ],
  [
    'max pollers below min',
    (c) => ({ ...c, dispatch: { ...c.dispatch, minPollers: 5, maxPollers: 2 } }),
    /dispatch\.maxPollers/,
  ],
  [
    'retry attempts -2',
    (c) => ({ ...c, dispatch: { ...c.dispatch, retryAttempts: -2 } }),
    /dispatch\.retryAttempts/,
  ],
  [
    'record age 10 s',
    (c) => ({ ...c, dispatch: { ...c.dispatch, maxRecordAgeSeconds: 10 } }),
    /maxRecordAgeSeconds/,
  ],
  [
    'a claim lease the retry after a crash cannot wait out (prod: 120 s timeout)',
    (c) => ({ ...c, dispatch: { ...c.dispatch, claimLeaseSeconds: 58 } }),
    /dispatch\.claimLeaseSeconds \(58\) is longer than the retry budget can cover.*at most \(120 − 5\) \/ 2 = 57 s/,
  ],
  [
    'a claim lease as long as the function timeout',
    (c) => ({ ...c, dispatch: { ...c.dispatch, claimLeaseSeconds: c.dispatch.timeoutSeconds } }),
    /dispatch\.claimLeaseSeconds/,
  ],
  [
    'a claim lease under 5 s',
    (c) => ({ ...c, dispatch: { ...c.dispatch, claimLeaseSeconds: 4 } }),
    /dispatch\.claimLeaseSeconds must be an integer in 5\.\.900/,
  ],
  [
    'unbounded retries with an on-failure destination (Lambda makes it 10)',
    (c) => ({ ...c, dispatch: { ...c.dispatch, retryAttempts: -1 } }),
    /dispatch\.retryAttempts must be an explicit count, not -1/,
  ],
  [
    'a single retry',
    (c) => ({ ...c, dispatch: { ...c.dispatch, retryAttempts: 1 } }),
    /dispatch\.retryAttempts \(1\) cannot cover a crash/,
  ],
  [
    'a record age shorter than a crash takes to recover from',
    (c) => ({ ...c, dispatch: { ...c.dispatch, maxRecordAgeSeconds: 240 } }),
    /dispatch\.maxRecordAgeSeconds \(240\) must outlast a crash's recovery.*50 \+ 2 × 120 = 290 s/,
  ],
  [
    'a consumer group with a colon',
    (c) => ({ ...c, dispatch: { ...c.dispatch, consumerGroupId: 'herald:dispatch' } }),
    /consumerGroupId/,
  ],
  [
    'a non-secret vendor ARN',
    (c) => ({ ...c, dispatch: { ...c.dispatch, vendorsSecretArn: 'arn:aws:s3:::bucket' } }),
    /vendorsSecretArn/,
  ],
  [
    'no vendor send in flight at a time',
    (c) => ({ ...c, dispatch: { ...c.dispatch, maxInFlightSends: 0 } }),
    /dispatch\.maxInFlightSends must be an integer in 1\.\.1000/,
  ],
  [
    'a 2-second dispatch timeout',
    (c) => ({ ...c, dispatch: { ...c.dispatch, timeoutSeconds: 2 } }),
    /dispatch\.timeoutSeconds/,
  ],
  [
    'memory alarm at 100 %',
    (c) => ({ ...c, observability: { ...c.observability, cacheMemoryWarnPercent: 100 } }),
    /cacheMemoryWarnPercent/,
  ],
  [
    'a malformed alarm e-mail',
    (c) => ({ ...c, observability: { ...c.observability, alarmEmail: 'ops' } }),
    /alarmEmail/,
  ],
  [
    'a 15-minute dispatch timeout (MSK mappings accept 14 minutes at most)',
    (c) => ({ ...c, dispatch: { ...c.dispatch, timeoutSeconds: 900, claimLeaseSeconds: 50 } }),
    /dispatch\.timeoutSeconds must be an integer in 15\.\.840, got 900/,
  ],
  [
    'an unlimited record age (it outlives any dedup window)',
    (c) => ({ ...c, dispatch: { ...c.dispatch, maxRecordAgeSeconds: -1 } }),
    /dispatch\.maxRecordAgeSeconds must be a finite age no longer than dispatch\.dedupWindowSeconds \(86400\), not -1/,
  ],
  [
    'a record age longer than the dedup window',
    (c) => ({
      ...c,
      dispatch: { ...c.dispatch, maxRecordAgeSeconds: 2 * 86_400 },
      topics: { ...c.topics, deliveries: { ...c.topics.deliveries, retentionHours: 48 } },
    }),
    /dispatch\.maxRecordAgeSeconds \(172800\) must not exceed dispatch\.dedupWindowSeconds \(86400\)/,
  ],
  [
    'TRIM_HORIZON over a topic that keeps records past the dedup window',
    (c) => ({ ...c, topics: { ...c.topics, deliveries: { ...c.topics.deliveries, retentionHours: 168 } } }),
    /topics\.deliveries\.retentionHours \(168 h\) plus one segment \(3600 s\) must not exceed dispatch\.dedupWindowSeconds \(86400 s\) with startingPosition TRIM_HORIZON/,
  ],
  [
    'TRIM_HORIZON over a retention that reaches the window only by its last segment',
    (c) => ({ ...c, topics: { ...c.topics, deliveries: { ...c.topics.deliveries, retentionHours: 24 } } }),
    /retentionHours \(24 h\) plus one segment/,
  ],
  [
    'a topic retention shorter than the record age (retried records deleted)',
    (c) => ({ ...c, topics: { ...c.topics, deliveries: { ...c.topics.deliveries, retentionHours: 6 } } }),
    /topics\.deliveries\.retentionHours \(6 h\) must be at least dispatch\.maxRecordAgeSeconds \(43200 s\)/,
  ],
  ['an 11-digit account', (c) => ({ ...c, account: '12345678901' }), /account/],
  ['a 10-day log retention', (c) => ({ ...c, logRetentionDays: 10 }), /logRetentionDays/],
];

describe('validateStageConfig', () => {
  it.each(stageNames)('accepts the built-in %s stage', (name) => {
    expect(stageConfig(name).stage).toBe(name);
  });

  it('refuses an unknown stage name', () => {
    expect(() => stageConfig('staging')).toThrow(/unknown stage 'staging'/);
  });

  it.each(cases)('rejects %s', (_name, mutate, message) => {
    const run = () => validateStageConfig(mutate(prodStage));
    expect(run).toThrow(InvalidHeraldConfigError);
    expect(run).toThrow(message);
  });

  it.each(stageNames)(
    'gives the %s stage a lease a retry can wait out, and room for many crashes',
    (name) => {
      const { claimLeaseSeconds, timeoutSeconds, retryAttempts } = stageConfig(name).dispatch;
      expect(2 * claimLeaseSeconds + RETRY_STARTUP_SECONDS).toBeLessThanOrEqual(timeoutSeconds);
      expect(retryAttempts).toBeGreaterThanOrEqual(100);
    },
  );

  it('accepts the longest lease a retry can wait out, and no longer', () => {
    const at = (claimLeaseSeconds: number) =>
      validateStageConfig({ ...devStage, dispatch: { ...devStage.dispatch, claimLeaseSeconds } });
    expect(longestClaimLeaseSeconds(60)).toBe(27);
    expect(at(27).dispatch.claimLeaseSeconds).toBe(27);
    expect(() => at(28)).toThrow(/claimLeaseSeconds \(28\)/);
  });

  it('accepts a long topic retention when the mapping starts at LATEST (no replay from the oldest offset)', () => {
    const latest: StageConfig = {
      ...prodStage,
      topics: { ...prodStage.topics, deliveries: { ...prodStage.topics.deliveries, retentionHours: 168 } },
      dispatch: { ...prodStage.dispatch, startingPosition: 'LATEST' },
    };
    expect(validateStageConfig(latest).topics.deliveries.retentionHours).toBe(168);
  });

  it('accepts the longest dispatch timeout an MSK mapping takes, and no longer', () => {
    const at = (timeoutSeconds: number) =>
      validateStageConfig({ ...prodStage, dispatch: { ...prodStage.dispatch, timeoutSeconds } });
    expect(at(840).dispatch.timeoutSeconds).toBe(840);
    expect(() => at(841)).toThrow(/dispatch\.timeoutSeconds must be an integer in 15\.\.840, got 841/);
  });

  it.each([0, 1000, 1.5])('rejects serverless generation %s', (generation) => {
    expect(() => validateStageConfig({ ...devStage, kafka: { mode: 'serverless', generation } })).toThrow(
      /kafka\.generation must be an integer in 1\.\.999/,
    );
  });

  it('lists every bad dispatch value of one stage in one error', () => {
    const broken: StageConfig = {
      ...prodStage,
      topics: { ...prodStage.topics, deliveries: { ...prodStage.topics.deliveries, retentionHours: 168 } },
      dispatch: { ...prodStage.dispatch, timeoutSeconds: 900, maxRecordAgeSeconds: -1 },
    };
    try {
      validateStageConfig(broken);
      expect.unreachable('validation passed');
    } catch (error) {
      expect((error as InvalidHeraldConfigError).issues).toEqual([
        expect.stringMatching(/dispatch\.timeoutSeconds .* got 900/),
        expect.stringMatching(/dispatch\.maxRecordAgeSeconds must be a finite age/),
        // The lane shares the dispatch timeout: 900 s no longer fits its record age either.
        expect.stringMatching(/highLane: dispatch\.maxRecordAgeSeconds \(1800\) must outlast/),
        expect.stringMatching(/retentionHours \(168 h\) plus one segment/),
      ]);
    }
  });

  it('rejects replication settings on MSK Serverless', () => {
    expect(() =>
      validateStageConfig({ ...devStage, topics: { ...devStage.topics, replicationFactor: 3 } }),
    ).toThrow(/fixed by MSK Serverless/);
  });

  it('names every problem at once', () => {
    const broken: StageConfig = {
      ...prodStage,
      cache: { ...prodStage.cache, shardCount: 0 },
      dispatch: { ...prodStage.dispatch, batchSize: 0 },
    };
    try {
      validateStageConfig(broken);
      expect.unreachable('validation passed');
    } catch (error) {
      expect((error as InvalidHeraldConfigError).issues).toEqual([
        expect.stringMatching(/cache\.shardCount/),
        expect.stringMatching(/dispatch\.batchSize/),
      ]);
    }
  });
});

describe('construct props validation', () => {
  it('HeraldCache refuses a shard count of 0 when used on its own', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      natGateways: 0,
    });
    const create = () =>
      new HeraldCache(stack, 'Cache', {
        settings: { engineVersion: '7.1', nodeType: 'cache.t4g.small', shardCount: 0, replicasPerShard: 1 },
        vpc,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        encryptionKey: new kms.Key(stack, 'Key'),
        logRetentionDays: 14,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    expect(create).toThrow(
      /invalid cache config:[\s\S]*cache\.shardCount must be an integer in 1\.\.500, got 0/,
    );
  });
});
