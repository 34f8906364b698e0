/**
 * SMS and e-mail through `npm start`'s default vendors, all real: the API, Kafka, the dispatch Lambda in
 * its own process building the official AWS SDK clients from HERALD_VENDORS, and the local EUM SMS and
 * SES fakes over their wire protocols (AWS JSON 1.0, REST-JSON), which do not dedupe.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../support/engines.ts';
import {
  E2E_TOKEN,
  type E2eRuntime,
  phoneNumbers,
  sendCounts,
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

async function send(channel: 'sms' | 'email', recipients: readonly string[]): Promise<string> {
  for (;;) {
    const response = await fetch(`${e2e.runtime.apiUrl}/v1/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${E2E_TOKEN}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        channel,
        recipients,
        content: { title: 'Herald', body: 'Your code is 123456' },
      }),
    });
    if (response.status === 202) return ((await response.json()) as { requestId: string }).requestId;
    if (response.status !== 503) throw new Error(`POST /v1/messages: HTTP ${response.status}`);
    await sleep(200);
  }
}

const vendorsOf = (sends: ReadonlyArray<{ vendor: string }>) => new Set(sends.map((s) => s.vendor));

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

  it('fails over from a throttling EUM vendor and one whose account is disabled, sending each recipient once', async () => {
    showOutputOnFailure(e2e);
    const admin = (name: string) => e2e.runtime.vendors.find((v) => v.name === name)?.adminUrl;
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
