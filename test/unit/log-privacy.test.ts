/**
 * No recipient and no message body in any log line above debug, from either app. Both apps run on
 * fakes with a Powertools Logger at DEBUG whose output is captured; the batches and requests walk
 * every logged decision (sent, failover, rejection, poison, retry, suppressed duplicate, side-effect
 * failures; accepted, replayed, refused, in conflict, unavailable, status read), with the recipients
 * and body planted where a careless log would pick them up (a poison record's value, a vendor
 * error's message, a refused request's body).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deliveryIdFor } from '../../lambdas/core/delivery.ts';
import { encodeDelivery } from '../../lambdas/core/send-request.ts';
import type { Vendor } from '../../lambdas/ports/vendor.ts';
import { FakeVendor } from '../fakes/fake-vendor.ts';
import { makeDelivery, mskEventOf } from './dispatch/support/deliveries.ts';
import { fakeDispatch } from './dispatch/support/harness.ts';
import { apiEvent, smsBody } from './ingest/support/api-event.ts';
import { fakeIngest } from './ingest/support/harness.ts';

const BODY = 'Zebra passphrase 918273 for Kim';
const SECRETS = [
  '+15550001111',
  '5550001111',
  '+15550002222',
  '+15550009999',
  '+15550007777',
  '+821099998888',
  '1099998888',
  'kim.secret@example.com',
  BODY,
  'Zebra passphrase',
  '918273',
];

/** One captured log entry. */
type Entry = Record<string, unknown> & { level: string; message: string };

/** Captures what Powertools Logger writes to stdout and stderr, one entry per write. */
function captureLogs(): () => Entry[] {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return () => {
    vi.restoreAllMocks();
    return chunks.map((chunk) => JSON.parse(chunk) as Entry);
  };
}

const debugLogger = (serviceName: string) => new Logger({ serviceName, logLevel: 'DEBUG' });

/** Entries above debug that contain any secret, with the secret found. */
function leaks(entries: readonly Entry[]): { message: string; secret: string }[] {
  return entries
    .filter((entry) => entry.level !== 'DEBUG')
    .flatMap((entry) => {
      const text = JSON.stringify(entry);
      return SECRETS.filter((secret) => text.includes(secret)).map((secret) => ({
        message: entry.message,
        secret,
      }));
    });
}

afterEach(() => vi.restoreAllMocks());

describe('dispatch logs', () => {
  it('carry no recipient or body above debug, whatever happens to a batch', async () => {
    const a = new FakeVendor('sms-a', { rejectTo: ['+15550009999'] });
    // An adapter bug: it throws with the recipient in the message.
    const throwing: Vendor = {
      name: 'sms-b',
      send: async (message) => {
        if (message.to === '+15550007777') throw new Error(`cannot reach ${message.to}: ${message.body}`);
        return { kind: 'unavailable', reason: 'sms-b: HTTP 503 unavailable' };
      },
    };
    const c = new FakeVendor('sms-c', { down: true });
    const entry = (vendor: Vendor) => ({
      vendor,
      timeoutMs: 1_000,
      guard: { maxConcurrent: 4, failureThreshold: 1_000, halfOpenAfterMs: 30_000 },
    });
    const aFailingOne: Vendor = {
      name: 'sms-a',
      send: async (message, signal) =>
        message.to === '+15550007777'
          ? { kind: 'unavailable', reason: 'sms-a: HTTP 503 unavailable' }
          : a.send(message, signal),
    };
    const logs = captureLogs();
    const { invoke, statuses, dedup } = fakeDispatch({
      logger: debugLogger('herald-dispatch-test'),
      vendors: [entry(aFailingOne), entry(throwing), entry(c)],
    });
    const sent = makeDelivery({ recipient: '+15550001111', content: { body: BODY } });
    const emailed = makeDelivery({
      recipient: 'kim.secret@example.com',
      channel: 'email',
      content: { body: BODY },
    });
    const rejected = makeDelivery({ recipient: '+15550009999', content: { body: BODY } });
    const ambiguous = makeDelivery({ recipient: '+15550007777', content: { body: BODY } });
    const mismatched = { ...makeDelivery({ recipient: '+15550002222', content: { body: BODY } }) };
    const poison = encodeDelivery({ ...mismatched, deliveryId: deliveryIdFor('another', '+15550002222') });
    const event = mskEventOf([
      { offset: 0, delivery: sent },
      { offset: 1, delivery: sent },
      { offset: 2, delivery: emailed },
      { offset: 3, delivery: rejected },
      { offset: 4, delivery: ambiguous },
      { offset: 5, value: Buffer.from(poison.value), key: Buffer.from(poison.key) },
    ]);

    await invoke(event);
    statuses.isUnavailable = true;
    const mark = dedup.mark.bind(dedup);
    dedup.mark = async () => {
      throw new Error('simulated: Redis unavailable');
    };
    await invoke(
      mskEventOf([
        { offset: 6, delivery: makeDelivery({ recipient: '+15550001111', content: { body: BODY } }) },
      ]),
    );
    dedup.mark = mark;
    await invoke(event);
    const entries = logs();

    expect(leaks(entries)).toEqual([]);
    const messages = new Set(entries.filter((e) => e.level !== 'DEBUG').map((e) => e.message));
    for (const decision of [
      'delivery failed permanently',
      'poison record dead-lettered',
      'record will be retried',
      'duplicate suppressed',
      'batch dispatched',
      'batch side effect failed: marks',
      'batch side effect failed: statuses',
    ]) {
      expect(messages).toContain(decision);
    }
    // The capture sees what debug is allowed to hold, so an empty scan means clean, not deaf.
    expect(entries.some((e) => e.level === 'DEBUG')).toBe(true);
  });
});

describe('ingest logs', () => {
  it('carry no recipient or body above debug, whatever a request meets', async () => {
    const logs = captureLogs();
    const ingest = fakeIngest({ logger: debugLogger('herald-ingest-test') });
    const keyed = (key: string, body: unknown) => apiEvent({ body, headers: { 'idempotency-key': key } });
    const good = smsBody(['+821099998888', '+15550001111'], BODY);

    const accepted = await ingest.call(keyed('k-1', good));
    await ingest.call(keyed('k-1', good));
    await ingest.call(keyed('k-1', smsBody(['+821099998888'], 'another body')));
    await ingest.call(apiEvent({ body: smsBody(['1099998888'], BODY) }));
    await ingest.call(apiEvent({ body: `{"recipients":["+15550002222"],"content":{"body":"${BODY}"` }));
    await ingest.call(
      apiEvent({ body: { channel: 'email', recipients: ['kim.secret@example.com'], content: {} } }),
    );
    await ingest.call(apiEvent({ method: 'GET', path: `/v1/messages/${accepted.json.requestId}` }));
    ingest.producer.failNextSends(1);
    await ingest.call(apiEvent({ body: good }));
    ingest.statuses.isUnavailable = true;
    await ingest.call(apiEvent({ body: good }));
    await ingest.call(apiEvent({ method: 'GET', path: `/v1/messages/${accepted.json.requestId}` }));
    const entries = logs();

    expect(leaks(entries)).toEqual([]);
    const messages = new Set(entries.filter((e) => e.level !== 'DEBUG').map((e) => e.message));
    for (const decision of ['accepted', 'replayed', 'request refused']) expect(messages).toContain(decision);
    expect(entries.filter((e) => e.level === 'ERROR' || e.level === 'WARN').length).toBeGreaterThan(0);
  });
});
