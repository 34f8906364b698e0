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

describeVendorContract(
  'HttpVendor + mock vendor',
  async (timeoutMs) => {
    const mock = await startMockVendor({ name: 'mock-a', logPath: join(logDir, 'contract.jsonl') });
    return {
      vendor: new HttpVendor({ name: 'mock-a', url: mock.url, timeoutMs }),
      setFaults: async (faults) => {
        await mock.setFaults(faults);
      },
      deliveredIds: () => mock.deliveries().map((delivery) => delivery.deliveryId),
      close: () => mock.close(),
    };
  },
  { isGenericProtocol: true },
);

describeVendorContract(
  'HttpVendor + mock vendor started idempotent',
  async (timeoutMs) => {
    const mock = await startMockVendor({
      name: 'mock-i',
      logPath: join(logDir, 'contract-idempotent.jsonl'),
      idempotent: true,
    });
    return {
      vendor: new HttpVendor({ name: 'mock-i', url: mock.url, timeoutMs }),
      isIdempotent: true,
      setFaults: async (faults) => {
        await mock.setFaults(faults);
      },
      deliveredIds: () => mock.deliveries().map((delivery) => delivery.deliveryId),
      close: () => mock.close(),
    };
  },
  { isGenericProtocol: true },
);

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
    expect((await unauthorised.send(message)).kind).toBe('vendor-failed');
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

  it.each([
    [401, 'vendor-failed'],
    [403, 'vendor-failed'],
    [404, 'vendor-failed'],
    [301, 'vendor-failed'],
    [408, 'unavailable'],
    [503, 'unavailable'],
    [500, 'ambiguous'],
    [502, 'ambiguous'],
    [504, 'ambiguous'],
    [400, 'rejected'],
    [422, 'rejected'],
  ] as const)('classifies HTTP %i as %s, and the vendor delivered nothing', async (status, kind) => {
    // Prepare
    mock = await startMockVendor({ name: 'mock-status', logPath: join(logDir, `status-${status}.jsonl`) });
    await mock.setFaults({ answerStatus: status });
    const vendor = new HttpVendor({ name: 'mock-status', url: mock.url, timeoutMs: 2_000 });

    // Act
    const outcome = await vendor.send(vendorMessage());

    // Assess
    expect(outcome.kind).toBe(kind);
    expect(mock.deliveries()).toEqual([]);
  });

  it('is ambiguous when the connection is reset after the request went out', async () => {
    mock = await startMockVendor({ name: 'mock-reset', logPath: join(logDir, 'reset.jsonl') });
    await mock.setFaults({ resetRate: 1 });
    const vendor = new HttpVendor({ name: 'mock-reset', url: mock.url, timeoutMs: 2_000 });
    expect((await vendor.send(vendorMessage())).kind).toBe('ambiguous');
  });

  it('answers 409 (ambiguous) to a repeat while the first send of the key is in progress', async () => {
    mock = await startMockVendor({ name: 'mock-409', logPath: join(logDir, '409.jsonl') });
    await mock.setFaults({ latencyMs: 300 });
    const vendor = new HttpVendor({ name: 'mock-409', url: mock.url, timeoutMs: 2_000 });
    const message = vendorMessage();
    const [first, second] = await Promise.all([
      vendor.send(message),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => vendor.send(message)),
    ]);
    expect(first.kind).toBe('accepted');
    expect(second).toMatchObject({ kind: 'ambiguous', reason: 'mock-409: HTTP 409 in_progress' });
    expect(mock.deliveries()).toHaveLength(1);
  });

  it('delivers a repeated request again, as real providers do (not idempotent by default)', async () => {
    mock = await startMockVendor({ name: 'mock-repeat', logPath: join(logDir, 'repeat.jsonl') });
    const vendor = new HttpVendor({ name: 'mock-repeat', url: mock.url, timeoutMs: 2_000 });
    const message = vendorMessage();
    await vendor.send(message);
    await vendor.send(message);
    expect(mock.deliveries().map((d) => d.deliveryId)).toEqual([message.deliveryId, message.deliveryId]);
    expect(mock.repeatCount()).toBe(1);
  });

  it('drops a repeated key only when started idempotent', async () => {
    mock = await startMockVendor({
      name: 'mock-keyed',
      logPath: join(logDir, 'keyed.jsonl'),
      idempotent: true,
    });
    const vendor = new HttpVendor({ name: 'mock-keyed', url: mock.url, timeoutMs: 2_000 });
    const message = vendorMessage();
    await vendor.send(message);
    expect(await vendor.send(message)).toMatchObject({ kind: 'accepted' });
    expect(mock.deliveries()).toHaveLength(1);
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
