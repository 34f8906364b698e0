/**
 * Props validation: every check returns the list of problems so one error names them all (like
 * loadConfig does for env vars). Constructs validate their own slice; validateStageConfig runs
 * every slice plus the cross-cutting rules.
 */

import { retryBudgetIssues } from './retry-budget.ts';
import type {
  CacheSettings,
  DispatchSettings,
  IngestSettings,
  KafkaSettings,
  NetworkSettings,
  ObservabilitySettings,
  StageConfig,
  TopicSettings,
} from './stage-config.ts';

/** Thrown when a stage config or construct props make no sense. */
export class InvalidHeraldConfigError extends Error {
  override name = 'InvalidHeraldConfigError';
  readonly issues: readonly string[];
  constructor(scope: string, issues: readonly string[]) {
    super(`invalid ${scope} config:\n  - ${issues.join('\n  - ')}`);
    this.issues = issues;
  }
}

/** Throws an InvalidHeraldConfigError when `issues` is not empty. */
export function assertValid(scope: string, issues: readonly string[]): void {
  if (issues.length > 0) throw new InvalidHeraldConfigError(scope, issues);
}

const isInt = (value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max;
const range = (issues: string[], key: string, value: number, min: number, max: number) => {
  if (!isInt(value, min, max)) issues.push(`${key} must be an integer in ${min}..${max}, got ${value}`);
};
/** The longest function timeout an MSK event source mapping accepts (14 minutes). */
export const MAX_KAFKA_ESM_TIMEOUT_SECONDS = 840;
/**
 * How long a deliveries-topic segment stays open (the topics resource sets `segment.ms` to this on
 * provisioned MSK). Kafka deletes whole closed segments only, so a record can outlive retention.ms
 * by up to one segment: a replay from the oldest offset may see records this much older.
 */
export const SEGMENT_SLACK_SECONDS = 3600;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** VPC layout checks. */
export function validateNetwork(settings: NetworkSettings, region: string): string[] {
  const issues: string[] = [];
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(settings.cidr);
  const octetsOk = match?.slice(1, 5).every((octet) => Number(octet) <= 255) ?? false;
  if (!match || !octetsOk || Number(match[5]) < 16 || Number(match[5]) > 19) {
    issues.push(`network.cidr must be an IPv4 CIDR from /16 to /19, got '${settings.cidr}'`);
  }
  const azs = settings.availabilityZones;
  if (azs.length < 2 || azs.length > 3) {
    issues.push(`network.availabilityZones must list 2 or 3 zones (MSK spans 2 or 3), got ${azs.length}`);
  }
  if (new Set(azs).size !== azs.length) issues.push('network.availabilityZones has duplicates');
  for (const az of azs) {
    if (!new RegExp(`^${region}[a-z]$`).test(az))
      issues.push(`availability zone '${az}' is not in ${region}`);
  }
  range(issues, 'network.natGateways', settings.natGateways, 1, Math.max(1, azs.length));
  return issues;
}

/** MSK cluster checks (broker layout, version line). */
export function validateKafka(settings: KafkaSettings, zoneCount: number): string[] {
  const issues: string[] = [];
  if (settings.mode === 'serverless') {
    range(issues, 'kafka.generation', settings.generation ?? 1, 1, 999);
    return issues;
  }
  if (!/^4\.\d+\.x\.kraft$/.test(settings.kafkaVersion)) {
    issues.push(
      `kafka.kafkaVersion must be a 4.x KRaft version like '4.1.x.kraft', got '${settings.kafkaVersion}'`,
    );
  }
  range(issues, 'kafka.brokerCount', settings.brokerCount, zoneCount, 30 * zoneCount);
  if (settings.brokerCount % zoneCount !== 0) {
    issues.push(
      `kafka.brokerCount (${settings.brokerCount}) must be a multiple of the zone count (${zoneCount})`,
    );
  }
  if (!/^kafka\.[a-z0-9]+\.[a-z0-9]+$/.test(settings.instanceType)) {
    issues.push(`kafka.instanceType must look like 'kafka.m7g.large', got '${settings.instanceType}'`);
  }
  range(issues, 'kafka.volumeSizeGiB', settings.volumeSizeGiB, 1, 16384);
  return issues;
}

/** Topic checks; `brokerCount` is undefined on MSK Serverless. */
export function validateTopics(settings: TopicSettings, brokerCount: number | undefined): string[] {
  const issues: string[] = [];
  for (const [key, topic] of Object.entries({
    deliveries: settings.deliveries,
    deadLetter: settings.deadLetter,
    ...(settings.highPriority ? { highPriority: settings.highPriority } : {}),
  })) {
    if (!TOPIC_NAME.test(topic.name))
      issues.push(`topics.${key}.name '${topic.name}' is not a valid Kafka topic name`);
    range(issues, `topics.${key}.partitions`, topic.partitions, 1, 10000);
    range(issues, `topics.${key}.retentionHours`, topic.retentionHours, 1, 24 * 365);
  }
  if (settings.deliveries.name === settings.deadLetter.name)
    issues.push('topics: deliveries and deadLetter must differ');
  const high = settings.highPriority?.name;
  if (high !== undefined && (high === settings.deliveries.name || high === settings.deadLetter.name))
    issues.push('topics: highPriority must differ from deliveries and deadLetter');
  if (brokerCount === undefined) {
    if (settings.replicationFactor !== undefined || settings.minInSyncReplicas !== undefined) {
      issues.push('topics.replicationFactor/minInSyncReplicas are fixed by MSK Serverless; leave them unset');
    }
    return issues;
  }
  const replication = settings.replicationFactor ?? 3;
  const minInSync = settings.minInSyncReplicas ?? 2;
  range(issues, 'topics.replicationFactor', replication, 1, brokerCount);
  range(issues, 'topics.minInSyncReplicas', minInSync, 1, replication);
  if (replication > 1 && minInSync >= replication) {
    issues.push(
      'topics.minInSyncReplicas must be below replicationFactor, or one broker down stops all writes',
    );
  }
  return issues;
}

/** ElastiCache checks. */
export function validateCache(settings: CacheSettings): string[] {
  const issues: string[] = [];
  const engine = settings.engine ?? 'redis';
  const versionLine = engine === 'redis' ? /^7\.\d+$/ : /^[78]\.\d+$/;
  if (!versionLine.test(settings.engineVersion)) {
    issues.push(
      `cache.engineVersion '${settings.engineVersion}' is not a supported ${engine} 7.x/8.x version`,
    );
  }
  if (!/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(settings.nodeType)) {
    issues.push(`cache.nodeType must look like 'cache.r7g.large', got '${settings.nodeType}'`);
  }
  range(issues, 'cache.shardCount', settings.shardCount, 1, 500);
  range(issues, 'cache.replicasPerShard', settings.replicasPerShard, 1, 5);
  range(issues, 'cache.port', settings.port ?? 6379, 1024, 65535);
  range(issues, 'cache.snapshotRetentionDays', settings.snapshotRetentionDays ?? 0, 0, 35);
  return issues;
}

/** Ingest function and HTTP API checks. */
export function validateIngest(settings: IngestSettings): string[] {
  const issues: string[] = [];
  range(issues, 'ingest.memoryMiB', settings.memoryMiB, 128, 10240);
  range(issues, 'ingest.timeoutSeconds', settings.timeoutSeconds, 1, 29);
  if (settings.throttleRateLimit <= 0) issues.push('ingest.throttleRateLimit must be positive');
  range(issues, 'ingest.throttleBurstLimit', settings.throttleBurstLimit, 1, 100_000);
  range(issues, 'ingest.idempotencyWindowSeconds', settings.idempotencyWindowSeconds, 60, 30 * 86400);
  range(issues, 'ingest.statusRetentionSeconds', settings.statusRetentionSeconds, 60, 30 * 86400);
  range(issues, 'ingest.kafkaTimeoutMs', settings.kafkaTimeoutMs, 100, 60_000);
  if (settings.kafkaTimeoutMs >= settings.timeoutSeconds * 1000) {
    issues.push('ingest.kafkaTimeoutMs must be below the function timeout so a stuck produce answers 503');
  }
  if (settings.reservedConcurrency !== undefined)
    range(issues, 'ingest.reservedConcurrency', settings.reservedConcurrency, 1, 10000);
  return issues;
}

/** Dispatch function and event source mapping checks. */
export function validateDispatch(settings: DispatchSettings): string[] {
  const issues: string[] = [];
  range(issues, 'dispatch.memoryMiB', settings.memoryMiB, 128, 10240);
  // Why 15 s at least: two leases of the 5 s minimum plus a retry's start-up (retry-budget.ts).
  // Why 840 s at most: MSK event source mappings accept functions with a timeout of 14 minutes at most.
  range(issues, 'dispatch.timeoutSeconds', settings.timeoutSeconds, 15, MAX_KAFKA_ESM_TIMEOUT_SECONDS);
  range(issues, 'dispatch.claimLeaseSeconds', settings.claimLeaseSeconds, 5, 900);
  if (!/^[a-zA-Z0-9\-/*_+=.@]{1,200}$/.test(settings.consumerGroupId)) {
    issues.push(
      `dispatch.consumerGroupId '${settings.consumerGroupId}' must be 1..200 ASCII chars without ':'`,
    );
  }
  range(issues, 'dispatch.batchSize', settings.batchSize, 1, 10000);
  range(issues, 'dispatch.maxBatchingWindowSeconds', settings.maxBatchingWindowSeconds, 0, 300);
  range(issues, 'dispatch.minPollers', settings.minPollers, 1, 200);
  range(issues, 'dispatch.maxPollers', settings.maxPollers, Math.max(1, settings.minPollers), 2000);
  if (settings.retryAttempts !== -1)
    range(issues, 'dispatch.retryAttempts', settings.retryAttempts, 0, 10000);
  if (settings.maxRecordAgeSeconds !== -1)
    range(issues, 'dispatch.maxRecordAgeSeconds', settings.maxRecordAgeSeconds, 60, 604800);
  range(issues, 'dispatch.dedupWindowSeconds', settings.dedupWindowSeconds, 60, 30 * 86400);
  issues.push(...recordAgeIssues(settings));
  range(issues, 'dispatch.maxInFlightSends', settings.maxInFlightSends, 1, 1000);
  if (
    settings.vendorsSecretArn !== undefined &&
    !/^arn:aws[a-z-]*:secretsmanager:/.test(settings.vendorsSecretArn)
  ) {
    issues.push('dispatch.vendorsSecretArn must be a Secrets Manager ARN');
  }
  issues.push(...providerAccessIssues(settings.providers));
  if (settings.reservedConcurrency !== undefined)
    range(issues, 'dispatch.reservedConcurrency', settings.reservedConcurrency, 1, 10000);
  issues.push(...retryBudgetIssues(settings));
  if (settings.highLane) issues.push(...validateLane(settings));
  return issues;
}

/** The high-priority lane's mapping: the same ranges, and the same retry budget with its own retries. */
function validateLane(settings: DispatchSettings): string[] {
  const lane = settings.highLane;
  if (!lane) return [];
  const issues: string[] = [];
  if (!/^[a-zA-Z0-9\-/*_+=.@]{1,200}$/.test(lane.consumerGroupId))
    issues.push(
      `dispatch.highLane.consumerGroupId '${lane.consumerGroupId}' must be 1..200 ASCII chars without ':'`,
    );
  if (lane.consumerGroupId === settings.consumerGroupId)
    issues.push('dispatch.highLane.consumerGroupId must differ from dispatch.consumerGroupId');
  range(issues, 'dispatch.highLane.batchSize', lane.batchSize, 1, 10000);
  range(issues, 'dispatch.highLane.maxBatchingWindowSeconds', lane.maxBatchingWindowSeconds, 0, 300);
  range(issues, 'dispatch.highLane.minPollers', lane.minPollers, 1, 200);
  range(issues, 'dispatch.highLane.maxPollers', lane.maxPollers, Math.max(1, lane.minPollers), 2000);
  if (lane.retryAttempts !== -1)
    range(issues, 'dispatch.highLane.retryAttempts', lane.retryAttempts, 0, 10000);
  if (lane.maxRecordAgeSeconds !== -1)
    range(issues, 'dispatch.highLane.maxRecordAgeSeconds', lane.maxRecordAgeSeconds, 60, 604800);
  const budget = retryBudgetIssues({
    ...settings,
    retryAttempts: lane.retryAttempts,
    maxRecordAgeSeconds: lane.maxRecordAgeSeconds,
  });
  issues.push(
    ...budget.filter((issue) => !/claimLeaseSeconds/.test(issue)).map((issue) => `highLane: ${issue}`),
  );
  return issues;
}

/**
 * Why the dedup window must cover the record age: the mapping retries a failed batch until the
 * record age runs out, and a retry after the window would find no sent mark and send again. An
 * unlimited age (-1) can outlive any window.
 */
function recordAgeIssues(settings: DispatchSettings): string[] {
  const { maxRecordAgeSeconds: age, dedupWindowSeconds: window } = settings;
  if (age === -1) {
    return [
      `dispatch.maxRecordAgeSeconds must be a finite age no longer than dispatch.dedupWindowSeconds (${window}), ` +
        'not -1: a record retried after its sent mark expired is sent again',
    ];
  }
  if (age > window) {
    return [
      `dispatch.maxRecordAgeSeconds (${age}) must not exceed dispatch.dedupWindowSeconds (${window}): a record ` +
        'retried after its sent mark expired is sent again',
    ];
  }
  return [];
}

/**
 * Topic retention against the dispatcher: records must outlive the record age (or retried records
 * vanish), and with TRIM_HORIZON a consumer group without offsets (a new consumerGroupId) replays
 * the whole topic, so no record on it may be older than the dedup window.
 */
export function validateRetention(topics: TopicSettings, dispatch: DispatchSettings): string[] {
  const issues: string[] = [];
  const retentionSeconds = topics.deliveries.retentionHours * 3600;
  if (dispatch.maxRecordAgeSeconds !== -1 && retentionSeconds < dispatch.maxRecordAgeSeconds) {
    issues.push(
      `topics.deliveries.retentionHours (${topics.deliveries.retentionHours} h) must be at least ` +
        `dispatch.maxRecordAgeSeconds (${dispatch.maxRecordAgeSeconds} s): records still being retried would be deleted`,
    );
  }
  const oldest = retentionSeconds + SEGMENT_SLACK_SECONDS;
  if (dispatch.startingPosition === 'TRIM_HORIZON' && oldest > dispatch.dedupWindowSeconds) {
    issues.push(
      `topics.deliveries.retentionHours (${topics.deliveries.retentionHours} h) plus one segment ` +
        `(${SEGMENT_SLACK_SECONDS} s) must not exceed dispatch.dedupWindowSeconds (${dispatch.dedupWindowSeconds} s) ` +
        'with startingPosition TRIM_HORIZON: a group without offsets replays records whose sent marks expired',
    );
  }
  return issues;
}

/** Alarm threshold checks. */
export function validateObservability(settings: ObservabilitySettings): string[] {
  const issues: string[] = [];
  if (settings.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(settings.alarmEmail)) {
    issues.push('observability.alarmEmail is not an e-mail address');
  }
  range(issues, 'observability.consumerLagRecords', settings.consumerLagRecords, 1, Number.MAX_SAFE_INTEGER);
  range(issues, 'observability.cacheMemoryWarnPercent', settings.cacheMemoryWarnPercent ?? 70, 1, 99);
  range(issues, 'observability.cacheEngineCpuPercent', settings.cacheEngineCpuPercent ?? 80, 1, 99);
  range(issues, 'observability.vendorFailureRatePercent', settings.vendorFailureRatePercent, 1, 100);
  range(
    issues,
    'observability.highLaneLagRecords',
    settings.highLaneLagRecords ?? 100,
    1,
    Number.MAX_SAFE_INTEGER,
  );
  range(issues, 'observability.highLaneTimeLagSeconds', settings.highLaneTimeLagSeconds ?? 30, 1, 86_400);
  const fraction = settings.durationAlarmFractionOfTimeout ?? 0.8;
  if (!(fraction > 0 && fraction <= 1))
    issues.push('observability.durationAlarmFractionOfTimeout must be in (0, 1]');
  return issues;
}

/** Every check for a whole stage; throws one error listing every problem. */
export function validateStageConfig(config: StageConfig): StageConfig {
  const issues: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(config.stage))
    issues.push(`stage '${config.stage}' must be lower-case, 1..20 chars`);
  if (!/^\d{12}$/.test(config.account)) issues.push(`account '${config.account}' must be 12 digits`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region))
    issues.push(`region '${config.region}' is not an AWS region`);
  if (!LOG_RETENTION_DAYS.includes(config.logRetentionDays)) {
    issues.push(
      `logRetentionDays ${config.logRetentionDays} is not a CloudWatch retention (1, 3, 5, 7, 14, 30, ...)`,
    );
  }
  const zones = config.network.availabilityZones.length;
  issues.push(...validateNetwork(config.network, config.region));
  issues.push(...validateKafka(config.kafka, zones));
  const brokers = config.kafka.mode === 'provisioned' ? config.kafka.brokerCount : undefined;
  issues.push(...validateTopics(config.topics, brokers));
  issues.push(...validateCache(config.cache));
  issues.push(...validateIngest(config.ingest));
  issues.push(...validateDispatch(config.dispatch));
  issues.push(...validateRetention(config.topics, config.dispatch));
  issues.push(...validateObservability(config.observability));
  if (Boolean(config.topics.highPriority) !== Boolean(config.dispatch.highLane))
    issues.push('topics.highPriority and dispatch.highLane go together: set both or neither');
  assertValid(`stage '${config.stage}'`, issues);
  return config;
}

const SMS_IDENTITY_ARN =
  /^arn:aws[a-z-]*:sms-voice:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:(phone-number|sender-id|pool)\/\S+$/;
const SES_IDENTITY_ARN = /^arn:aws[a-z-]*:ses:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:identity\/\S+$/;
const CONFIGURATION_SET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** dispatch.providers: exact ARNs (no wildcards) and configuration set names the services accept. */
export function providerAccessIssues(providers: DispatchSettings['providers']): string[] {
  const issues: string[] = [];
  const check = (path: string, arns: readonly string[], pattern: RegExp, what: string) => {
    if (arns.length === 0) issues.push(`${path} must list at least one ARN`);
    arns.forEach((arn, i) => {
      if (!pattern.test(arn) || arn.includes('*'))
        issues.push(`${path}[${i}] must be ${what} (no wildcards)`);
    });
  };
  const setName = (path: string, name: string) => {
    if (!CONFIGURATION_SET_NAME.test(name)) issues.push(`${path} must be 1..64 letters, digits, _ or -`);
  };
  if (providers?.sms) {
    check(
      'dispatch.providers.sms.originationIdentityArns',
      providers.sms.originationIdentityArns,
      SMS_IDENTITY_ARN,
      'an sms-voice phone-number, sender-id or pool ARN',
    );
    setName('dispatch.providers.sms.configurationSetName', providers.sms.configurationSetName);
  }
  if (providers?.email) {
    check(
      'dispatch.providers.email.identityArns',
      providers.email.identityArns,
      SES_IDENTITY_ARN,
      'an SES identity ARN',
    );
    setName('dispatch.providers.email.configurationSetName', providers.email.configurationSetName);
  }
  return issues;
}
