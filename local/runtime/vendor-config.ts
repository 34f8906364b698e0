/**
 * The runtime's vendors (three per channel: primary, secondary, tertiary) and how the dispatch Lambda
 * learns about them: the HERALD_VENDORS JSON, in the shape lambdas/dispatch/vendors-config.ts reads.
 *
 * By default sms goes to three local AWS End User Messaging SMS fakes and email to three local SES
 * fakes (local/providers), so a send takes the real SDK code path; push stays on the generic mock
 * vendor. `mock` runs the generic mock vendor for every channel (the HTTP vendor protocol).
 * No vendor credentials: the dispatch Lambda refuses clear-text credentials in its environment; the
 * AWS providers sign with stand-in role credentials, as the Lambda role's would be in AWS.
 */
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { LocalProviderSettings } from './provider-settings.ts';
import type { RunningVendor, VendorSpec } from './vendors-main.ts';

export { LocalProviderSettings } from './provider-settings.ts';

const CHANNELS = ['sms', 'push', 'email'] as const;
/** Why weights 60/30/10: all three vendors take first attempts, so each shows up in the vendor log. */
const TIERS = [
  { tier: 'primary', suffix: 'a', weight: 60 },
  { tier: 'secondary', suffix: 'b', weight: 30 },
  { tier: 'tertiary', suffix: 'c', weight: 10 },
] as const;
/** Two EUM vendors in two regions are two vendors: each fake stands for one region and identity. */
const REGIONS = { a: 'ap-northeast-2', b: 'ap-northeast-1', c: 'us-east-1' } as const;

/** Which vendors the runtime runs. */
export type VendorSet = 'providers' | 'mock';

/**
 * Stand-ins for the credentials Lambda gives a function's role (AWS_ACCESS_KEY_ID …); the fakes only
 * check that requests are signed. Not secrets.
 */
export const LOCAL_ROLE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIAHERALDLOCALROLE0',
  AWS_SECRET_ACCESS_KEY: 'herald-local-role-secret-not-a-real-key',
  AWS_SESSION_TOKEN: 'herald-local-role-session',
} as const;

function kindOf(channel: (typeof CHANNELS)[number], set: VendorSet): NonNullable<VendorSpec['kind']> {
  if (set === 'mock' || channel === 'push') return 'mock';
  return channel === 'sms' ? 'eum-sms' : 'ses';
}

/** `sms-a`, `sms-b`, `sms-c`, `push-a` … on free ports. */
export function vendorSpecs(set: VendorSet = 'providers'): VendorSpec[] {
  return CHANNELS.flatMap((channel) =>
    TIERS.map(({ suffix }) => ({
      name: `${channel}-${suffix}`,
      kind: kindOf(channel, set),
      port: 0,
      adminPort: 0,
    })),
  );
}

function vendorEntry(vendor: RunningVendor, suffix: 'a' | 'b' | 'c', weight: number): object {
  const common = { name: vendor.name, weight, timeoutMs: 2_000 };
  switch (vendor.kind) {
    case 'eum-sms':
      return {
        ...common,
        provider: 'eum-sms',
        region: REGIONS[suffix],
        originationIdentity: LocalProviderSettings.originationIdentity(suffix),
        messageType: 'TRANSACTIONAL',
        configurationSetName: LocalProviderSettings.configurationSetName,
        endpoint: vendor.url,
      };
    case 'ses':
      return {
        ...common,
        provider: 'ses',
        region: REGIONS[suffix],
        fromEmailAddress: LocalProviderSettings.fromEmailAddress,
        configurationSetName: LocalProviderSettings.configurationSetName,
        endpoint: vendor.url,
      };
    default:
      return { ...common, url: vendor.url };
  }
}

/** The dispatch Lambda's environment for the running vendors: HERALD_VENDORS and the role stand-in. */
export function dispatchVendorsEnvironment(vendors: readonly RunningVendor[]): Record<string, string> {
  const running = (name: string) => {
    const vendor = vendors.find((candidate) => candidate.name === name);
    if (!vendor) throw new Error(`vendor ${name} is not running`);
    return vendor;
  };
  const channels = Object.fromEntries(
    CHANNELS.map((channel) => [
      channel,
      Object.fromEntries(
        TIERS.map(({ tier, suffix, weight }) => [
          tier,
          vendorEntry(running(`${channel}-${suffix}`), suffix, weight),
        ]),
      ),
    ]),
  );
  return { [EnvKey.vendorsJson]: JSON.stringify({ channels }), ...LOCAL_ROLE_CREDENTIALS };
}
