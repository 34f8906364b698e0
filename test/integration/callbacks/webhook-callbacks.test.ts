/**
 * Callbacks end to end: receipts and a dead letter drive deliveries to every final state; the
 * notifier queues signed callbacks in the real Redis; the deliverer POSTs them to a webhook receiver
 * that is down for "5 minutes" (time scaled 1:100, so 3 s, with the retry policy scaled the same way)
 * and then comes back. The receiver verifies every signature and sees each final state.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCallbackQueue } from '../../../lambdas/adapters/redis-callback-queue.ts';
import { createRedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { deliverDueCallbacks } from '../../../lambdas/callbacks/app.ts';
import { queueingNotifier } from '../../../lambdas/callbacks/callback-notifier.ts';
import {
  type CallbackEvent,
  CallbackHeader,
  callbackEventId,
  verifyCallback,
} from '../../../lambdas/core/callback.ts';
import { encodeDelivery } from '../../../lambdas/core/send-request.ts';
import { createDeadLettersApp } from '../../../lambdas/dead-letters/app.ts';
import { createReceiptsApp } from '../../../lambdas/receipts/app.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { testEngines, uniqueName } from '../../support/engines.ts';
import { taggedEvent } from '../../support/receipt-events.ts';
import { lambdaContext, makeDelivery, mskEventOf } from '../../unit/dispatch/support/deliveries.ts';
import { quietMetrics } from '../../unit/ingest/support/harness.ts';

const SCALE = 1 / 100;
const DOWN_MS = 5 * 60_000 * SCALE;
const SECRET = 'whsec_test_0123456789';
const clientId = 'shop';
const redis = createRedisClient({ url: testEngines().redisUrl, isCluster: false });
const queue = new RedisCallbackQueue(redis, { keyPrefix: `${uniqueName('herald-callbacks')}:` });
const logger = new Logger({ serviceName: 'herald-callbacks-test', logLevel: 'SILENT' });

/** The caller's webhook receiver: verifies each request as the README says, records what it got. */
class Receiver {
  readonly events: CallbackEvent[] = [];
  invalid = 0;
  requests = 0;
  port = 0;
  #server: Server | undefined;

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests += 1;
        const body = Buffer.concat(chunks).toString('utf8');
        const isValid = verifyCallback(
          SECRET,
          {
            timestamp: request.headers[CallbackHeader.timestamp] as string | undefined,
            signature: request.headers[CallbackHeader.signature] as string | undefined,
          },
          body,
          Math.floor(Date.now() / 1000),
        );
        if (!isValid) {
          this.invalid += 1;
          response.writeHead(401).end();
          return;
        }
        const event = JSON.parse(body) as CallbackEvent;
        expect(request.headers[CallbackHeader.eventId]).toBe(event.id);
        this.events.push(event);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server?.closeAllConnections();
  }
}

const receiver = new Receiver();
let isRunning = true;

afterAll(async () => {
  isRunning = false;
  await receiver.stop();
  await redis.quit();
});

describe('webhook callbacks', () => {
  it('delivers a verified callback for every final state after the receiver is back from 5 minutes down', async () => {
    await receiver.start();
    await receiver.stop(); // down from here on
    const statuses = new InMemoryStatusStore();
    const notifier = queueingNotifier(queue, new Set([clientId]));
    // A request id as ingest makes them (64 hex digits): the status store keys records by it.
    const requestId = randomBytes(32).toString('hex');
    const deliveries = [
      'recipient@example.com',
      '+15550000001',
      '+15550000002',
      '+15550000003',
      '+15550000004',
    ].map((recipient) => makeDelivery({ requestId, recipient, clientId }));
    const [email, delivered, blocked, unknown, deadLettered] = deliveries as [
      (typeof deliveries)[number],
      (typeof deliveries)[number],
      (typeof deliveries)[number],
      (typeof deliveries)[number],
      (typeof deliveries)[number],
    ];
    const at = new Date().toISOString();
    await statuses.recordAccepted({
      requestId,
      clientId,
      acceptedAt: at,
      deliveries: deliveries.map((d, position) => ({ position, deliveryId: d.deliveryId })),
    });
    await statuses.recordUpdates(
      deliveries
        .slice(0, 4)
        .map((d) => ({ requestId, clientId, deliveryId: d.deliveryId, state: 'sent', vendor: 'v', at })),
    );
    const receipts = createReceiptsApp({ statuses, logger, metrics: quietMetrics(), callbacks: notifier });
    const deadLetters = createDeadLettersApp({
      statuses,
      logger,
      metrics: quietMetrics(),
      callbacks: notifier,
    });
    const ids = (d: (typeof deliveries)[number]) => ({ deliveryId: d.deliveryId, requestId, clientId });

    await receipts(taggedEvent('ses-bounce', ids(email)), lambdaContext());
    await receipts(taggedEvent('eum-sms-text-delivered', ids(delivered)), lambdaContext());
    await receipts(
      taggedEvent('eum-sms-text-delivered', ids(blocked), { eventType: 'TEXT_BLOCKED' }),
      lambdaContext(),
    );
    await receipts(
      taggedEvent('eum-sms-text-delivered', ids(unknown), { eventType: 'TEXT_UNKNOWN' }),
      lambdaContext(),
    );
    // A repeated receipt changes no state and queues nothing new.
    await receipts(taggedEvent('eum-sms-text-delivered', ids(delivered)), lambdaContext());
    await deadLetters(
      mskEventOf([
        {
          offset: 0,
          value: Buffer.from(encodeDelivery(deadLettered).value),
          headers: { 'lambda-esm-condition': Buffer.from('RetryAttemptsExhausted') },
        },
      ]),
      lambdaContext(),
    );
    const deps = {
      queue,
      webhooks: new Map([
        [clientId, { url: `http://127.0.0.1:${receiver.port}/hooks/herald`, secret: SECRET }],
      ]),
      retry: {
        initialDelayMs: 5_000 * SCALE,
        maxDelayMs: 3_600_000 * SCALE,
        giveUpAfterMs: 26 * 3_600_000 * SCALE,
      },
      timeoutMs: 500,
      logger,
      metrics: quietMetrics(),
    };
    const startedMs = Date.now();
    let retried = 0;
    const deliverer = (async () => {
      while (isRunning && receiver.events.length < deliveries.length) {
        retried += (await deliverDueCallbacks(deps, () => 60_000)).retried;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    const retriedWhileDown = retried;
    await receiver.start(); // back up on the same port
    await Promise.race([
      deliverer,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no callbacks')), 30_000)),
    ]);

    expect(retriedWhileDown).toBeGreaterThan(0);
    expect(receiver.invalid).toBe(0);
    const byDelivery = new Map(receiver.events.map((e) => [e.deliveryId, e]));
    expect(Object.fromEntries([...byDelivery].map(([id, e]) => [id, e.state]))).toEqual({
      [email.deliveryId]: 'bounced',
      [delivered.deliveryId]: 'delivered',
      [blocked.deliveryId]: 'undeliverable',
      [unknown.deliveryId]: 'unknown',
      [deadLettered.deliveryId]: 'failed',
    });
    expect(byDelivery.get(deadLettered.deliveryId)?.reason).toBe('retries exhausted');
    // At least once: a repeat carries the same id, derived from the delivery and its state.
    for (const event of receiver.events)
      expect(event.id).toBe(callbackEventId(event.deliveryId, event.state));
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(DOWN_MS);
  }, 60_000);
});
