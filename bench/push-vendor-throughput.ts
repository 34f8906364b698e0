/**
 * Sends per second and latency of the push adapters against their local fakes on loopback: FCM
 * (HTTP/1.1 keep-alive, cached OAuth token) and APNs (one HTTP/2 session over TLS). The fakes add no
 * latency, so the figures are the adapters' and fakes' own cost, a ceiling, not a provider's speed.
 * Prints figures; asserts only that every send was accepted and logged once.
 *
 *   node bench/push-vendor-throughput.ts [--sends 2000] [--concurrency 1,16,64]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApnsVendor } from '../lambdas/adapters/apns-vendor.ts';
import { createFcmVendor } from '../lambdas/adapters/fcm-vendor.ts';
import type { Vendor, VendorMessage } from '../lambdas/ports/vendor.ts';
import { createLocalTls } from '../local/providers/local-ca.ts';
import { startLocalApns, startLocalFcm } from '../local/providers/local-push.ts';
import type { PushFake } from '../local/providers/push-fake-support.ts';

const { values: args } = parseArgs({
  options: {
    sends: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1,16,64' },
  },
});
const sends = Number(args.sends);
const concurrencies = args.concurrency.split(',').map(Number);

function message(to: string): VendorMessage {
  return {
    deliveryId: randomBytes(16).toString('base64url'),
    requestId: randomBytes(32).toString('hex'),
    clientId: 'bench',
    channel: 'push',
    to,
    title: 'Order shipped',
    body: 'Your order is on its way',
    priority: 'high',
  };
}

async function run(vendor: Vendor, fake: PushFake, recipient: () => string, concurrency: number) {
  const before = fake.deliveries().length;
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < sends) {
        next++;
        const at = performance.now();
        const outcome = await vendor.send(message(recipient()));
        latencies.push(performance.now() - at);
        if (outcome.kind !== 'accepted') throw new Error(`${vendor.name}: ${JSON.stringify(outcome)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (fake.deliveries().length - before !== sends)
    throw new Error(`${vendor.name}: deliveries do not match sends`);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2);
  return { sendsPerSecond: Math.round(sends / seconds), p50Ms: at(0.5), p99Ms: at(0.99) };
}

const logDir = mkdtempSync(join(tmpdir(), 'herald-push-bench-'));
const logPath = join(logDir, 'vendor-deliveries.jsonl');
const fcm = await startLocalFcm({ name: 'fcm-bench', logPath });
const apns = await startLocalApns({ name: 'apns-bench', logPath, tls: createLocalTls() });
const fcmVendor = createFcmVendor({ ...fcm.vendorOptions, timeoutMs: 5_000 });
const apnsVendor = createApnsVendor({ ...apns.vendorOptions, timeoutMs: 5_000 });
const cases = [
  { vendor: fcmVendor, fake: fcm.fake, recipient: () => `fcm:${randomBytes(20).toString('base64url')}` },
  { vendor: apnsVendor, fake: apns.fake, recipient: () => `apns:${randomBytes(32).toString('hex')}` },
];
try {
  for (const { vendor, fake, recipient } of cases) {
    await run(vendor, fake, recipient, 4); // warm-up: token fetch, connections, JIT
    for (const concurrency of concurrencies) {
      console.log(
        JSON.stringify({
          vendor: vendor.name,
          sends,
          concurrency,
          ...(await run(vendor, fake, recipient, concurrency)),
        }),
      );
    }
  }
} finally {
  apnsVendor.close();
  await Promise.all([fcm.fake.close(), apns.fake.close()]);
  rmSync(logDir, { recursive: true, force: true });
}
