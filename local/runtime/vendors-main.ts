/**
 * Runtime component `vendors`: the mock vendors (three per channel), all in this process, appending
 * every accepted send to one JSONL log.
 */
import { startMockVendor } from '../mock-vendor/mock-vendor.ts';
import { runComponent } from './component.ts';

/** One vendor to run; port 0 picks a free one (a restart reuses the first ports). */
export interface VendorSpec {
  readonly name: string;
  readonly port: number;
  readonly adminPort: number;
}

/** Start configuration of the vendors component. */
export interface VendorsComponentConfig {
  readonly vendors: readonly VendorSpec[];
  readonly logPath: string;
}

/** A running vendor's endpoints. */
export interface RunningVendor extends VendorSpec {
  readonly url: string;
  readonly adminUrl: string;
}

runComponent<VendorsComponentConfig, RunningVendor[]>('vendors', async (config) => {
  const vendors = await Promise.all(
    config.vendors.map((spec) =>
      startMockVendor({
        name: spec.name,
        port: spec.port,
        adminPort: spec.adminPort,
        logPath: config.logPath,
      }),
    ),
  );
  return {
    info: vendors.map((vendor) => ({
      name: vendor.name,
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
