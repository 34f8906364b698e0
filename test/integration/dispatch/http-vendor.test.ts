/**
 * HttpVendor against the real mock vendor HTTP server on 127.0.0.1: the Vendor contract, plus the
 * wire details (idempotency key header, auth header, JSONL log, admin endpoint).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HttpVendor, retryAfterMsOf } from '../../../lambdas/adapters/http-vendor.ts';
import { type MockVendor, startMockVendor } from '../../../local/mock-vendor/mock-vendor.ts';
import { describeVendorContract, vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const logDir = mkdtempSync(join(tmpdir(), 'herald-vendor-log-'));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

describeVendorContract('HttpVendor + mock vendor', async (timeoutMs) => {
  const mock = await startMockVendor({ name: 'mock-a', logPath: join(logDir, 'contract.jsonl') });
  return {
    vendor: new HttpVendor({ name: 'mock-a', url: mock.url, timeoutMs }),
    setFaults: async (faults) => {
      await mock.setFaults(faults);
    },
    deliveredIds: () => mock.deliveries().map((delivery) => delivery.deliveryId),
    close: () => mock.close(),
  };
});

describe('HttpVendor', () => {
  let mock: MockVendor | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('sends the auth header and logs the accepted send as one JSONL line', async () => {
    const logPath = join(logDir, 'auth.jsonl');
    mock = await startMockVendor({ name: 'mock-auth', logPath, authToken: 's3cret' });
    const message = vendorMessage({ channel: 'email', to: 'someone@example.com' });
    const unauthorised = new HttpVendor({ name: 'mock-auth', url: mock.url, timeoutMs: 2_000 });
    expect((await unauthorised.send(message)).kind).toBe('rejected');
    const vendor = new HttpVendor({
      name: 'mock-auth',
      url: mock.url,
      timeoutMs: 2_000,
      auth: { name: 'authorization', value: 'Bearer s3cret' },
    });
    expect(await vendor.send(message)).toMatchObject({
      kind: 'accepted',
      vendorMessageId: expect.stringMatching(/^mock-auth-/),
    });
    const lines = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      expect.objectContaining({
        vendor: 'mock-auth',
        channel: 'email',
        to: 'someone@example.com',
        deliveryId: message.deliveryId,
        requestId: message.requestId,
        time: expect.any(String),
      }),
    ]);
  });

  it('lets faults be changed at run time through the admin endpoint', async () => {
    mock = await startMockVendor({ name: 'mock-admin', logPath: join(logDir, 'admin.jsonl') });
    const vendor = new HttpVendor({ name: 'mock-admin', url: mock.url, timeoutMs: 2_000 });
    const put = (body: unknown) =>
      fetch(`${mock?.adminUrl}/faults`, { method: 'PUT', body: JSON.stringify(body) }).then((r) => r.json());
    expect(await put({ down: true })).toMatchObject({ down: true });
    expect((await vendor.send(vendorMessage())).kind).toBe('unavailable');
    expect(await put({ down: false, throttleRate: 1, retryAfterSeconds: 3 })).toMatchObject({
      throttleRate: 1,
    });
    expect(await vendor.send(vendorMessage())).toMatchObject({ kind: 'throttled', retryAfterMs: 3_000 });
    const invalid = await fetch(`${mock.adminUrl}/faults`, { method: 'PUT', body: '{"errorRate": 2}' });
    expect(invalid.status).toBe(400);
    await fetch(`${mock.adminUrl}/faults/reset`, { method: 'POST' });
    expect((await vendor.send(vendorMessage())).kind).toBe('accepted');
  });

  it('is unavailable when the vendor host refuses connections', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const vendor = new HttpVendor({
      name: 'nowhere',
      url: `http://127.0.0.1:${port}/v1/messages`,
      timeoutMs: 2_000,
    });
    expect(await vendor.send(vendorMessage())).toMatchObject({
      kind: 'unavailable',
      reason: 'nowhere: ECONNREFUSED',
    });
  });
});

describe('retryAfterMsOf', () => {
  it.each([
    ['5', 5_000],
    ['0', 0],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['soon', undefined],
    [null, undefined],
  ])('reads %s as %s ms', (header, expected) => {
    expect(retryAfterMsOf(header, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected);
  });
});
