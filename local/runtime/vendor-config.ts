/**
 * The runtime's mock vendors (three per channel: primary, secondary, tertiary) and how the dispatch
 * Lambda learns about them: the HERALD_VENDORS JSON, in the shape lambdas/dispatch/vendors-config.ts
 * reads. No credentials: the dispatch Lambda refuses clear-text credentials in its environment.
 */
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import type { RunningVendor, VendorSpec } from './vendors-main.ts';

const CHANNELS = ['sms', 'push', 'email'] as const;
/** Why weights 60/30/10: all three vendors take first attempts, so each shows up in the vendor log. */
const TIERS = [
  { tier: 'primary', suffix: 'a', weight: 60 },
  { tier: 'secondary', suffix: 'b', weight: 30 },
  { tier: 'tertiary', suffix: 'c', weight: 10 },
] as const;

/** `sms-a`, `sms-b`, `sms-c`, `push-a` … on free ports. */
export function vendorSpecs(): VendorSpec[] {
  return CHANNELS.flatMap((channel) =>
    TIERS.map(({ suffix }) => ({ name: `${channel}-${suffix}`, port: 0, adminPort: 0 })),
  );
}

/** HERALD_VENDORS for the running vendors. */
export function dispatchVendorsEnvironment(vendors: readonly RunningVendor[]): Record<string, string> {
  const url = (name: string) => {
    const vendor = vendors.find((candidate) => candidate.name === name);
    if (!vendor) throw new Error(`mock vendor ${name} is not running`);
    return vendor.url;
  };
  const channels = Object.fromEntries(
    CHANNELS.map((channel) => [
      channel,
      Object.fromEntries(
        TIERS.map(({ tier, suffix, weight }) => [
          tier,
          { name: `${channel}-${suffix}`, url: url(`${channel}-${suffix}`), weight, timeoutMs: 2_000 },
        ]),
      ),
    ]),
  );
  return { [EnvKey.vendorsJson]: JSON.stringify({ channels }) };
}
