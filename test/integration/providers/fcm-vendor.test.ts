/**
 * FcmVendor (google-auth-library for the token, one HTTP request per send) against the FCM fake over
 * its real protocols: the Vendor contract, the wire shape, each error class the fake gives, the
 * token cache on an injected clock, a wrong key. The exact google.rpc bodies the fake does not give
 * are in fcm-answers.test.ts.
 */
import { randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFcmVendor, type FcmVendorOptions } from '../../../lambdas/adapters/fcm-vendor.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import type { VendorMessage } from '../../../lambdas/ports/vendor.ts';
import { createServiceAccount, type FcmFake, startFcmFake } from '../../../local/providers/fcm-fake.ts';
import { describeVendorContract, vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const PROJECT = 'herald-test';
const logDir = mkdtempSync(join(tmpdir(), 'herald-fcm-'));
const account = createServiceAccount(PROJECT);
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

const fcmToken = () => `d${randomBytes(6).toString('hex')}:APA91b${randomBytes(100).toString('base64url')}`;
const pushMessage = (overrides: Partial<VendorMessage> = {}) =>
  vendorMessage({ channel: 'push', to: `fcm:${fcmToken()}`, title: 'Order shipped', ...overrides });

function startFake(name = 'fcm-a'): Promise<FcmFake> {
  return startFcmFake({
    name,
    projectId: PROJECT,
    clientEmail: account.key.client_email,
    publicKeyPem: account.publicKeyPem,
    logPath: join(logDir, `${name}.jsonl`),
  });
}

function vendorFor(fake: FcmFake, overrides: Partial<FcmVendorOptions> = {}) {
  return createFcmVendor({
    name: fake.name,
    serviceAccountKey: JSON.stringify(account.key),
    endpoint: fake.url,
    tokenUrl: fake.tokenUrl,
    timeoutMs: 2_000,
    ...overrides,
  });
}

describeVendorContract('FcmVendor + FCM fake', async (timeoutMs) => {
  const fake = await startFake('fcm-contract');
  return {
    vendor: vendorFor(fake, { timeoutMs }),
    rejectionReason: /HTTP 404 UNREGISTERED/,
    recipient: { channel: 'push', to: `fcm:${fcmToken()}`, refusedTo: `fcm:${fcmToken()}` },
    setFaults: async (faults) => void (await fake.setFaults(faults)),
    deliveredIds: () => fake.deliveries().map((delivery) => delivery.deliveryId),
    close: () => fake.close(),
  };
});

describe('FcmVendor', () => {
  let fake: FcmFake;
  beforeAll(async () => {
    fake = await startFake();
    return () => fake.close();
  });
  afterEach(async () => {
    await fake.setFaults({
      down: false,
      throttleRate: 0,
      errorRate: 0,
      timeoutRate: 0,
      resetRate: 0,
      answerStatus: 0,
      rejectTo: [],
    });
  });

  it('sends token, notification and correlation data, and the fake logs the send', async () => {
    const vendor = vendorFor(fake);
    const message = pushMessage({ priority: 'high' });
    const outcome = await vendor.send(message);
    expect(outcome).toMatchObject({
      kind: 'accepted',
      vendorMessageId: expect.stringMatching(new RegExp(`^projects/${PROJECT}/messages/`)),
    });
    expect(fake.messages().at(-1)).toEqual({
      token: message.to.slice('fcm:'.length),
      notification: { title: 'Order shipped', body: message.body },
      data: { deliveryId: message.deliveryId, requestId: message.requestId },
      android: { priority: 'HIGH' },
      apns: { headers: { 'apns-priority': '10' } },
    });
    const lines = readFileSync(fake.logPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toEqual({
      time: expect.any(String),
      vendor: 'fcm-a',
      channel: 'push',
      to: message.to,
      deliveryId: message.deliveryId,
      requestId: message.requestId,
      vendorMessageId: (outcome.kind === 'accepted' && outcome.vendorMessageId) || '',
    });
  });

  it('refuses an APNs recipient without calling FCM', async () => {
    expect(vendorFor(fake).serves(`apns:${'ab'.repeat(32)}`)).toBe(false);
    expect(vendorFor(fake).serves(`fcm:${fcmToken()}`)).toBe(true);
    const before = fake.requestCount();
    const outcome = await vendorFor(fake).send(pushMessage({ to: `apns:${'ab'.repeat(32)}` }));
    expect(outcome).toEqual({
      kind: 'rejected',
      reason: 'fcm-a: not an FCM recipient (fcm:<registration token>)',
    });
    expect(fake.requestCount()).toBe(before);
  });

  it('fetches one access token and reuses it until 5 minutes before it expires (injected clock)', async () => {
    let nowMs = Date.parse('2026-11-29T12:00:00Z');
    const vendor = vendorFor(fake, { now: () => nowMs });
    const before = fake.tokenCount();
    await Promise.all([vendor.send(pushMessage()), vendor.send(pushMessage())]);
    expect(fake.tokenCount()).toBe(before + 1);
    nowMs += 54 * 60_000;
    expect((await vendor.send(pushMessage())).kind).toBe('accepted');
    expect(fake.tokenCount()).toBe(before + 1);
    nowMs += 2 * 60_000;
    expect((await vendor.send(pushMessage())).kind).toBe('accepted');
    expect(fake.tokenCount()).toBe(before + 2);
  });

  it('is vendor-failed on a revoked access token, and fetches a new one for the next send', async () => {
    const vendor = vendorFor(fake);
    await vendor.send(pushMessage());
    fake.revokeTokens();
    expect(await vendor.send(pushMessage())).toEqual({
      kind: 'vendor-failed',
      reason: 'fcm-a: HTTP 401 UNAUTHENTICATED',
    });
    expect((await vendor.send(pushMessage())).kind).toBe('accepted');
  });

  it('is vendor-failed when the token endpoint refuses the key, sending nothing', async () => {
    const stranger = createServiceAccount(PROJECT);
    const vendor = vendorFor(fake, {
      serviceAccountKey: { ...stranger.key, client_email: account.key.client_email },
    });
    const before = fake.requestCount();
    expect(await vendor.send(pushMessage())).toEqual({
      kind: 'vendor-failed',
      reason: 'fcm-a: token endpoint HTTP 400 invalid_grant',
    });
    expect(fake.requestCount()).toBe(before);
  });

  it('is vendor-failed when the token endpoint cannot be reached', async () => {
    const vendor = vendorFor(fake, { tokenUrl: `http://127.0.0.1:${await closedPort()}/token` });
    expect(await vendor.send(pushMessage())).toEqual({
      kind: 'vendor-failed',
      reason: 'fcm-a: token endpoint ECONNREFUSED',
    });
  });

  it('is vendor-failed for another project (PERMISSION_DENIED)', async () => {
    const outcome = await vendorFor(fake, { projectId: 'someone-else' }).send(pushMessage());
    expect(outcome).toEqual({ kind: 'vendor-failed', reason: 'fcm-a: HTTP 403 PERMISSION_DENIED' });
  });

  it('is unavailable when FCM refuses connections', async () => {
    const vendor = vendorFor(fake, { endpoint: `http://127.0.0.1:${await closedPort()}` });
    expect(await vendor.send(pushMessage())).toEqual({ kind: 'unavailable', reason: 'fcm-a: ECONNREFUSED' });
  });

  it('is ambiguous when the connection drops after the request arrived (reset fault)', async () => {
    await fake.setFaults({ resetRate: 1 });
    const message = pushMessage();
    expect((await vendorFor(fake).send(message)).kind).toBe('ambiguous');
    expect(fake.deliveries().map((delivery) => delivery.deliveryId)).not.toContain(message.deliveryId);
  });

  it.each([
    [401, { kind: 'vendor-failed', reason: 'fcm-a: HTTP 401 UNAUTHENTICATED' }],
    [500, { kind: 'ambiguous', reason: 'fcm-a: HTTP 500 INTERNAL' }],
    [400, { kind: 'rejected', reason: 'fcm-a: HTTP 400 INVALID_ARGUMENT' }],
  ])(
    'classifies an injected HTTP %i (answerStatus fault) in its google.rpc shape',
    async (status, expected) => {
      await fake.setFaults({ answerStatus: status });
      expect(await vendorFor(fake).send(pushMessage())).toEqual(expected);
    },
  );

  it('passes FCM’s Retry-After on for 503 UNAVAILABLE', async () => {
    await fake.setFaults({ errorRate: 1, retryAfterSeconds: 4 });
    expect(await vendorFor(fake).send(pushMessage())).toEqual({
      kind: 'unavailable',
      reason: 'fcm-a: HTTP 503 UNAVAILABLE',
      retryAfterMs: 4_000,
    });
  });

  it('the fake refuses what FCM’s schema refuses (unknown field, non-string data, bad priority)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
      iss: account.key.client_email,
      scope: 'https://www.googleapis.com/auth/firebase.messaging',
      aud: 'https://oauth2.googleapis.com/token',
      iat: now,
      exp: now + 3600,
    })}`;
    const assertion = `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), account.key.private_key).toString('base64url')}`;
    const grant = await fetch(fake.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    });
    const { access_token: accessToken } = (await grant.json()) as { access_token: string };
    const send = (message: object) =>
      fetch(`${fake.url}/v1/projects/${PROJECT}/messages:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: { token: fcmToken(), ...message } }),
      }).then(async (response) => [
        response.status,
        ((await response.json()) as { error?: { status: string } }).error?.status,
      ]);
    expect(await send({ data: { deliveryId: 'a' } })).toEqual([200, undefined]);
    expect(await send({ priority: 'high' })).toEqual([400, 'INVALID_ARGUMENT']);
    expect(await send({ data: { attempt: 1 } })).toEqual([400, 'INVALID_ARGUMENT']);
    expect(await send({ android: { priority: 'URGENT' } })).toEqual([400, 'INVALID_ARGUMENT']);
  });

  it('refuses a key without client_email or private_key, naming the fields and no value', () => {
    const build = () => vendorFor(fake, { serviceAccountKey: JSON.stringify({ project_id: PROJECT }) });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow('fcm-a: the service-account key lacks client_email, private_key');
  });

  it.each([
    ['endpoint', { endpoint: 'ftp://fcm.example' }],
    ['tokenUrl', { tokenUrl: 'not a url' }],
  ])('refuses a bad %s, naming the key', (key, options) => {
    expect(() => vendorFor(fake, options)).toThrow(
      expect.objectContaining({
        message: `fcm-a.${key} must be an https or http URL`,
        keys: [`fcm-a.${key}`],
      }),
    );
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
