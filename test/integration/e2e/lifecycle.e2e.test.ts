/**
 * The whole life of a message through `npm start`'s default vendors, all real: the API, Kafka, the
 * dispatch Lambda sending through the official SES and EUM SMS clients to the local fakes, which
 * publish the providers' receipt events (SES mailbox simulator, SMS simulator numbers) to the local
 * event bus; the receipts Lambda moves each status to its final state; the callbacks Lambda, on its
 * schedule, POSTs a signed event per final state to the client's webhook, which verifies each one as
 * the README says (HMAC-SHA256 over `<timestamp>.<raw body>`, constant-time compare, 5-minute window).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisReceiptTimeouts } from '../../../lambdas/adapters/redis-receipt-timeouts.ts';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { EnvKey } from '../../../lambdas/shared/env-keys.ts';
import { startRuntime } from '../../../local/runtime/runtime.ts';
import { createTestTopics, testEngines, uniqueName } from '../../support/engines.ts';
import {
  E2E_CLAIM_LEASE_MS,
  E2E_TOKEN,
  type E2eRuntime,
  recipientStatuses,
  sendMessage,
  showOutputOnFailure,
} from './support/e2e-runtime.ts';

const CLIENT = 'e2e-client';
const SECRET = 'whsec_e2e_lifecycle_0123456789';

/** A signed callback as the receiver got it. */
interface ReceivedEvent {
  readonly id: string;
  readonly requestId: string;
  readonly deliveryId: string;
  readonly state: string;
  readonly reason?: string;
  readonly vendor?: string;
}

/** The client's webhook receiver: verifies each request as the README says, records what it got. */
class WebhookReceiver {
  readonly events: ReceivedEvent[] = [];
  rejected = 0;
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks); // (1) the raw body, before any parsing
        const timestamp = String(request.headers['herald-timestamp'] ?? '');
        const signature = String(request.headers['herald-signature'] ?? '');
        // (2) HMAC-SHA256(secret, `${timestamp}.${body}`), compared in constant time
        const expected = Buffer.from(
          `v1=${createHmac('sha256', SECRET).update(`${timestamp}.`).update(raw).digest('hex')}`,
        );
        const given = Buffer.from(signature);
        const isSigned = given.length === expected.length && timingSafeEqual(given, expected);
        // (3) a timestamp more than 5 minutes off is a replay
        const isFresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
        if (!isSigned || !isFresh) {
          this.rejected++;
          response.writeHead(401).end();
          return;
        }
        const event = JSON.parse(raw.toString('utf8')) as ReceivedEvent;
        if (request.headers['herald-event-id'] !== event.id) {
          this.rejected++;
          response.writeHead(400).end();
          return;
        }
        this.events.push(event);
        response.writeHead(204).end(); // (4) answer 2xx quickly
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/herald`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

const receiver = new WebhookReceiver();
let e2e: E2eRuntime;
let dir: string;

beforeAll(async () => {
  const { kafkaBrokers, redisUrl } = testEngines();
  await receiver.start();
  const deliveriesTopic = uniqueName('e2e-life');
  const deadLetterTopic = uniqueName('e2e-life-dlq');
  await createTestTopics([deliveriesTopic], 3);
  await createTestTopics([deadLetterTopic], 1);
  dir = mkdtempSync(join(tmpdir(), 'herald-e2e-life-'));
  const keyPrefix = `${uniqueName('e2e-life')}:`;
  const runtime = await startRuntime({
    kafkaBrokers,
    redisUrl,
    runDir: join(dir, 'run'),
    apiPort: 0,
    apiTokens: `${E2E_TOKEN}=${CLIENT}`,
    vendorLogPath: join(dir, 'vendor-deliveries.jsonl'),
    deliveriesTopic,
    deadLetterTopic,
    keyPrefix,
    logLevel: 'WARN',
    // Why few, quick retries: the mapping gives a record up (to the on-failure destination) in seconds.
    esm: {
      consumerGroupId: uniqueName('e2e-life-dispatch'),
      maximumRetryAttempts: 2,
      retryBackoffMs: { initial: 100, max: 500 },
    },
    functionEnvironment: { [EnvKey.claimLeaseMs]: String(E2E_CLAIM_LEASE_MS) },
    // As `npm start` with HERALD_CALLBACKS set; the schedule runs every second instead of every minute.
    callbacksJson: JSON.stringify({ [CLIENT]: { url: receiver.url, secret: SECRET } }),
    callbacksIntervalMs: 1_000,
    log: () => undefined,
    outputFile: join(dir, 'runtime.log'),
  });
  e2e = {
    runtime,
    vendorLogPath: join(dir, 'vendor-deliveries.jsonl'),
    deliveriesTopic,
    deadLetterTopic,
    keyPrefix,
    highPriorityTopic: `${deliveriesTopic}.high`,
    outputFile: join(dir, 'runtime.log'),
    stop: () => runtime.stop(),
  };
});

afterAll(async () => {
  await e2e?.stop();
  await receiver.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function send(channel: 'sms' | 'email', recipients: readonly string[]): Promise<string> {
  const options = { channel, title: 'Herald', body: 'Your code is 123456', idempotencyKey: randomUUID() };
  const answer = await sendMessage(e2e.runtime.apiUrl, recipients, options);
  if (answer.status !== 202) throw new Error(`POST /v1/messages: HTTP ${answer.status}`);
  return answer.requestId;
}

/** Polls GET /v1/messages/{id} until no recipient reads queued or sent (or the time is up). */
async function waitFinal(requestId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await recipientStatuses(e2e.runtime.apiUrl, requestId);
    const isFinal = statuses.every((s) => !['queued', 'sent'].includes(s.state));
    if (isFinal || Date.now() > deadline) return statuses.sort((a, b) => a.position - b.position);
    await sleep(500);
  }
}

/** Polls the receiver until it has a callback for each of `deliveryIds` (or the time is up). */
async function waitCallbacks(deliveryIds: readonly string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  const got = () => deliveryIds.map((id) => receiver.events.find((event) => event.deliveryId === id));
  while (got().some((event) => !event) && Date.now() < deadline) await sleep(250);
  return got();
}

describe('the whole life of a message', () => {
  it('ends e-mails delivered and bounced, an SMS delivered, and calls the webhook for each final state', async () => {
    showOutputOnFailure(e2e);
    const emails = ['success@simulator.amazonses.com', 'bounce@simulator.amazonses.com'];
    const phones = ['+14254147755', `+8210${Math.floor(10_000_000 + Math.random() * 80_000_000)}`];

    const emailRequest = await send('email', emails);
    const smsRequest = await send('sms', phones);
    const emailStatuses = await waitFinal(emailRequest);
    const smsStatuses = await waitFinal(smsRequest);

    expect(emailStatuses.map(({ state, reason }) => ({ state, reason }))).toEqual([
      { state: 'delivered', reason: 'delivered: smtp 250' },
      { state: 'bounced', reason: 'Permanent/General 5.1.1' },
    ]);
    expect(emailStatuses.every((s) => /^email-[abc]$/.test(s.vendor ?? ''))).toBe(true);
    expect(smsStatuses.map((s) => s.state)).toEqual(['delivered', 'delivered']);
    expect(smsStatuses[0]?.reason).toBe('DELIVERED: Message has been accepted by phone');

    const expected = [
      ...emails.map((to, i) => ({ requestId: emailRequest, to, state: emailStatuses[i]?.state })),
      ...phones.map((to, i) => ({ requestId: smsRequest, to, state: smsStatuses[i]?.state })),
    ].map((e) => ({ ...e, deliveryId: deliveryIdFor(e.requestId, e.to) }));
    const callbacks = await waitCallbacks(expected.map((e) => e.deliveryId));

    expect(receiver.rejected).toBe(0);
    expect(callbacks.map((event) => event && { requestId: event.requestId, state: event.state })).toEqual(
      expected.map(({ requestId, state }) => ({ requestId, state })),
    );
    expect(callbacks[1]?.reason).toBe('Permanent/General 5.1.1');
    expect(callbacks.every((event) => event?.id.startsWith('evt_'))).toBe(true);
    // The dispatch Lambda put each sent delivery of this webhook client in the receipt-timeout store,
    // due 72 h later (for the `unknown` callback, should no receipt come); a take 73 h on finds them.
    const redis = createRedisClient({ url: testEngines().redisUrl, isCluster: false });
    try {
      const store = new RedisReceiptTimeouts(redis, { keyPrefix: e2e.keyPrefix, clientIds: [CLIENT] });
      const batch = await store.takeDue(Date.now() + 73 * 3_600_000, 1_000);
      const waiting = new Set(batch.entries.map((entry) => entry.deliveryId));
      for (const { deliveryId } of expected) expect(waiting.has(deliveryId), deliveryId).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it('ends an SMS to the simulator failure number undeliverable, with the provider reason, and calls back', async () => {
    showOutputOnFailure(e2e);

    const requestId = await send('sms', ['+14254147167']);
    const [status] = await waitFinal(requestId);
    const [callback] = await waitCallbacks([deliveryIdFor(requestId, '+14254147167')]);

    expect(status).toMatchObject({
      state: 'undeliverable',
      reason: 'CARRIER_UNREACHABLE: Carrier is unreachable',
    });
    expect(callback).toMatchObject({ requestId, state: 'undeliverable' });
  });

  it('records a delivery the mapping gives up on as failed (retries exhausted) and calls back', async () => {
    showOutputOnFailure(e2e);
    const sms = e2e.runtime.vendors.filter((vendor) => vendor.name.startsWith('sms-'));
    const faults = (body: string) =>
      Promise.all(sms.map((v) => fetch(`${v.adminUrl}/faults`, { method: 'PUT', body })));
    await faults('{"down":true}');

    try {
      const to = `+8210${Math.floor(10_000_000 + Math.random() * 80_000_000)}`;
      const requestId = await send('sms', [to]);
      const [status] = await waitFinal(requestId);
      const [callback] = await waitCallbacks([deliveryIdFor(requestId, to)]);

      expect(status).toMatchObject({ state: 'failed', reason: 'retries exhausted' });
      expect(callback).toMatchObject({ requestId, state: 'failed', reason: 'retries exhausted' });
    } finally {
      await faults('{"down":false}');
    }
  });
});
