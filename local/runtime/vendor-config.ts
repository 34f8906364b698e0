/**
 * The runtime's vendors (three per channel: primary, secondary, tertiary) and how the dispatch Lambda
 * learns about them: the HERALD_VENDORS JSON, in the shape lambdas/dispatch/vendors-config.ts reads.
 *
 * By default sms goes to three local AWS End User Messaging SMS fakes and email to three local SES
 * fakes (local/providers), so a send takes the real SDK code path; push goes to a local FCM (push-a),
 * a local APNs (push-b) and the generic mock vendor (push-c), which serves both services: an `fcm:`
 * recipient fails over from FCM to the mock, an `apns:` one from APNs to the mock (failover passes
 * over a vendor that does not serve the recipient's service). `mock` runs the generic mock vendor for
 * every channel (the HTTP vendor protocol).
 * The AWS providers sign with stand-in role credentials, as the Lambda role's would be in AWS. The
 * FCM service-account key and the APNs signing key are throwaway keys made here; as in AWS they reach
 * the dispatch Lambda in the vendors secret (a local Secrets Manager, local/providers/secrets-manager-fake.ts),
 * never in its environment, which the Lambda refuses.
 */
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { createLocalPushCredentials } from '../providers/local-push.ts';
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

/** The push tiers' services: a tier may mix them; the mock serves every service. */
const PUSH_KINDS = { a: 'fcm', b: 'apns', c: 'mock' } as const;

function kindOf(
  channel: (typeof CHANNELS)[number],
  suffix: 'a' | 'b' | 'c',
  set: VendorSet,
): NonNullable<VendorSpec['kind']> {
  if (set === 'mock') return 'mock';
  if (channel === 'push') return PUSH_KINDS[suffix];
  return channel === 'sms' ? 'eum-sms' : 'ses';
}

/** `sms-a`, `sms-b`, `sms-c`, `push-a` … on free ports; the push fakes with new credentials. */
export function vendorSpecs(set: VendorSet = 'providers'): VendorSpec[] {
  return CHANNELS.flatMap((channel) =>
    TIERS.map(({ suffix }) => {
      const kind = kindOf(channel, suffix, set);
      return {
        name: `${channel}-${suffix}`,
        kind,
        port: 0,
        adminPort: 0,
        ...(kind === 'fcm' || kind === 'apns' ? { credentials: createLocalPushCredentials(kind) } : {}),
      };
    }),
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
    case 'fcm':
    case 'apns': {
      if (!vendor.settings)
        throw new Error(`vendor ${vendor.name} (${vendor.kind}) reported no adapter settings`);
      const { name: _name, ...settings } = vendor.settings;
      return { ...common, provider: vendor.kind, ...settings };
    }
    default:
      return { ...common, url: vendor.url };
  }
}

/** The local vendors secret's ARN (the local Secrets Manager answers for it). */
export const LOCAL_VENDORS_SECRET_ARN =
  'arn:aws:secretsmanager:ap-northeast-2:000000000000:secret:herald-local-vendors-AbCdEf';

/**
 * The dispatch Lambda's environment for the running vendors and the role stand-in: the vendors JSON in
 * HERALD_VENDORS, or, with `secretsEndpoint` (a local Secrets Manager serving vendorsJson() under
 * LOCAL_VENDORS_SECRET_ARN), the secret's ARN and that endpoint.
 */
export function dispatchVendorsEnvironment(
  vendors: readonly RunningVendor[],
  secretsEndpoint?: string,
): Record<string, string> {
  if (secretsEndpoint !== undefined) {
    vendorsJson(vendors); // Why: a vendor that is not running fails here, not at the Lambda's cold start.
    return {
      [EnvKey.vendorsSecretArn]: LOCAL_VENDORS_SECRET_ARN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
      ...LOCAL_ROLE_CREDENTIALS,
    };
  }
  return { [EnvKey.vendorsJson]: vendorsJson(vendors), ...LOCAL_ROLE_CREDENTIALS };
}

/** Whether the vendors carry credentials (push keys), which must reach the Lambda in the secret. */
export function needsVendorsSecret(vendors: readonly RunningVendor[]): boolean {
  return vendors.some((vendor) => vendor.kind === 'fcm' || vendor.kind === 'apns');
}

/** The vendors JSON, in the shape lambdas/dispatch/vendors-config.ts reads. */
export function vendorsJson(vendors: readonly RunningVendor[]): string {
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
  return JSON.stringify({ channels });
}
