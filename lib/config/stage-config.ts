/**
 * The typed shape of one deployment stage. bin/herald.ts picks a stage by name; every construct
 * receives its slice of this object as props. Nothing in lib/ reads process.env or context.
 */

/** Where and how the VPC is laid out. */
export interface NetworkSettings {
  /** IPv4 CIDR of the VPC, e.g. `10.40.0.0/16`. */
  readonly cidr: string;
  /**
   * Availability zones, listed explicitly so synth needs no AWS credentials. MSK accepts exactly
   * two or three client subnets, so two or three zones.
   */
  readonly availabilityZones: readonly string[];
  /** NAT gateways for the dispatcher's calls to vendors (1 = cheap, one per AZ = zone-independent). */
  readonly natGateways: number;
}

/** A provisioned MSK cluster (Standard brokers). */
export interface ProvisionedKafkaSettings {
  readonly mode: 'provisioned';
  /** MSK version string; must stay on the local broker's 4.x line (KRaft), e.g. `4.1.x.kraft`. */
  readonly kafkaVersion: string;
  /** Broker count: a multiple of the number of availability zones. */
  readonly brokerCount: number;
  /** Standard broker type, e.g. `kafka.m7g.large`. */
  readonly instanceType: string;
  /** EBS volume per broker, GiB (1..16384). */
  readonly volumeSizeGiB: number;
  /** @default 'DEFAULT' (consumer-lag metrics are published at this level) */
  readonly enhancedMonitoring?: 'DEFAULT' | 'PER_BROKER' | 'PER_TOPIC_PER_BROKER' | 'PER_TOPIC_PER_PARTITION';
}

/** MSK Serverless: no brokers to size; replication is fixed by the service. */
export interface ServerlessKafkaSettings {
  readonly mode: 'serverless';
  /**
   * Part of the cluster name (`…-g<generation>`). Every property of a serverless cluster is
   * create-only and its name is fixed, so a change that needs a new cluster (subnets, security
   * groups) fails the deploy until this is raised; raising it replaces the cluster and its records.
   * @default 1
   */
  readonly generation?: number;
}

/** Either kind of MSK cluster. */
export type KafkaSettings = ProvisionedKafkaSettings | ServerlessKafkaSettings;

/** One Kafka topic the stack owns. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly retentionHours: number;
}

/** The topics the custom resource creates (and only ever grows). */
export interface TopicSettings {
  readonly deliveries: TopicSpec;
  readonly deadLetter: TopicSpec;
  /**
   * The high-priority lane's topic (`priority: high`), read by its own event source mapping
   * (dispatch.highLane). @default no lane: high-priority deliveries share the deliveries topic
   */
  readonly highPriority?: TopicSpec;
  /** Replication factor (provisioned only; MSK Serverless fixes it). @default 3 on provisioned */
  readonly replicationFactor?: number;
  /** `min.insync.replicas` (provisioned only): acks=all waits for this many copies. @default 2 */
  readonly minInSyncReplicas?: number;
}

/** The ElastiCache replication group that backs dedup and request identity. */
export interface CacheSettings {
  /** @default 'redis' (the local engine is redis-server 7.0) */
  readonly engine?: 'redis' | 'valkey';
  /** Engine version, e.g. `7.1` for Redis OSS. */
  readonly engineVersion: string;
  /** Node type, e.g. `cache.r7g.large`. */
  readonly nodeType: string;
  /** Shards (node groups), 1..500. */
  readonly shardCount: number;
  /** Replicas per shard, 1..5 (Multi-AZ failover needs at least one). */
  readonly replicasPerShard: number;
  /** @default 6379 */
  readonly port?: number;
  /** Daily snapshots kept, 0..35. @default 0 */
  readonly snapshotRetentionDays?: number;
}

/** Log level passed to Powertools. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The ingest Lambda and its HTTP API. */
export interface IngestSettings {
  readonly memoryMiB: number;
  /** Below API Gateway's 30 s integration timeout. */
  readonly timeoutSeconds: number;
  /** Stage-wide steady-state requests per second. */
  readonly throttleRateLimit: number;
  /** Stage-wide burst. */
  readonly throttleBurstLimit: number;
  /** How long a client's Idempotency-Key is remembered. */
  readonly idempotencyWindowSeconds: number;
  /** How long per-recipient statuses are kept for GET /v1/messages/{id}. */
  readonly statusRetentionSeconds: number;
  /** Kafka produce timeout; must leave room inside the function timeout. */
  readonly kafkaTimeoutMs: number;
  /** @default no reservation */
  readonly reservedConcurrency?: number;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
}

/**
 * Where the event source mapping sends records it gives up on (retries or record age exhausted):
 * `kafka` = the dead-letter topic (same cluster, the ESM writes record + failure metadata), `sqs` = an
 * encrypted queue this stack creates (failure metadata only; the record stays in Kafka until retention).
 */
export type OnFailureDestination = { readonly kind: 'kafka' } | { readonly kind: 'sqs' };

/**
 * The high-priority lane's event source mapping: the same dispatch function, its own topic, consumer
 * group, batch size, batching window, pollers and retry settings, so a password-reset code never waits
 * behind a campaign's backlog on the deliveries topic. Lease, timeout and destination are the function's.
 */
export interface LaneSettings {
  /** Kafka consumer group of the lane's mapping (differs from the normal one). */
  readonly consumerGroupId: string;
  /** Records per invocation, 1..10000: small, so one invocation is one short wave of sends. */
  readonly batchSize: number;
  /** Batching window, 0..300 s: 0 for the lane (invoke as soon as records arrive). */
  readonly maxBatchingWindowSeconds: number;
  readonly minPollers: number;
  readonly maxPollers: number;
  /** Retries of a failed record (same rules as dispatch.retryAttempts). */
  readonly retryAttempts: number;
  /** -1 = no limit; 60..604800 s otherwise. */
  readonly maxRecordAgeSeconds: number;
}

/**
 * The AWS End User Messaging SMS and SES resources the `eum-sms` and `ses` vendors of the vendors
 * secret use (docs/deploy.md). A channel left out gets no permission.
 */
export interface ProviderAccessSettings {
  readonly sms?: {
    /** ARNs of the phone numbers, sender ids or pools named as `originationIdentity` (any region). */
    readonly originationIdentityArns: readonly string[];
    /** The configuration set the stack creates in its region (the vendors' `configurationSetName`). */
    readonly configurationSetName: string;
  };
  readonly email?: {
    /** ARNs of the verified SES identities (domain or address) the `fromEmailAddress`es belong to. */
    readonly identityArns: readonly string[];
    /** The configuration set the stack creates in its region (the vendors' `configurationSetName`). */
    readonly configurationSetName: string;
  };
}

/** The dispatch Lambda and its MSK event source mapping. */
export interface DispatchSettings {
  readonly memoryMiB: number;
  /** 15..840 s: MSK event source mappings accept functions with a timeout of 14 minutes at most. */
  readonly timeoutSeconds: number;
  /** Kafka consumer group of the event source mapping (immutable once created; ASCII, no colon). */
  readonly consumerGroupId: string;
  /** Records per invocation, 1..10000. */
  readonly batchSize: number;
  /** Batching window, 0..300 s. */
  readonly maxBatchingWindowSeconds: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Provisioned pollers (required for partial batch responses, retries and destinations). */
  readonly minPollers: number;
  readonly maxPollers: number;
  readonly reportBatchItemFailures: boolean;
  /**
   * The dedup claim lease (HERALD_CLAIM_LEASE_MS), 5..900 s, at most (timeoutSeconds − 5) / 2: the
   * retry after a crash waits out the crashed invocation's leases, then sends for a whole lease.
   */
  readonly claimLeaseSeconds: number;
  /**
   * Retries of a failed record, 0..10000 (at least 2). Never -1: with an on-failure destination Lambda
   * turns it into 10. Use several hundred and let maxRecordAgeSeconds bound the retrying.
   */
  readonly retryAttempts: number;
  /**
   * 60..604800 s, longer than a crash takes to recover from, no longer than dedupWindowSeconds and
   * the deliveries topic's retention. -1 (no limit) is refused: it would outlive the dedup window.
   */
  readonly maxRecordAgeSeconds: number;
  readonly onFailure: OnFailureDestination;
  /**
   * How long a sent mark suppresses a repeat: at least maxRecordAgeSeconds, and with TRIM_HORIZON at
   * least the deliveries topic's retention plus one segment (a replay must find every mark).
   */
  readonly dedupWindowSeconds: number;
  /**
   * Most deliveries of one invocation in flight at the vendors at once (HERALD_MAX_IN_FLIGHT_SENDS),
   * 1..1000 (each holds a socket; a Lambda environment has 1,024 file descriptors). Each vendor's
   * maxConcurrent bounds its own share below this.
   */
  readonly maxInFlightSends: number;
  /** The high-priority lane (needs topics.highPriority). @default no lane */
  readonly highLane?: LaneSettings;
  /** Existing vendor-credentials secret; @default a secret is created to be filled in after deploy */
  readonly vendorsSecretArn?: string;
  /**
   * The AWS providers' resources the dispatch role may send with: IAM is scoped to exactly these, and
   * the stack creates the configuration sets. @default none: no sms-voice or ses permission
   */
  readonly providers?: ProviderAccessSettings;
  /** @default no reservation */
  readonly reservedConcurrency?: number;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
}

/** Alarm thresholds and where alarms go. */
export interface ObservabilitySettings {
  /** @default no subscription (subscribe to the SNS topic yourself) */
  readonly alarmEmail?: string;
  /** Records behind in the dispatcher's group before alarming. */
  readonly consumerLagRecords: number;
  /** @default 70 */
  readonly cacheMemoryWarnPercent?: number;
  /** @default 80 */
  readonly cacheEngineCpuPercent?: number;
  /** Vendor failure rate (failed ÷ attempted) that alarms, percent. */
  readonly vendorFailureRatePercent: number;
  /** Records behind in the high-priority lane's group before alarming (1 minute). @default 100 */
  readonly highLaneLagRecords?: number;
  /** High-priority lane's estimated time to catch up (MSK EstimatedMaxTimeLag) that alarms, s. @default 30 */
  readonly highLaneTimeLagSeconds?: number;
  /** Fraction of the function timeout at which p99 duration alarms. @default 0.8 */
  readonly durationAlarmFractionOfTimeout?: number;
}

/** Everything one stage needs. */
export interface StageConfig {
  readonly stage: string;
  /** Fixed account and region, so synth needs no credentials. */
  readonly account: string;
  readonly region: string;
  /** Keep data (MSK, ElastiCache, keys, logs) when the stack is deleted. */
  readonly retainData: boolean;
  readonly logRetentionDays: number;
  readonly network: NetworkSettings;
  readonly kafka: KafkaSettings;
  readonly topics: TopicSettings;
  readonly cache: CacheSettings;
  readonly ingest: IngestSettings;
  readonly dispatch: DispatchSettings;
  readonly observability: ObservabilitySettings;
}
