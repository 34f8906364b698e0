/**
 * ApnsVendor (node:http2, ES256 provider token) against the APNs fake over HTTP/2 + TLS with a CA
 * made at start: the Vendor contract, the wire shape, session reuse and reconnection, each error
 * class, the provider-token refresh timing on an injected clock, a wrong key, and the answers the
 * fake cannot produce from a scripted HTTP/2 server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, constants, createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApnsProviderToken } from '../../../lambdas/adapters/apns-provider-token.ts';
import { type ApnsVendorOptions, apnsIdOf, createApnsVendor } from '../../../lambdas/adapters/apns-vendor.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import type { VendorMessage } from '../../../lambdas/ports/vendor.ts';
import { type ApnsFake, createApnsSigningKey, startApnsFake } from '../../../local/providers/apns-fake.ts';
import { createLocalTls } from '../../../local/providers/local-ca.ts';
import { describeVendorContract, vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const TEAM = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const TOPIC = 'com.example.herald';
const MINUTE = 60_000;
const logDir = mkdtempSync(join(tmpdir(), 'herald-apns-'));
const tls = createLocalTls();
const key = createApnsSigningKey();
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

const deviceToken = () => randomBytes(32).toString('hex');
const pushMessage = (overrides: Partial<VendorMessage> = {}) =>
  vendorMessage({ channel: 'push', to: `apns:${deviceToken()}`, title: 'Order shipped', ...overrides });

function startFake(name: string, now?: () => number): Promise<ApnsFake> {
  return startApnsFake({
    name,
    teamId: TEAM,
    keyId: KEY_ID,
    publicKeyPem: key.publicKeyPem,
    topic: TOPIC,
    tls,
    logPath: join(logDir, `${name}.jsonl`),
    ...(now ? { now } : {}),
  });
}

const vendors: Array<{ close(): void }> = [];
afterEach(() => {
  for (const vendor of vendors.splice(0)) vendor.close();
});

function vendorFor(url: string, overrides: Partial<ApnsVendorOptions> = {}) {
  const vendor = createApnsVendor({
    name: 'apns-a',
    teamId: TEAM,
    keyId: KEY_ID,
    signingKey: key.signingKey,
    topic: TOPIC,
    endpoint: url,
    caPem: tls.caPem,
    timeoutMs: 2_000,
    ...overrides,
  });
  vendors.push(vendor);
  return vendor;
}

describeVendorContract(
  'ApnsVendor + APNs fake',
  async (timeoutMs) => {
    const fake = await startFake('apns-contract');
    const vendor = vendorFor(fake.url, { timeoutMs });
    return {
      vendor,
      setFaults: async (faults) => void (await fake.setFaults(faults)),
      deliveredIds: () => fake.deliveries().map((delivery) => delivery.deliveryId),
      close: async () => {
        vendor.close();
        await fake.close();
      },
    };
  },
  {
    message: pushMessage,
    rejectedRecipient: `apns:${deviceToken()}`,
    rejectedReason: /HTTP 410 Unregistered/,
    isIdempotent: false,
  },
);

describe('ApnsVendor', () => {
  let fake: ApnsFake;
  beforeAll(async () => {
    fake = await startFake('apns-a');
    return () => fake.close();
  });
  afterEach(async () => {
    await fake.setFaults({ down: false, latencyMs: 0, throttleRate: 0, errorRate: 0, timeoutRate: 0 });
  });

  it('sends one alert with topic, push type, priority and an apns-id from the deliveryId, and the fake logs it', async () => {
    const message = pushMessage({ priority: 'high' });
    const outcome = await vendorFor(fake.url).send(message);
    expect(outcome).toEqual({ kind: 'accepted', vendorMessageId: apnsIdOf(message.deliveryId) });
    expect(fake.notifications().at(-1)).toEqual({
      deviceToken: message.to.slice('apns:'.length),
      headers: {
        'apns-id': apnsIdOf(message.deliveryId),
        'apns-topic': TOPIC,
        'apns-push-type': 'alert',
        'apns-priority': '10',
      },
      payload: {
        aps: { alert: { title: 'Order shipped', body: message.body } },
        deliveryId: message.deliveryId,
        requestId: message.requestId,
      },
    });
    await vendorFor(fake.url).send(pushMessage({ priority: 'normal' }));
    expect(fake.notifications().at(-1)?.headers['apns-priority']).toBe('5');
    const lines = readFileSync(fake.logPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toContainEqual({
      time: expect.any(String),
      vendor: 'apns-a',
      channel: 'push',
      to: message.to,
      deliveryId: message.deliveryId,
      requestId: message.requestId,
      vendorMessageId: apnsIdOf(message.deliveryId),
    });
  });

  it('refuses an FCM recipient without calling APNs', async () => {
    const before = fake.requestCount();
    expect(await vendorFor(fake.url).send(pushMessage({ to: 'fcm:abc:APA91b' }))).toEqual({
      kind: 'rejected',
      reason: 'apns-a: not an APNs recipient (apns:<device token>)',
    });
    expect(fake.requestCount()).toBe(before);
  });

  it('reuses one HTTP/2 session for concurrent and later sends', async () => {
    const vendor = vendorFor(fake.url);
    const before = fake.sessionCount();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => vendor.send(pushMessage())));
    expect((await vendor.send(pushMessage())).kind).toBe('accepted');
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(5).fill('accepted'));
    expect(fake.sessionCount()).toBe(before + 1);
  });

  it('is ambiguous when the connection drops after sending, unavailable while down, and reconnects once up', async () => {
    const vendor = vendorFor(fake.url);
    expect((await vendor.send(pushMessage())).kind).toBe('accepted');
    await fake.setFaults({ latencyMs: 300 });
    const inFlight = vendor.send(pushMessage());
    await new Promise((resolve) => setTimeout(resolve, 100));
    await fake.setFaults({ down: true });
    expect((await inFlight).kind).toBe('ambiguous');
    expect(await vendor.send(pushMessage())).toEqual({ kind: 'unavailable', reason: 'apns-a: ECONNREFUSED' });
    const sessions = fake.sessionCount();
    await fake.setFaults({ down: false, latencyMs: 0 });
    expect((await vendor.send(pushMessage())).kind).toBe('accepted');
    expect(fake.sessionCount()).toBe(sessions + 1);
  });

  it.each([
    ['a 66-digit device token', { to: `apns:${deviceToken()}ab` }, {}, 'apns-a: HTTP 400 BadDeviceToken'],
    ['another app’s topic', {}, { topic: 'com.example.other' }, 'apns-a: HTTP 400 DeviceTokenNotForTopic'],
    ['a payload over 4 KB', { body: '😀'.repeat(2000) }, {}, 'apns-a: HTTP 413 PayloadTooLarge'],
  ])('rejects %s for good', async (_name, message, options, reason) => {
    expect(await vendorFor(fake.url, options).send(pushMessage(message))).toEqual({
      kind: 'rejected',
      reason,
    });
  });

  it('is throttled on 429 TooManyRequests with Retry-After', async () => {
    await fake.setFaults({ throttleRate: 1, retryAfterSeconds: 3 });
    expect(await vendorFor(fake.url).send(pushMessage())).toEqual({
      kind: 'throttled',
      reason: 'apns-a: HTTP 429 TooManyRequests',
      retryAfterMs: 3_000,
    });
  });

  it('is vendor-failed with a key APNs does not know, delivering nothing', async () => {
    const before = fake.deliveries().length;
    const vendor = vendorFor(fake.url, { signingKey: createApnsSigningKey().signingKey });
    expect(await vendor.send(pushMessage())).toEqual({
      kind: 'vendor-failed',
      reason: 'apns-a: HTTP 403 InvalidProviderToken',
    });
    expect(fake.deliveries()).toHaveLength(before);
  });

  it('is unavailable against a server whose certificate it does not trust', async () => {
    const vendor = createApnsVendor({
      name: 'apns-a',
      teamId: TEAM,
      keyId: KEY_ID,
      signingKey: key.signingKey,
      topic: TOPIC,
      endpoint: fake.url,
      timeoutMs: 2_000,
    });
    vendors.push(vendor);
    expect((await vendor.send(pushMessage())).kind).toBe('unavailable');
  });

  it('refuses bad settings, naming every one and no key material', () => {
    const build = () =>
      vendorFor(fake.url, {
        teamId: 'team',
        keyId: '',
        signingKey: 'not a key',
        tokenRefreshMs: 10 * MINUTE,
      });
    expect(build).toThrow(ConfigError);
    try {
      build();
    } catch (error) {
      expect((error as ConfigError).keys).toEqual([
        'apns-a.teamId',
        'apns-a.keyId',
        'apns-a.signingKey',
        'apns-a.tokenRefreshMs',
      ]);
    }
  });
});

describe('ApnsVendor provider token (injected clock)', () => {
  let nowMs = 0;
  let fakeNowMs = 0;
  let fake: ApnsFake;
  beforeAll(async () => {
    fake = await startFake('apns-clock', () => fakeNowMs);
    return () => fake.close();
  });

  it('keeps one token for 50 minutes, then signs a new one that APNs accepts', async () => {
    const t0 = Date.parse('2026-11-29T12:00:00Z');
    nowMs = t0;
    fakeNowMs = t0;
    const vendor = vendorFor(fake.url, { now: () => nowMs });
    const sends = [0, 1, 49, 50, 51, 99, 100].map((minutes) => async () => {
      nowMs = t0 + minutes * MINUTE;
      fakeNowMs = nowMs;
      return (await vendor.send(pushMessage())).kind;
    });
    const kinds: string[] = [];
    for (const send of sends) kinds.push(await send());
    expect(kinds).toEqual(Array(7).fill('accepted'));
    expect(fake.tokenIssuedAts()).toEqual([t0 / 1000, (t0 + 50 * MINUTE) / 1000, (t0 + 100 * MINUTE) / 1000]);
  });

  it('after ExpiredProviderToken replaces the token, but never before it is 20 minutes old', async () => {
    const t0 = Date.parse('2026-11-30T12:00:00Z');
    nowMs = t0;
    fakeNowMs = t0;
    const vendor = vendorFor(fake.url, { now: () => nowMs });
    expect((await vendor.send(pushMessage())).kind).toBe('accepted');
    // APNs' clock runs 58 minutes ahead: it calls the 5-minute-old token expired.
    nowMs = t0 + 5 * MINUTE;
    fakeNowMs = t0 + 63 * MINUTE;
    expect(await vendor.send(pushMessage())).toEqual({
      kind: 'vendor-failed',
      reason: 'apns-a: HTTP 403 ExpiredProviderToken',
    });
    nowMs = t0 + 19 * MINUTE;
    fakeNowMs = t0 + 77 * MINUTE;
    expect((await vendor.send(pushMessage())).kind).toBe('vendor-failed');
    nowMs = t0 + 20 * MINUTE;
    fakeNowMs = t0 + 78 * MINUTE;
    expect((await vendor.send(pushMessage())).kind).toBe('accepted');
    expect(fake.tokenIssuedAts().slice(-2)).toEqual([t0 / 1000, (t0 + 20 * MINUTE) / 1000]);
  });

  it('the fake answers TooManyProviderTokenUpdates to a connection whose token changes within 20 minutes', async () => {
    const t0 = Date.parse('2026-12-01T12:00:00Z');
    fakeNowMs = t0 + 10 * MINUTE;
    const tokenAt = (ms: number) =>
      new ApnsProviderToken({
        ...key,
        teamId: TEAM,
        keyId: KEY_ID,
        refreshAfterMs: 50 * MINUTE,
        now: () => ms,
      }).current();
    const session = connect(fake.url, { ca: tls.caPem });
    const post = (jwt: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': `/3/device/${deviceToken()}`,
          authorization: `bearer ${jwt}`,
          'apns-topic': TOPIC,
          'apns-push-type': 'alert',
        });
        let status = 0;
        let body = '';
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', (chunk) => (body += chunk));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
        stream.end(JSON.stringify({ aps: { alert: { body: 'hi' } } }));
      });
    try {
      expect(await post(tokenAt(t0))).toEqual({ status: 200, body: '' });
      expect(await post(tokenAt(t0 + 10 * MINUTE))).toEqual({
        status: 429,
        body: '{"reason":"TooManyProviderTokenUpdates"}',
      });
      expect((await post(tokenAt(t0))).status).toBe(200);
    } finally {
      session.close();
    }
  });
});

describe('ApnsVendor classifies each APNs answer', () => {
  let server: Http2SecureServer;
  let script: { status: number; body?: object; refuse?: boolean };
  beforeAll(async () => {
    server = createSecureServer({ key: tls.keyPem, cert: tls.certPem });
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.resume();
      stream.on('end', () => {
        if (script.refuse) return stream.close(constants.NGHTTP2_REFUSED_STREAM);
        stream.respond({ ':status': script.status, 'content-type': 'application/json' });
        stream.end(JSON.stringify(script.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return () => new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each([
    [
      { status: 410, body: { reason: 'Unregistered', timestamp: 1_700_000_000_000 } },
      'rejected',
      'HTTP 410 Unregistered',
    ],
    [{ status: 400, body: { reason: 'BadCollapseId' } }, 'rejected', 'HTTP 400 BadCollapseId'],
    [{ status: 400, body: { reason: 'TopicDisallowed' } }, 'vendor-failed', 'HTTP 400 TopicDisallowed'],
    [
      { status: 403, body: { reason: 'BadCertificateEnvironment' } },
      'vendor-failed',
      'HTTP 403 BadCertificateEnvironment',
    ],
    [
      { status: 403, body: { reason: 'MissingProviderToken' } },
      'vendor-failed',
      'HTTP 403 MissingProviderToken',
    ],
    [{ status: 405, body: { reason: 'MethodNotAllowed' } }, 'vendor-failed', 'HTTP 405 MethodNotAllowed'],
    [
      { status: 429, body: { reason: 'TooManyProviderTokenUpdates' } },
      'throttled',
      'HTTP 429 TooManyProviderTokenUpdates',
    ],
    [{ status: 500, body: { reason: 'InternalServerError' } }, 'ambiguous', 'HTTP 500 InternalServerError'],
    [{ status: 502, body: { reason: 'a free text <script>' } }, 'ambiguous', 'HTTP 502'],
    [{ status: 503, body: { reason: 'Shutdown' } }, 'unavailable', 'HTTP 503 Shutdown'],
    [{ status: 0, refuse: true }, 'unavailable', 'stream refused'],
  ])('%j → %s', async (answer, kind, reason) => {
    script = answer;
    const { port } = server.address() as AddressInfo;
    const vendor = vendorFor(`https://127.0.0.1:${port}`);
    expect(await vendor.send(pushMessage())).toEqual({ kind, reason: `apns-a: ${reason}` });
  });
});

describe('apnsIdOf', () => {
  it('writes a deliveryId’s 16 bytes as a UUID, so the apns-id leads back to the delivery', () => {
    const deliveryId = randomBytes(16).toString('base64url');
    const id = apnsIdOf(deliveryId);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Buffer.from(id.replaceAll('-', ''), 'hex').toString('base64url')).toBe(deliveryId);
    expect(apnsIdOf('not-a-delivery-id')).toMatch(/^[0-9a-f]{8}-/);
  });
});
