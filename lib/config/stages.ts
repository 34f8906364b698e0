/**
 * The stage configs. Account and region are fixed per stage so `cdk synth` needs no credentials and
 * no AZ lookup; replace the placeholder account (or pass `-c account=...`) before deploying.
 * Capacity: ElastiCache node type and shard count come from `npx herald capacity` (docs/deploy.md).
 */
import type { StageConfig } from './stage-config.ts';
import { validateStageConfig } from './validate.ts';

const PLACEHOLDER_ACCOUNT = '123456789012';

/** Development: MSK Serverless, the smallest Multi-AZ cache, data deleted with the stack. */
export const devStage: StageConfig = {
  stage: 'dev',
  account: PLACEHOLDER_ACCOUNT,
  region: 'eu-west-1',
  retainData: false,
  logRetentionDays: 14,
  network: { cidr: '10.40.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 },
  kafka: { mode: 'serverless' },
  topics: {
    // Why 12 h: at least the record age (6 h), and with one segment of slack within the dedup window
    // (24 h), so a replay from the oldest offset never resends (validateRetention).
    deliveries: { name: 'herald.deliveries', partitions: 6, retentionHours: 12 },
    deadLetter: { name: 'herald.deliveries.dlq', partitions: 1, retentionHours: 336 },
    highPriority: { name: 'herald.deliveries.high', partitions: 3, retentionHours: 12 },
  },
  cache: { engineVersion: '7.1', nodeType: 'cache.t4g.small', shardCount: 1, replicasPerShard: 1 },
  ingest: {
    memoryMiB: 512,
    timeoutSeconds: 15,
    throttleRateLimit: 50,
    throttleBurstLimit: 100,
    idempotencyWindowSeconds: 86_400,
    statusRetentionSeconds: 7 * 86_400,
    kafkaTimeoutMs: 10_000,
    logLevel: 'DEBUG',
  },
  // Why lease 25 s of a 60 s timeout, and 500 retries: a crashed invocation's claims hold its records
  // off for up to one lease. The next retry waits that out inside its own time and still has a whole
  // lease to send (25 + 25 + 5 s start-up ≤ 60), so a crash costs one retry, two if that retry crashes
  // too. A batch of 100 at the default 5 s vendor timeout sends for up to 25 − 5 − 2 = 18 s. Retries
  // also go by while every vendor is down, and AWS does not document its backoff, so the count is
  // large and the record age (6 h) is what really bounds retrying.
  dispatch: {
    memoryMiB: 512,
    timeoutSeconds: 60,
    claimLeaseSeconds: 25,
    consumerGroupId: 'herald-dispatcher',
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    startingPosition: 'TRIM_HORIZON',
    minPollers: 1,
    maxPollers: 2,
    reportBatchItemFailures: true,
    retryAttempts: 500,
    maxRecordAgeSeconds: 6 * 3600,
    onFailure: { kind: 'kafka' },
    dedupWindowSeconds: 86_400,
    // A whole batch in flight: the vendors' maxConcurrent decide.
    maxInFlightSends: 100,
    // The high-priority lane: small batches invoked as soon as records arrive (no window), so a code
    // waits for one short invocation, never behind a campaign. A one-time code is useless after
    // minutes, so records give up after 30 min (to the dead-letter topic, nothing lost) instead of 6 h.
    highLane: {
      consumerGroupId: 'herald-dispatcher-high',
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      minPollers: 1,
      maxPollers: 2,
      retryAttempts: 200,
      maxRecordAgeSeconds: 1800,
    },
    logLevel: 'DEBUG',
  },
  observability: { consumerLagRecords: 10_000, vendorFailureRatePercent: 20 },
};

/** Production: provisioned MSK across three zones, sharded cache with two replicas, data retained. */
export const prodStage: StageConfig = {
  stage: 'prod',
  account: PLACEHOLDER_ACCOUNT,
  region: 'eu-west-1',
  retainData: true,
  logRetentionDays: 90,
  network: {
    cidr: '10.41.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    natGateways: 3,
  },
  kafka: {
    mode: 'provisioned',
    kafkaVersion: '4.1.x.kraft',
    brokerCount: 3,
    instanceType: 'kafka.m7g.large',
    volumeSizeGiB: 500,
  },
  topics: {
    // Why 20 h: at least the record age (12 h), and with one segment of slack within the dedup window.
    deliveries: { name: 'herald.deliveries', partitions: 24, retentionHours: 20 },
    highPriority: { name: 'herald.deliveries.high', partitions: 6, retentionHours: 20 },
    deadLetter: { name: 'herald.deliveries.dlq', partitions: 3, retentionHours: 720 },
    replicationFactor: 3,
    minInSyncReplicas: 2,
  },
  // Sized with the planner for 200 deliveries/s at peak, 50 recipients per request, half of the
  // requests keyed, 24 h dedup and idempotency windows, 7 d statuses:
  //   npx herald capacity --rate 200 --recipients-per-request 50 --keyed-share 0.5
  // → cache.r7g.large × 1 shard: 1.60 GiB of entries (status records by position, 144 B idempotency
  // records), fullest shard 17% of usable memory (alarm at 70%). Was × 6 with the per-recipient status
  // entries. At 2,000 deliveries/s and 10 recipients per request the same command gives × 5.
  cache: {
    engineVersion: '7.1',
    nodeType: 'cache.r7g.large',
    shardCount: 1,
    replicasPerShard: 2,
    snapshotRetentionDays: 1,
  },
  ingest: {
    memoryMiB: 1024,
    timeoutSeconds: 15,
    throttleRateLimit: 2_000,
    throttleBurstLimit: 4_000,
    idempotencyWindowSeconds: 86_400,
    statusRetentionSeconds: 7 * 86_400,
    kafkaTimeoutMs: 10_000,
  },
  // Same reasoning as dev: 50 + 50 + 5 ≤ 120; a batch of 500 sends for up to 50 − 5 − 2 = 43 s.
  dispatch: {
    memoryMiB: 1024,
    timeoutSeconds: 120,
    claimLeaseSeconds: 50,
    consumerGroupId: 'herald-dispatcher',
    batchSize: 500,
    maxBatchingWindowSeconds: 1,
    startingPosition: 'TRIM_HORIZON',
    minPollers: 2,
    maxPollers: 24,
    reportBatchItemFailures: true,
    retryAttempts: 500,
    maxRecordAgeSeconds: 12 * 3600,
    onFailure: { kind: 'kafka' },
    dedupWindowSeconds: 86_400,
    // Half a batch of 500: a batch sends in two waves at most, sockets stay far under the 1,024 fds.
    maxInFlightSends: 250,
    // The high-priority lane: small batches invoked as soon as records arrive (no window), so a code
    // waits for one short invocation, never behind a campaign. A one-time code is useless after
    // minutes, so records give up after 30 min (to the dead-letter topic, nothing lost) instead of 6 h.
    highLane: {
      consumerGroupId: 'herald-dispatcher-high',
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      minPollers: 1,
      maxPollers: 4,
      retryAttempts: 200,
      maxRecordAgeSeconds: 1800,
    },
  },
  observability: { consumerLagRecords: 50_000, vendorFailureRatePercent: 10 },
};

const STAGES: Readonly<Record<string, StageConfig>> = { dev: devStage, prod: prodStage };

/** Names of the built-in stages. */
export const stageNames = Object.keys(STAGES);

/** The validated config of `name`; throws on an unknown stage or an invalid config. */
export function stageConfig(name: string): StageConfig {
  const config = STAGES[name];
  if (!config) throw new Error(`unknown stage '${name}'; expected one of: ${stageNames.join(', ')}`);
  return validateStageConfig(config);
}
