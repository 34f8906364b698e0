/**
 * ApnsVendor (node:http2, ES256 provider token) against the APNs fake over HTTP/2 + TLS with a CA
 * made at start: the Vendor contract, the wire shape, session reuse and reconnection, each error
 * class the fake gives, a wrong key, an untrusted certificate and bad settings. The token clock is
 * in apns-provider-token.test.ts, the answers the fake cannot give in apns-answers.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

describeVendorContract('ApnsVendor + APNs fake', async (timeoutMs) => {
  const fake = await startFake('apns-contract');
  const vendor = vendorFor(fake.url, { timeoutMs });
  return {
    vendor,
    rejectionReason: /HTTP 410 Unregistered/,
    recipient: { channel: 'push', to: `apns:${deviceToken()}`, refusedTo: `apns:${deviceToken()}` },
    setFaults: async (faults) => void (await fake.setFaults(faults)),
    deliveredIds: () => fake.deliveries().map((delivery) => delivery.deliveryId),
    close: async () => {
      vendor.close();
      await fake.close();
    },
  };
});

describe('ApnsVendor', () => {
  let fake: ApnsFake;
  beforeAll(async () => {
    fake = await startFake('apns-a');
    return () => fake.close();
  });
  afterEach(async () => {
    await fake.setFaults({
      down: false,
      latencyMs: 0,
      throttleRate: 0,
      errorRate: 0,
      timeoutRate: 0,
      resetRate: 0,
      answerStatus: 0,
    });
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
    expect(vendorFor(fake.url).serves('fcm:abc:APA91b')).toBe(false);
    expect(vendorFor(fake.url).serves(`apns:${deviceToken()}`)).toBe(true);
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
    const lost = pushMessage();
    const inFlight = vendor.send(lost);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await fake.setFaults({ down: true });
    expect((await inFlight).kind).toBe('ambiguous');
    // Ambiguous was right: APNs had the request and delivers it although the answer was lost.
    await expect
      .poll(() => fake.deliveries().map((delivery) => delivery.deliveryId), { timeout: 5_000 })
      .toContain(lost.deliveryId);
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

  it('is ambiguous when the stream is reset after the request arrived (reset fault)', async () => {
    await fake.setFaults({ resetRate: 1 });
    const message = pushMessage();
    expect((await vendorFor(fake.url).send(message)).kind).toBe('ambiguous');
    expect(fake.deliveries().map((delivery) => delivery.deliveryId)).not.toContain(message.deliveryId);
  });

  it.each([
    [403, { kind: 'vendor-failed', reason: 'apns-a: HTTP 403 InvalidProviderToken' }],
    [500, { kind: 'ambiguous', reason: 'apns-a: HTTP 500 InternalServerError' }],
    [410, { kind: 'rejected', reason: 'apns-a: HTTP 410 Unregistered' }],
  ])('classifies an injected HTTP %i (answerStatus fault) in its APNs shape', async (status, expected) => {
    await fake.setFaults({ answerStatus: status });
    expect(await vendorFor(fake.url).send(pushMessage())).toEqual(expected);
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
    const vendor = vendorFor(fake.url, { signingKey: createApnsSigningKey().signingKey });
    const message = pushMessage();
    expect(await vendor.send(message)).toEqual({
      kind: 'vendor-failed',
      reason: 'apns-a: HTTP 403 InvalidProviderToken',
    });
    expect(fake.deliveries().map((delivery) => delivery.deliveryId)).not.toContain(message.deliveryId);
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

  it('refuses a cleartext endpoint', () => {
    expect(() => vendorFor('http://127.0.0.1:1')).toThrow('apns-a.endpoint must be an https URL');
  });
});
