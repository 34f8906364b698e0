/**
 * The vendor configuration (HERALD_VENDORS, or the JSON of the HERALD_VENDORS_SECRET_ARN secret):
 *
 *   { "channels": { "sms": { "primary":   { "name": "sms-a", "url": "https://…", "weight": 100,
 *                                           "auth": { "header": "authorization", "value": "Bearer …" } },
 *                            "secondary": { "name": "sms-b", "url": "https://…" },
 *                            "tertiary":  { "name": "sms-c", "url": "https://…" } } } }
 *
 * A vendor may serve several channels under one name (then it shares one circuit breaker and one
 * concurrency limit), but one name always means one endpoint.
 */
import { z } from 'zod';
import { Channel } from '../core/delivery.ts';
import { ConfigError } from '../core/errors.ts';
import type { ChannelRoute } from '../core/routing.ts';

const vendorSpec = (defaultWeight: number) =>
  z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
    url: z.url({ protocol: /^https?$/ }),
    /** Share of first attempts; 0 = failover only. */
    weight: z.number().int().min(0).max(1_000).default(defaultWeight),
    auth: z.strictObject({ header: z.string().min(1), value: z.string().min(1) }).optional(),
    // Why 5 s: an SMS/push/email API answers in well under a second; beyond 5 s it is in trouble.
    timeoutMs: z.number().int().min(50).max(60_000).default(5_000),
    // Why 16: enough to fill a 100-record batch quickly without tripping vendor rate limits.
    maxConcurrent: z.number().int().min(1).max(1_000).default(16),
    // Why 5 consecutive failures / 30 s: a dead vendor stops costing a timeout per delivery within
    // one batch, and is probed again soon enough to take traffic back.
    failureThreshold: z.number().int().min(1).max(1_000).default(5),
    halfOpenAfterMs: z.number().int().min(100).max(600_000).default(30_000),
  });

const channelRoute = z.strictObject({
  primary: vendorSpec(100),
  secondary: vendorSpec(0),
  tertiary: vendorSpec(0),
});

/** One vendor's full settings. */
export type VendorSpec = z.infer<ReturnType<typeof vendorSpec>>;

const vendorsSchema = z
  .strictObject({ channels: z.partialRecord(z.enum(Object.values(Channel)), channelRoute) })
  .superRefine((config, ctx) => {
    const byName = new Map<string, VendorSpec>();
    for (const [channel, route] of Object.entries(config.channels)) {
      const specs = [route.primary, route.secondary, route.tertiary];
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
      for (const spec of specs) {
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

/** Validated vendors and routes. */
export interface VendorsConfig {
  /** Every distinct vendor, once. */
  readonly vendors: readonly VendorSpec[];
  readonly routes: Readonly<Partial<Record<Channel, ChannelRoute>>>;
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
  const routes: Partial<Record<Channel, ChannelRoute>> = {};
  for (const [channel, route] of Object.entries(parsed.data.channels)) {
    for (const spec of [route.primary, route.secondary, route.tertiary]) vendors.set(spec.name, spec);
    routes[channel as Channel] = {
      primary: { name: route.primary.name, weight: route.primary.weight },
      secondary: { name: route.secondary.name, weight: route.secondary.weight },
      tertiary: { name: route.tertiary.name, weight: route.tertiary.weight },
    };
  }
  const all = [...vendors.values()];
  return { vendors: all, routes, hasCredentials: all.some((spec) => spec.auth !== undefined) };
}
