/**
 * The vendor configuration (HERALD_VENDORS, or the JSON of the HERALD_VENDORS_SECRET_ARN secret):
 *
 *   { "channels": {
 *       "sms":   { "primary":   { "name": "sms-a", "provider": "eum-sms", "region": "ap-northeast-2",
 *                                 "originationIdentity": "pool-…", "messageType": "TRANSACTIONAL" },
 *                  "secondary": { "name": "sms-b", "url": "https://…",
 *                                 "auth": { "header": "authorization", "value": "Bearer …" } },
 *                  "tertiary":  { "name": "sms-c", "provider": "eum-sms", "region": "ap-northeast-1", … } },
 *       "email": { "primary":   { "name": "email-a", "provider": "ses", "region": "eu-west-1",
 *                                 "fromEmailAddress": "noreply@example.com" }, … } } }
 *
 * `provider` (default "http", the generic HTTP vendor) picks the adapter and its required settings
 * (vendor-providers.ts); a channel's three tiers may mix providers. Every vendor also takes weight,
 * timeoutMs, maxConcurrent, failureThreshold and halfOpenAfterMs. A vendor may serve several channels
 * under one name (then it shares one circuit breaker and one concurrency limit), but one name always
 * means one endpoint.
 */
import { z } from 'zod';
import { Channel } from '../core/delivery.ts';
import { ConfigError } from '../core/errors.ts';
import type { ChannelTiers } from '../core/vendor-tiers.ts';
import { DEFAULT_PROVIDER, type VendorProvider, vendorProviders } from './vendor-providers.ts';

const commonSettings = (defaultWeight: number) => ({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
  /** Share of first attempts; 0 = failover only. */
  weight: z.number().int().min(0).max(1_000).default(defaultWeight),
  // Why 5 s: an SMS/push/email API answers in well under a second; beyond 5 s it is in trouble.
  timeoutMs: z.number().int().min(50).max(60_000).default(5_000),
  // Why 16: enough to fill a 100-record batch quickly without tripping vendor rate limits.
  maxConcurrent: z.number().int().min(1).max(1_000).default(16),
  // Why 5 consecutive failures / 30 s: a dead vendor stops costing a timeout per delivery within
  // one batch, and is probed again soon enough to take traffic back.
  failureThreshold: z.number().int().min(1).max(1_000).default(5),
  halfOpenAfterMs: z.number().int().min(100).max(600_000).default(30_000),
  /**
   * Sends per second this vendor takes, across every dispatch invocation (EUM: message parts per second
   * per origination identity; SES: the account's max send rate; FCM: the project quota). Unset: no limit.
   */
  ratePerSecond: z.number().min(0.1).max(100_000).optional(),
  /** Sends that may start at once after an idle spell. @default 1 (strictly spaced) */
  rateBurst: z.number().int().min(1).max(10_000).default(1),
  /**
   * A delivery whose first choice is this vendor and finds no slot within 2 s: `wait` (retried by a
   * later invocation, at this vendor first) or `failover` (the next tier now, itself rate-limited if
   * configured). @default wait
   */
  rateOverflow: z.enum(['wait', 'failover']).default('wait'),
});

const providerSpec = <P extends VendorProvider>(provider: P, defaultWeight: number) =>
  z.strictObject({
    provider: z.literal(provider),
    ...commonSettings(defaultWeight),
    ...(vendorProviders[provider].settings as (typeof vendorProviders)[P]['settings']),
  });

const vendorSpec = (defaultWeight: number) =>
  z.preprocess(
    // A vendor without `provider` is a generic HTTP vendor.
    (value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value) && !('provider' in value)
        ? { ...value, provider: DEFAULT_PROVIDER }
        : value,
    z.discriminatedUnion('provider', [
      providerSpec('http', defaultWeight),
      providerSpec('eum-sms', defaultWeight),
      providerSpec('ses', defaultWeight),
      providerSpec('fcm', defaultWeight),
      providerSpec('apns', defaultWeight),
    ]),
  );

const channelRoute = z.strictObject({
  primary: vendorSpec(100),
  secondary: vendorSpec(0),
  tertiary: vendorSpec(0),
});

/** One vendor's full settings. */
export type VendorSpec = z.infer<ReturnType<typeof vendorSpec>>;
/** The settings of a vendor of one provider. */
export type VendorSpecOf<P extends VendorProvider> = Extract<VendorSpec, { provider: P }>;

const vendorsSchema = z
  .strictObject({ channels: z.partialRecord(z.enum(Object.values(Channel)), channelRoute) })
  .superRefine((config, ctx) => {
    const byName = new Map<string, VendorSpec>();
    for (const [channel, tiers] of Object.entries(config.channels)) {
      const specs = [tiers.primary, tiers.secondary, tiers.tertiary];
      if (new Set(specs.map((s) => s.name)).size < 3) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', channel],
          message: 'needs three different vendors',
        });
      }
      if (specs.every((s) => s.weight === 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', channel],
          message: 'at least one weight must be > 0',
        });
      }
      for (const [tier, spec] of [
        ['primary', tiers.primary],
        ['secondary', tiers.secondary],
        ['tertiary', tiers.tertiary],
      ] as const) {
        const channels: readonly string[] = vendorProviders[spec.provider].channels;
        if (!channels.includes(channel)) {
          ctx.addIssue({
            code: 'custom',
            path: ['channels', channel, tier, 'provider'],
            message: `${spec.provider} cannot send ${channel} (only ${channels.join(', ')})`,
          });
        }
        const known = byName.get(spec.name);
        if (known && JSON.stringify(known) !== JSON.stringify({ ...spec, weight: known.weight })) {
          ctx.addIssue({
            code: 'custom',
            path: ['channels', channel],
            message: `vendor ${spec.name} defined twice differently`,
          });
        }
        byName.set(spec.name, spec);
      }
    }
    if (byName.size === 0)
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'configure at least one channel' });
  });

/** Validated vendors and tiers. */
export interface VendorsConfig {
  /** Every distinct vendor, once. */
  readonly vendors: readonly VendorSpec[];
  readonly tiers: Readonly<Partial<Record<Channel, ChannelTiers>>>;
  /** Whether any vendor carries a credential. */
  readonly hasCredentials: boolean;
}

/** Parses the vendors JSON (from `source`, named in errors); throws ConfigError listing every problem. */
export function parseVendorsConfig(json: string, source: string): VendorsConfig {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`${source}: not JSON`, [source], { cause: error });
  }
  const parsed = vendorsSchema.safeParse(value);
  if (!parsed.success) {
    // Never echo values: they may hold credentials.
    const details = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ConfigError(`${source}: ${details.join('; ')}`, [source]);
  }
  const vendors = new Map<string, VendorSpec>();
  const tiers: Partial<Record<Channel, ChannelTiers>> = {};
  for (const [channel, specs] of Object.entries(parsed.data.channels)) {
    for (const spec of [specs.primary, specs.secondary, specs.tertiary]) vendors.set(spec.name, spec);
    tiers[channel as Channel] = {
      primary: { name: specs.primary.name, weight: specs.primary.weight },
      secondary: { name: specs.secondary.name, weight: specs.secondary.weight },
      tertiary: { name: specs.tertiary.name, weight: specs.tertiary.weight },
    };
  }
  const all = [...vendors.values()];
  return {
    vendors: all,
    tiers,
    hasCredentials: all.some(
      (spec) =>
        (spec.provider === 'http' && spec.auth !== undefined) ||
        spec.provider === 'fcm' ||
        spec.provider === 'apns',
    ),
  };
}
