/**
 * Runtime component `vendors`: the local vendors (three per channel), all in this process, appending
 * every accepted send to one JSONL log: the generic mock vendor, or a provider fake (EUM SMS, SES,
 * FCM, APNs) that the provider's client talks to.
 */
import { startMockVendor } from '../mock-vendor/mock-vendor.ts';
import { startEumSmsFake } from '../providers/eum-sms-fake.ts';
import {
  type LocalApnsSettings,
  type LocalFcmSettings,
  type LocalPushCredentials,
  startLocalApns,
  startLocalFcm,
} from '../providers/local-push.ts';
import type { ReceiptSettings } from '../providers/receipt-emitter.ts';
import { startSesFake } from '../providers/ses-fake.ts';
import { runComponent } from './component.ts';
import { LocalProviderSettings } from './provider-settings.ts';

/** One vendor to run; port 0 picks a free one (a restart reuses the first ports). */
export interface VendorSpec {
  readonly name: string;
  /** What runs: the generic mock vendor or a provider's fake. @default 'mock' */
  readonly kind?: 'mock' | 'eum-sms' | 'ses' | 'fcm' | 'apns';
  readonly port: number;
  readonly adminPort: number;
  /**
   * fcm and apns: the fake's credentials. Made by the runtime (createLocalPushCredentials), so a
   * restarted fake keeps the keys the dispatcher already signs with.
   */
  readonly credentials?: LocalPushCredentials;
}

/** Start configuration of the vendors component. */
export interface VendorsComponentConfig {
  readonly vendors: readonly VendorSpec[];
  readonly logPath: string;
  /** The local event bus's PutEvents endpoint: the SES and SMS fakes publish their receipts there. */
  readonly eventBusUrl?: string;
  readonly receipts?: Partial<ReceiptSettings>;
}

/** A running vendor's endpoints: `url` is where to POST (mock) or the SDK endpoint (fakes). */
export interface RunningVendor extends VendorSpec {
  readonly url: string;
  readonly adminUrl: string;
  /** fcm and apns: the adapter settings that reach the fake (credentials included), but timeoutMs. */
  readonly settings?: LocalFcmSettings | LocalApnsSettings;
}

function pushCredentials<S extends LocalPushCredentials['service']>(
  spec: VendorSpec,
  service: S,
): Extract<LocalPushCredentials, { service: S }> {
  const credentials = spec.credentials;
  if (credentials?.service !== service)
    throw new Error(`vendor ${spec.name} (${service}) has no ${service} credentials`);
  return credentials as Extract<LocalPushCredentials, { service: S }>;
}

/** A running fake and, for push, the adapter settings that reach it. */
async function startVendor(spec: VendorSpec, config: VendorsComponentConfig) {
  const logPath = config.logPath;
  const options = { name: spec.name, port: spec.port, adminPort: spec.adminPort, logPath };
  switch (spec.kind) {
    case 'fcm': {
      const { account } = pushCredentials(spec, 'fcm');
      const started = await startLocalFcm({ ...options, account });
      return { vendor: started.fake, settings: started.vendorOptions };
    }
    case 'apns': {
      const { key, tls } = pushCredentials(spec, 'apns');
      const started = await startLocalApns({ ...options, key, tls });
      return { vendor: started.fake, settings: started.vendorOptions };
    }
    default:
      return { vendor: await start(spec, config) };
  }
}

function start(spec: VendorSpec, config: VendorsComponentConfig) {
  const options = { name: spec.name, port: spec.port, adminPort: spec.adminPort, logPath: config.logPath };
  const receipts = {
    ...(config.eventBusUrl ? { eventBusUrl: config.eventBusUrl } : {}),
    ...(config.receipts ? { receipts: config.receipts } : {}),
  };
  const suffix = spec.name.slice(-1);
  switch (spec.kind) {
    case 'eum-sms':
      return startEumSmsFake({
        ...options,
        ...receipts,
        originationIdentities: [LocalProviderSettings.originationIdentity(suffix)],
        configurationSets: [LocalProviderSettings.configurationSetName],
      });
    case 'ses':
      return startSesFake({
        ...options,
        ...receipts,
        verifiedIdentities: [LocalProviderSettings.verifiedDomain],
        configurationSets: [LocalProviderSettings.configurationSetName],
      });
    default:
      return startMockVendor(options);
  }
}

runComponent<VendorsComponentConfig, RunningVendor[]>('vendors', async (config) => {
  const started = await Promise.all(config.vendors.map((spec) => startVendor(spec, config)));
  const vendors = started.map(({ vendor }) => vendor);
  return {
    info: started.map(({ vendor, settings }, i) => {
      const spec = config.vendors[i] as VendorSpec;
      return {
        name: vendor.name,
        kind: spec.kind ?? 'mock',
        url: vendor.url,
        adminUrl: vendor.adminUrl,
        port: vendor.port,
        adminPort: Number(new URL(vendor.adminUrl).port),
        ...(spec.credentials ? { credentials: spec.credentials } : {}),
        ...(settings ? { settings } : {}),
      };
    }),
    stop: async () => {
      await Promise.all(vendors.map((vendor) => vendor.close()));
    },
  };
});
