/**
 * Runs mock vendors from the command line until interrupted:
 *
 *   node local/mock-vendor/main.ts --vendor sms-a:4101:4201 --vendor sms-b:4102:4202 [--log path] [--token t]
 *
 * Each --vendor is name:port[:adminPort] (0 or omitted picks a free port). Prints one JSON line per
 * vendor with its url and adminUrl, for HERALD_VENDORS and for fault injection, e.g.
 *   curl -X PUT <adminUrl>/faults -d '{"down":true}'
 */
import { parseArgs } from 'node:util';
import { type MockVendor, startMockVendor } from './mock-vendor.ts';

const { values } = parseArgs({
  options: {
    vendor: { type: 'string', multiple: true, default: [] },
    log: { type: 'string' },
    token: { type: 'string' },
  },
});
if (values.vendor.length === 0) {
  console.error('usage: main.ts --vendor name:port[:adminPort] [--vendor …] [--log path] [--token t]');
  process.exit(2);
}
const vendors: MockVendor[] = [];
for (const spec of values.vendor) {
  const [name, port, adminPort] = spec.split(':');
  if (!name) throw new Error(`bad --vendor ${spec}`);
  const vendor = await startMockVendor({
    name,
    port: Number(port ?? 0),
    adminPort: Number(adminPort ?? 0),
    ...(values.log ? { logPath: values.log } : {}),
    ...(values.token ? { authToken: values.token } : {}),
  });
  vendors.push(vendor);
  console.log(JSON.stringify({ name, url: vendor.url, adminUrl: vendor.adminUrl, log: vendor.logPath }));
}
const stop = async () => {
  await Promise.all(vendors.map((vendor) => vendor.close()));
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
