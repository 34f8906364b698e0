/**
 * The dispatch Lambda's configuration: shared Kafka and Redis keys plus its own, validated all at
 * once at cold start (a ConfigError names every bad key). Never reads the environment itself.
 * Vendors come from HERALD_VENDORS (local runtime, tests) or from the Secrets Manager secret named
 * by HERALD_VENDORS_SECRET_ARN; in AWS, credentials in clear text in the environment are refused.
 */
import { z } from 'zod';
import { callbacksEnv, type WebhookSource, webhookSourceFrom } from '../callbacks/callbacks-config.ts';
import { Channel } from '../core/delivery.ts';
import { ConfigError } from '../core/errors.ts';
import { AmbiguousRetryPolicy } from '../core/vendor-tiers.ts';
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
import { EnvKey, VENDORS_SECRET_PLACEHOLDER } from '../shared/env-keys.ts';
import { DEFAULT_CLAIM_LEASE_MS } from '../shared/timing.ts';
import { parseVendorsConfig, type VendorsConfig } from './vendors-config.ts';

/** The dispatch Lambda's typed configuration. */
export interface DispatchConfig {
  readonly kafka: KafkaSettings;
  readonly deadLetterTopic: string;
  readonly redis: RedisSettings;
  readonly dedupWindowSeconds: number;
  readonly claimLeaseMs: number;
  readonly statusRetentionSeconds: number;
  /** For every channel not in ambiguousRetryPolicyByChannel. */
  readonly ambiguousRetryPolicy: AmbiguousRetryPolicy;
  readonly ambiguousRetryPolicyByChannel: Readonly<Partial<Record<Channel, AmbiguousRetryPolicy>>>;
  readonly reportBatchItemFailures: boolean;
  /** Most deliveries of one invocation in flight at the vendors at once. */
  readonly maxInFlightSends: number;
  /** Either the vendors themselves (HERALD_VENDORS) or the secret to read them from. */
  readonly vendors: { readonly config: VendorsConfig } | { readonly secretArn: string };
  /** Clients' webhooks: deliveries dispatch fails are queued as callbacks. */
  readonly webhooks: WebhookSource;
}

const dispatchEnv = z
  .object({
    ...kafkaEnv,
    ...redisEnv,
    ...statusEnv,
    ...callbacksEnv,
    // Why 24 h: matches the ingest idempotency window, so a client retry within it is never re-sent.
    [EnvKey.dedupWindowSeconds]: positiveInt(86_400),
    // Why 25 s: see DEFAULT_CLAIM_LEASE_MS (shared/timing.ts); lib/ sets it per stage.
    [EnvKey.claimLeaseMs]: z.coerce.number().int().min(5_000).max(900_000).default(DEFAULT_CLAIM_LEASE_MS),
    // Why hold by default: the providers do not dedupe, so a delivery possibly sent (an ambiguous answer,
    // a crash mid-call) is never sent again unless a channel opts in ("sms=same-vendor", core/vendor-tiers.ts).
    [EnvKey.ambiguousRetryPolicy]: z
      .string()
      .default(AmbiguousRetryPolicy.hold)
      .transform((text, ctx) => {
        const parsed = parseAmbiguousPolicies(text);
        if (typeof parsed === 'string') {
          ctx.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      }),
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

const POLICIES: readonly string[] = Object.values(AmbiguousRetryPolicy);
const CHANNELS: readonly string[] = Object.values(Channel);

/**
 * Reads `hold`, or a list like `hold,sms=same-vendor,push=failover` (a bare policy for every channel,
 * `channel=policy` for exceptions); returns a problem as a string.
 */
export function parseAmbiguousPolicies(
  text: string,
): { all: AmbiguousRetryPolicy; byChannel: Partial<Record<Channel, AmbiguousRetryPolicy>> } | string {
  let all: AmbiguousRetryPolicy = AmbiguousRetryPolicy.hold;
  const byChannel: Partial<Record<Channel, AmbiguousRetryPolicy>> = {};
  for (const item of text.split(',').map((part) => part.trim())) {
    const [left, right] = item.includes('=') ? item.split('=', 2) : [undefined, item];
    if (!POLICIES.includes(right ?? '')) return `"${right}" is not one of ${POLICIES.join(', ')}`;
    if (left === undefined) all = right as AmbiguousRetryPolicy;
    else if (CHANNELS.includes(left)) byChannel[left as Channel] = right as AmbiguousRetryPolicy;
    else return `"${left}" is not one of ${CHANNELS.join(', ')}`;
  }
  return { all, byChannel };
}

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
    webhooks: webhookSourceFrom(raw),
    ambiguousRetryPolicy: raw[EnvKey.ambiguousRetryPolicy].all,
    ambiguousRetryPolicyByChannel: raw[EnvKey.ambiguousRetryPolicy].byChannel,
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

/**
 * Parses the vendors secret's JSON; the placeholder the stack creates the secret with is refused by
 * name, so an operator who has not filled it in reads that in the first error, not a schema issue.
 */
export function parseVendorsSecret(json: string): VendorsConfig {
  if (json.trim() === VENDORS_SECRET_PLACEHOLDER) {
    throw new ConfigError(
      `${EnvKey.vendorsSecretArn}: the vendors secret still holds the placeholder the stack created; ` +
        'put the vendors JSON into it (docs/deploy.md, "Vendors")',
      [EnvKey.vendorsSecretArn],
    );
  }
  return parseVendorsConfig(json, EnvKey.vendorsSecretArn);
}
