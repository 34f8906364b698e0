/**
 * The dispatch Lambda's configuration: shared Kafka and Redis keys plus its own, validated all at
 * once at cold start (a ConfigError names every bad key). Never reads the environment itself.
 * Vendors come from HERALD_VENDORS (local runtime, tests) or from the Secrets Manager secret named
 * by HERALD_VENDORS_SECRET_ARN; in AWS, credentials in clear text in the environment are refused.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { AmbiguousRetryPolicy } from '../core/routing.ts';
import {
  envBoolean,
  type KafkaSettings,
  kafkaEnv,
  kafkaSettingsFrom,
  loadConfig,
  positiveInt,
  type RedisSettings,
  redisEnv,
  redisSettingsFrom,
  statusEnv,
} from '../shared/config.ts';
import { EnvKey } from '../shared/env-keys.ts';
import { parseVendorsConfig, type VendorsConfig } from './vendors-config.ts';

/** The dispatch Lambda's typed configuration. */
export interface DispatchConfig {
  readonly kafka: KafkaSettings;
  readonly deadLetterTopic: string;
  readonly redis: RedisSettings;
  readonly dedupWindowSeconds: number;
  readonly claimLeaseMs: number;
  readonly statusRetentionSeconds: number;
  readonly ambiguousRetryPolicy: AmbiguousRetryPolicy;
  readonly reportBatchItemFailures: boolean;
  /** Most deliveries of one invocation in flight at the vendors at once. */
  readonly maxInFlightSends: number;
  /** Either the vendors themselves (HERALD_VENDORS) or the secret to read them from. */
  readonly vendors: { readonly config: VendorsConfig } | { readonly secretArn: string };
}

const dispatchEnv = z
  .object({
    ...kafkaEnv,
    ...redisEnv,
    ...statusEnv,
    // Why 24 h: matches the ingest idempotency window, so a client retry within it is never re-sent.
    [EnvKey.dedupWindowSeconds]: positiveInt(86_400),
    // Why 25 s, well under the function timeout: the lease bounds how long a batch sends (the app
    // starts no vendor call it would not cover: 25 − 5 s vendor timeout − 2 s margin = 18 s for 100
    // records), and it is how long a crashed invocation's claims hold its records off. The retry after
    // a crash waits that out only if the lease leaves a whole lease of its time to send (lease-wait.ts):
    // 2 × 25 s + start-up fits the 60 s dev timeout, so a crash costs one retry, not the retry budget.
    // lib/ sets it per stage (claimLeaseSeconds, checked against the timeout and retries there).
    [EnvKey.claimLeaseMs]: z.coerce.number().int().min(5_000).max(900_000).default(25_000),
    [EnvKey.ambiguousRetryPolicy]: z
      .enum(Object.values(AmbiguousRetryPolicy))
      .default(AmbiguousRetryPolicy.sameVendorThenFailover),
    // Why false by default: a partial-batch response that the event source mapping ignores (on-demand
    // mode, or ReportBatchItemFailures off) would commit records that still need sending. Failing the
    // invocation instead is always safe; set true only where the mapping reports batch item failures.
    [EnvKey.reportBatchItemFailures]: envBoolean(false),
    // Why 100: a whole default batch, so each vendor's own maxConcurrent is the bound that decides.
    // Why at most 1,000: every send holds a socket, and a Lambda environment has 1,024 file descriptors.
    [EnvKey.maxInFlightSends]: z.coerce.number().int().min(1).max(1_000).default(100),
    [EnvKey.vendorsJson]: z.string().trim().min(1).optional(),
    [EnvKey.vendorsSecretArn]: z.string().startsWith('arn:').optional(),
    [EnvKey.lambdaFunctionName]: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (!env[EnvKey.kafkaBrokers] && !env[EnvKey.mskClusterArn]) {
      ctx.addIssue({
        code: 'custom',
        path: [EnvKey.kafkaBrokers],
        message: 'set KAFKA_BROKERS or an MSK cluster ARN',
      });
    }
    if (Boolean(env[EnvKey.vendorsJson]) === Boolean(env[EnvKey.vendorsSecretArn])) {
      ctx.addIssue({
        code: 'custom',
        path: [EnvKey.vendorsJson],
        message: `set exactly one of ${EnvKey.vendorsJson} and ${EnvKey.vendorsSecretArn}`,
      });
    }
  });

/** Loads and validates the dispatch configuration from `env` (default: the process environment, read in shared/config.ts). */
export function loadDispatchConfig(env?: Record<string, string | undefined>): DispatchConfig {
  const raw = loadConfig(dispatchEnv, env);
  const vendorsJson = raw[EnvKey.vendorsJson];
  const vendors = vendorsJson ? { config: parseVendorsConfig(vendorsJson, EnvKey.vendorsJson) } : undefined;
  if (vendors?.config.hasCredentials && raw[EnvKey.lambdaFunctionName]) {
    throw new ConfigError(
      `${EnvKey.vendorsJson} holds vendor credentials in clear text; in AWS put them in the secret named by ${EnvKey.vendorsSecretArn}`,
      [EnvKey.vendorsJson],
    );
  }
  return {
    kafka: kafkaSettingsFrom(raw),
    deadLetterTopic: raw[EnvKey.deadLetterTopic],
    redis: redisSettingsFrom(raw),
    dedupWindowSeconds: raw[EnvKey.dedupWindowSeconds],
    claimLeaseMs: raw[EnvKey.claimLeaseMs],
    statusRetentionSeconds: raw[EnvKey.statusRetentionSeconds],
    ambiguousRetryPolicy: raw[EnvKey.ambiguousRetryPolicy],
    reportBatchItemFailures: raw[EnvKey.reportBatchItemFailures],
    maxInFlightSends: raw[EnvKey.maxInFlightSends],
    vendors: vendors ?? { secretArn: raw[EnvKey.vendorsSecretArn] as string },
  };
}

/**
 * Checks that a batch can finish within the claim lease: every vendor call (up to two per vendor
 * with the ambiguous retry) plus a margin must fit, or leases could expire mid-send.
 */
export function checkLeaseCoversVendors(config: DispatchConfig, vendors: VendorsConfig): void {
  const slowest = Math.max(...vendors.vendors.map((vendor) => vendor.timeoutMs));
  if (config.claimLeaseMs < 2 * slowest + 5_000) {
    throw new ConfigError(
      `${EnvKey.claimLeaseMs} (${config.claimLeaseMs}) must be at least 2 × the slowest vendor timeout + 5 s`,
      [EnvKey.claimLeaseMs],
    );
  }
}
