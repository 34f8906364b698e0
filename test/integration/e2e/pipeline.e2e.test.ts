/**
 * The whole pipeline through HTTP, all real: API Gateway emulator + ingest Lambda, Kafka, the MSK
 * event source mapping emulator + dispatch Lambda in its own process, Redis, mock vendors.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../support/engines.ts';
import {
  type E2eRuntime,
  inBatches,
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

describe('the local pipeline', () => {
  it('delivers 20 requests × 100 recipients: every recipient exactly once, every status sent', async () => {
    showOutputOnFailure(e2e as E2eRuntime);
    // Prepare
    const requests = Array.from({ length: 20 }, () => phoneNumbers(100));

    // Act
    const accepted = await inBatches(
      requests.map(
        (recipients) => () => sendMessage(e2e.runtime.apiUrl, recipients, { idempotencyKey: randomUUID() }),
      ),
      5,
    );
    const requestIds = new Set(accepted.map((a) => a.requestId));
    const sends = await waitUntilQuiescent(e2e, requestIds, 2_000);

    // Assess
    expect(accepted.map((a) => a.status)).toEqual(Array(20).fill(202));
    expect(requestIds.size).toBe(20);
    const counts = sendCounts(sends);
    expect(counts.size).toBe(2_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const expected = new Set(
      accepted.flatMap((a, i) => (requests[i] as string[]).map((to) => `${a.requestId}|${to}`)),
    );
    expect(new Set(counts.keys())).toEqual(expected);
    const statuses = await waitAllSent(e2e.runtime.apiUrl, [...requestIds]);
    expect(statuses.map((c) => `${c.sent}/${c.total}`)).toEqual(Array(20).fill('100/100'));
  }, 150_000);

  it('sends each recipient once when the client sends every request twice with the same Idempotency-Key', async () => {
    showOutputOnFailure(e2e as E2eRuntime);
    const requests = Array.from({ length: 5 }, () => ({ recipients: phoneNumbers(20), key: randomUUID() }));

    const firsts = await Promise.all(
      requests.map((r) =>
        sendMessage(e2e.runtime.apiUrl, r.recipients, { idempotencyKey: r.key, body: 'same body' }),
      ),
    );
    const seconds = await Promise.all(
      requests.map((r) =>
        sendMessage(e2e.runtime.apiUrl, r.recipients, { idempotencyKey: r.key, body: 'same body' }),
      ),
    );
    const requestIds = new Set([...firsts, ...seconds].map((a) => a.requestId));
    const sends = await waitUntilQuiescent(e2e, requestIds, 100);

    expect(seconds.map((s) => s.requestId)).toEqual(firsts.map((f) => f.requestId));
    expect(seconds.every((s) => s.status === 202 && s.replayed)).toBe(true);
    expect(sends).toHaveLength(100);
    expect([...sendCounts(sends).values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it('sends each recipient twice for two calls with the same body and no key: two separate requests', async () => {
    showOutputOnFailure(e2e as E2eRuntime);
    const recipients = phoneNumbers(30);

    const first = await sendMessage(e2e.runtime.apiUrl, recipients, { body: 'same body, no key' });
    const second = await sendMessage(e2e.runtime.apiUrl, recipients, { body: 'same body, no key' });
    const sends = await waitUntilQuiescent(e2e, new Set([first.requestId, second.requestId]), 60);

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.requestId).not.toBe(first.requestId);
    const perRecipient = new Map<string, number>();
    for (const send of sends) perRecipient.set(send.to, (perRecipient.get(send.to) ?? 0) + 1);
    expect(perRecipient.size).toBe(30);
    expect([...perRecipient.values()].every((n) => n === 2)).toBe(true);
  }, 120_000);
});
