/** The local push providers start with credentials their adapters accept, and log to one vendor log. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApnsVendor } from '../../../lambdas/adapters/apns-vendor.ts';
import { createFcmVendor } from '../../../lambdas/adapters/fcm-vendor.ts';
import { createLocalTls } from '../../../local/providers/local-ca.ts';
import { startLocalApns, startLocalFcm } from '../../../local/providers/local-push.ts';
import { vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const logDir = mkdtempSync(join(tmpdir(), 'herald-push-'));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

describe('local push providers', () => {
  it('serve their adapters with the settings they hand back (JSON round trip) and share the vendor log', async () => {
    const logPath = join(logDir, 'vendor-deliveries.jsonl');
    const fcm = await startLocalFcm({ name: 'push-a', logPath });
    const apns = await startLocalApns({ name: 'push-b', logPath, tls: createLocalTls() });
    const fcmVendor = createFcmVendor({ ...JSON.parse(JSON.stringify(fcm.vendorOptions)), timeoutMs: 2_000 });
    const apnsVendor = createApnsVendor({
      ...JSON.parse(JSON.stringify(apns.vendorOptions)),
      timeoutMs: 2_000,
    });
    try {
      const toFcm = vendorMessage({ channel: 'push', to: `fcm:${randomBytes(20).toString('base64url')}` });
      const toApns = vendorMessage({ channel: 'push', to: `apns:${randomBytes(32).toString('hex')}` });
      expect((await fcmVendor.send(toFcm)).kind).toBe('accepted');
      expect((await apnsVendor.send(toApns)).kind).toBe('accepted');
      const logged = readFileSync(logPath, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(logged.map((line) => [line.vendor, line.to, line.deliveryId])).toEqual([
        ['push-a', toFcm.to, toFcm.deliveryId],
        ['push-b', toApns.to, toApns.deliveryId],
      ]);
      const faults = await fetch(`${apns.fake.adminUrl}/faults`, { method: 'PUT', body: '{"down":true}' });
      expect(await faults.json()).toMatchObject({ down: true });
      expect((await apnsVendor.send(toApns)).kind).toBe('unavailable');
    } finally {
      apnsVendor.close();
      await Promise.all([fcm.fake.close(), apns.fake.close()]);
    }
  });
});
