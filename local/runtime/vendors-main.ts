/**
 * Runtime component `vendors`: the local vendors (three per channel), all in this process, appending
 * every accepted send to one JSONL log: the generic mock vendor, or a provider fake (EUM SMS, SES)
 * that the official AWS SDK client talks to.
 */
import { startMockVendor } from '../mock-vendor/mock-vendor.ts';
import { startEumSmsFake } from '../providers/eum-sms-fake.ts';
import { startSesFake } from '../providers/ses-fake.ts';
import { runComponent } from './component.ts';
import { LocalProviderSettings } from './provider-settings.ts';

/** One vendor to run; port 0 picks a free one (a restart reuses the first ports). */
export interface VendorSpec {
  readonly name: string;
  /** What runs: the generic mock vendor or a provider's fake. @default 'mock' */
  readonly kind?: 'mock' | 'eum-sms' | 'ses';
  readonly port: number;
  readonly adminPort: number;
}

/** Start configuration of the vendors component. */
export interface VendorsComponentConfig {
  readonly vendors: readonly VendorSpec[];
  readonly logPath: string;
}

/** A running vendor's endpoints: `url` is where to POST (mock) or the SDK endpoint (fakes). */
export interface RunningVendor extends VendorSpec {
  readonly url: string;
  readonly adminUrl: string;
}

function start(spec: VendorSpec, logPath: string) {
  const options = { name: spec.name, port: spec.port, adminPort: spec.adminPort, logPath };
  const suffix = spec.name.slice(-1);
  switch (spec.kind) {
    case 'eum-sms':
      return startEumSmsFake({
        ...options,
        originationIdentities: [LocalProviderSettings.originationIdentity(suffix)],
        configurationSets: [LocalProviderSettings.configurationSetName],
      });
    case 'ses':
      return startSesFake({
        ...options,
        verifiedIdentities: [LocalProviderSettings.verifiedDomain],
        configurationSets: [LocalProviderSettings.configurationSetName],
      });
    default:
      return startMockVendor(options);
  }
}

runComponent<VendorsComponentConfig, RunningVendor[]>('vendors', async (config) => {
  const vendors = await Promise.all(config.vendors.map((spec) => start(spec, config.logPath)));
  return {
    info: vendors.map((vendor, i) => ({
      name: vendor.name,
      kind: (config.vendors[i] as VendorSpec).kind ?? 'mock',
      url: vendor.url,
      adminUrl: vendor.adminUrl,
      port: vendor.port,
      adminPort: Number(new URL(vendor.adminUrl).port),
    })),
    stop: async () => {
      await Promise.all(vendors.map((vendor) => vendor.close()));
    },
  };
});
