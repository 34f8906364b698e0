/**
 * The APNs provider token on an injected clock, against the APNs fake judging token ages on its own
 * clock: replaced at 50 minutes, after a refusal only once 20 minutes old, and the fake's
 * TooManyProviderTokenUpdates rule that keeps the adapter honest.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApnsProviderToken } from '../../../lambdas/adapters/apns-provider-token.ts';
import {
  type ApnsVendor,
  type ApnsVendorOptions,
  createApnsVendor,
} from '../../../lambdas/adapters/apns-vendor.ts';
import { type ApnsFake, createApnsSigningKey, startApnsFake } from '../../../local/providers/apns-fake.ts';
import { createLocalTls } from '../../../local/providers/local-ca.ts';
import { vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const TEAM = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const TOPIC = 'com.example.herald';
const MINUTE = 60_000;
const logDir = mkdtempSync(join(tmpdir(), 'herald-apns-token-'));
const tls = createLocalTls();
const key = createApnsSigningKey();
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

const deviceToken = () => randomBytes(32).toString('hex');
const pushMessage = () => vendorMessage({ channel: 'push', to: `apns:${deviceToken()}` });
const vendors: ApnsVendor[] = [];
afterEach(() => {
  for (const vendor of vendors.splice(0)) vendor.close();
});

function vendorFor(url: string, overrides: Partial<ApnsVendorOptions> = {}): ApnsVendor {
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

describe('ApnsVendor provider token (injected clock)', () => {
  let nowMs = 0;
  let fakeNowMs = 0;
  let fake: ApnsFake;
  beforeAll(async () => {
    fake = await startApnsFake({
      name: 'apns-clock',
      teamId: TEAM,
      keyId: KEY_ID,
      publicKeyPem: key.publicKeyPem,
      topic: TOPIC,
      tls,
      logPath: join(logDir, 'apns-clock.jsonl'),
      now: () => fakeNowMs,
    });
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
