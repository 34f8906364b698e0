/**
 * Runs provider fakes from the command line until interrupted:
 *
 *   node local/providers/main.ts --eum-sms sms-a:4301:4401 --ses email-a:4302:4402 [--log path]
 *                                [--event-bus http://127.0.0.1:<port>]
 *
 * Each is name:port[:adminPort] (0 or omitted picks a free port). Prints one JSON line per fake with its
 * endpoint (the SDK client's `endpoint`) and adminUrl, e.g. `curl -X PUT <adminUrl>/faults -d '{"down":true}'`.
 * The fakes accept any origination identity, verified identity and configuration set. With
 * --event-bus (a local event bus's PutEvents endpoint) they publish their receipt events there.
 */
import { parseArgs } from 'node:util';
import { startEumSmsFake } from './eum-sms-fake.ts';
import type { ProviderFake } from './provider-fake.ts';
import { startSesFake } from './ses-fake.ts';

const { values } = parseArgs({
  options: {
    'eum-sms': { type: 'string', multiple: true, default: [] },
    ses: { type: 'string', multiple: true, default: [] },
    log: { type: 'string' },
    'event-bus': { type: 'string' },
  },
});
const specs = [
  ...values['eum-sms'].map((spec) => ({ spec, start: startEumSmsFake })),
  ...values.ses.map((spec) => ({ spec, start: startSesFake })),
];
if (specs.length === 0) {
  console.error(
    'usage: main.ts --eum-sms name:port[:adminPort] … --ses name:port[:adminPort] … [--log path] [--event-bus url]',
  );
  process.exit(2);
}
const fakes: ProviderFake[] = [];
for (const { spec, start } of specs) {
  const [name, port, adminPort] = spec.split(':');
  if (!name) throw new Error(`bad spec ${spec}`);
  const fake = await start({
    name,
    port: Number(port ?? 0),
    adminPort: Number(adminPort ?? 0),
    ...(values.log ? { logPath: values.log } : {}),
    ...(values['event-bus'] ? { eventBusUrl: values['event-bus'] } : {}),
  });
  fakes.push(fake);
  console.log(JSON.stringify({ name, endpoint: fake.url, adminUrl: fake.adminUrl, log: fake.logPath }));
}
const stop = async () => {
  await Promise.all(fakes.map((fake) => fake.close()));
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
