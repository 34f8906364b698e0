/**
 * SMS, e-mail and push through `npm start`'s default vendors, all real: the API, Kafka, the dispatch
 * Lambda in its own process building the providers' clients from HERALD_VENDORS, and the local EUM SMS,
 * SES, FCM and APNs fakes over their wire protocols (AWS JSON 1.0, REST-JSON, FCM v1 REST with its OAuth
 * token endpoint, HTTP/2 over TLS with a JWT), which do not dedupe.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../support/engines.ts';
import {
  type E2eRuntime,
  phoneNumbers,
  sendCounts,
  sendMessage,
  showOutputOnFailure,
  startE2eRuntime,
  waitAllSent,
  waitUntilQuiescent,
} from './support/e2e-runtime.ts';

let e2e: E2eRuntime;

beforeAll(async () => {
  const { kafkaBrokers, redisUrl } = testEngines();
  e2e = await startE2eRuntime(kafkaBrokers, redisUrl);
});

afterAll(async () => {
  await e2e?.stop();
});

afterEach(async () => {
  await Promise.all(
    e2e.runtime.vendors.map((vendor) => fetch(`${vendor.adminUrl}/faults/reset`, { method: 'POST' })),
  );
});

async function send(channel: 'sms' | 'push' | 'email', recipients: readonly string[]): Promise<string> {
  const options = { channel, title: 'Herald', body: 'Your code is 123456', idempotencyKey: randomUUID() };
  const answer = await sendMessage(e2e.runtime.apiUrl, recipients, options);
  if (answer.status !== 202) throw new Error(`POST /v1/messages: HTTP ${answer.status}`);
  return answer.requestId;
}

const vendorsOf = (sends: ReadonlyArray<{ vendor: string }>) => new Set(sends.map((s) => s.vendor));
const admin = (name: string) => e2e.runtime.vendors.find((v) => v.name === name)?.adminUrl;
const fcmTokens = (n: number) =>
  Array.from({ length: n }, (_, i) => `fcm:${randomUUID().replaceAll('-', '')}:APA91b${i}`);
const apnsTokens = (n: number) =>
  Array.from(
    { length: n },
    () => `apns:${randomUUID().replaceAll('-', '')}${randomUUID().replaceAll('-', '')}`,
  );

describe('real channels through the local provider fakes', () => {
  it('delivers sms through the EUM fakes and e-mail through the SES fakes, each recipient once', async () => {
    showOutputOnFailure(e2e);
    const phones = phoneNumbers(100);
    const addresses = Array.from(
      { length: 100 },
      (_, i) => `user${i}.${randomUUID().slice(0, 8)}@example.org`,
    );

    const smsRequest = await send('sms', phones);
    const emailRequest = await send('email', addresses);
    const sends = await waitUntilQuiescent(e2e, new Set([smsRequest, emailRequest]), 200);

    const sms = sends.filter((s) => s.requestId === smsRequest);
    const mail = sends.filter((s) => s.requestId === emailRequest);
    expect(new Set(sms.map((s) => s.to))).toEqual(new Set(phones));
    expect(new Set(mail.map((s) => s.to))).toEqual(new Set(addresses));
    expect([...sendCounts(sends).values()].every((n) => n === 1)).toBe(true);
    expect([...vendorsOf(sms)].every((name) => /^sms-[abc]$/.test(name))).toBe(true);
    expect([...vendorsOf(mail)].every((name) => /^email-[abc]$/.test(name))).toBe(true);
    const statuses = await waitAllSent(e2e.runtime.apiUrl, [smsRequest, emailRequest]);
    expect(statuses.map((c) => `${c.sent}/${c.total}`)).toEqual(['100/100', '100/100']);
  });

  it('delivers fcm: recipients through the FCM fake and apns: ones through the APNs fake, each once', async () => {
    showOutputOnFailure(e2e);
    const fcm = fcmTokens(50);
    const apns = apnsTokens(50);

    // One request mixing both services: the tiers are FCM, APNs and the mock (which serves both).
    const requestId = await send('push', [...fcm, ...apns]);
    const sends = await waitUntilQuiescent(e2e, new Set([requestId]), 100);

    expect(new Set(sends.map((s) => s.to))).toEqual(new Set([...fcm, ...apns]));
    expect([...sendCounts(sends).values()].every((n) => n === 1)).toBe(true);
    const fcmSends = sends.filter((s) => s.to.startsWith('fcm:'));
    const apnsSends = sends.filter((s) => s.to.startsWith('apns:'));
    // A vendor never gets a recipient of a service it does not serve.
    expect([...vendorsOf(fcmSends)].every((name) => name === 'push-a' || name === 'push-c')).toBe(true);
    expect([...vendorsOf(apnsSends)].every((name) => name === 'push-b' || name === 'push-c')).toBe(true);
    // Both fakes take sends (the mock's 10% weight takes the rest), over their own protocols.
    expect(fcmSends.some((s) => s.vendor === 'push-a')).toBe(true);
    expect(apnsSends.some((s) => s.vendor === 'push-b')).toBe(true);
    const statuses = await waitAllSent(e2e.runtime.apiUrl, [requestId]);
    expect(statuses.map((c) => `${c.sent}/${c.total}`)).toEqual(['100/100']);
  });

  it('fails over from an unavailable FCM and APNs to the vendor that serves both, sending each recipient once', async () => {
    showOutputOnFailure(e2e);
    await fetch(`${admin('push-a')}/faults`, { method: 'PUT', body: JSON.stringify({ down: true }) });
    await fetch(`${admin('push-b')}/faults`, { method: 'PUT', body: JSON.stringify({ down: true }) });
    const recipients = [...fcmTokens(20), ...apnsTokens(20)];

    const requestId = await send('push', recipients);
    const sends = await waitUntilQuiescent(e2e, new Set([requestId]), 40);

    expect(sends.every((s) => s.vendor === 'push-c')).toBe(true);
    expect(new Set(sends.map((s) => s.to))).toEqual(new Set(recipients));
    expect(sends).toHaveLength(40);
  });

  it('fails over from a throttling EUM vendor and one whose account is disabled, sending each recipient once', async () => {
    showOutputOnFailure(e2e);
    await fetch(`${admin('sms-a')}/faults`, { method: 'PUT', body: JSON.stringify({ throttleRate: 1 }) });
    await fetch(`${admin('sms-b')}/faults`, {
      method: 'PUT',
      body: JSON.stringify({ failWith: 'AccessDeniedException:ACCOUNT_DISABLED' }),
    });
    const phones = phoneNumbers(60);

    const requestId = await send('sms', phones);
    const sends = await waitUntilQuiescent(e2e, new Set([requestId]), 60);

    expect(sends.every((s) => s.vendor === 'sms-c')).toBe(true);
    expect(new Set(sends.map((s) => s.to))).toEqual(new Set(phones));
    expect(sends).toHaveLength(60);
  });
});
