/**
 * The receipt-timeout callback end to end on the real Kafka and Redis: ingest accepts a request of a
 * client with a webhook, dispatch sends both deliveries (its notifier adds them to the Redis receipt
 * timeouts), a receipt marks one `delivered`; then the callbacks app runs with its clock moved past
 * the 72 h (injected, not slept). The silent delivery gets exactly one signed `unknown` callback and
 * reads `unknown` from the store (a GET at the real time shows it); the delivered one gets none.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpVendor } from '../../../lambdas/adapters/http-vendor.ts';
import { createKafka } from '../../../lambdas/adapters/kafka-client.ts';
import { KafkaMessageProducer } from '../../../lambdas/adapters/kafka-message-producer.ts';
import { createRedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../../lambdas/adapters/redis-dedup-store.ts';
import { RedisIdempotencyStore } from '../../../lambdas/adapters/redis-idempotency-store.ts';
import { RedisStatusStore } from '../../../lambdas/adapters/redis-status-store.ts';
import { createCallbacksApp } from '../../../lambdas/callbacks/app.ts';
import { webhookWiring } from '../../../lambdas/callbacks/status-wiring.ts';
import {
  type CallbackEvent,
  CallbackHeader,
  DEFAULT_CALLBACK_RETRY,
  verifyCallback,
} from '../../../lambdas/core/callback.ts';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { RECEIPT_TIMEOUT_MS, RECEIPT_TIMEOUT_REASON } from '../../../lambdas/core/receipt-timeout.ts';
import { createDispatchApp } from '../../../lambdas/dispatch/app.ts';
import { createIngestApp } from '../../../lambdas/ingest/app.ts';
import { clientIdFromPrincipalArn } from '../../../lambdas/ingest/auth.ts';
import { messageStatus } from '../../../lambdas/ingest/request-schema.ts';
import { createReceiptsApp } from '../../../lambdas/receipts/app.ts';
import { type MockVendor, startMockVendor } from '../../../local/mock-vendor/mock-vendor.ts';
import { buildMskEvent, toPendingRecord } from '../../../local/msk-esm/msk-event.ts';
import {
  consumeRecords,
  createTestTopics,
  deleteTestTopics,
  testEngines,
  uniqueName,
} from '../../support/engines.ts';
import { taggedEvent } from '../../support/receipt-events.ts';
import { lambdaContext } from '../../unit/dispatch/support/deliveries.ts';
import { apiEvent, smsBody } from '../../unit/ingest/support/api-event.ts';
import { invoke, quietMetrics } from '../../unit/ingest/support/harness.ts';

const SECRET = 'whsec_timeout_0123456789';
const PRINCIPAL = 'arn:aws:sts::111122223333:assumed-role/orders-service/orders-service-session';
const clientId = clientIdFromPrincipalArn(PRINCIPAL);
const RECIPIENTS = ['+821012345678', '+821087654321'];
const logger = new Logger({ serviceName: 'herald-timeout-test', logLevel: 'SILENT' });
const topic = uniqueName('timeouts-in');
const keyPrefix = `${uniqueName('herald-timeouts')}:`;
const redis = createRedisClient({ url: testEngines().redisUrl, isCluster: false });
/** The callbacks Lambda's clock: moved past the receipt timeout by the test. */
const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

/** The client's webhook receiver: verifies each request (at the callbacks app's clock), records the events. */
const received: CallbackEvent[] = [];
let invalid = 0;
const server: Server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      timestamp: request.headers[CallbackHeader.timestamp] as string | undefined,
      signature: request.headers[CallbackHeader.signature] as string | undefined,
    };
    if (!verifyCallback(SECRET, headers, body, Math.floor(clock.now().getTime() / 1000))) {
      invalid += 1;
      response.writeHead(401).end();
      return;
    }
    received.push(JSON.parse(body) as CallbackEvent);
    response.writeHead(204).end();
  });
});

let vendors: MockVendor[] = [];
let producer: KafkaMessageProducer;

beforeAll(async () => {
  await createTestTopics([topic], 1);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const logPath = join(mkdtempSync(join(tmpdir(), 'herald-timeouts-')), 'vendor-deliveries.jsonl');
  vendors = await Promise.all(['sms-a', 'sms-b', 'sms-c'].map((name) => startMockVendor({ name, logPath })));
  const kafka = await createKafka({
    clientId: 'herald-timeout-test',
    brokers: testEngines().kafkaBrokers,
    auth: 'none',
    timeoutMs: 10_000,
  });
  producer = new KafkaMessageProducer({ kafka, timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  server.close();
  server.closeAllConnections();
  await Promise.all(vendors.map((v) => v.close()));
  await producer?.close();
  await deleteTestTopics([topic]).catch(() => undefined);
  await redis.quit();
});

describe('the receipt-timeout callback (real Kafka and Redis)', () => {
  it('sends one signed unknown callback for a sent delivery with no receipt after 72 h, and none for a delivered one', async () => {
    // Prepare: the pipeline, with one client's webhook on every Lambda that notifies
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const wiring = webhookWiring(
      redis,
      { keyPrefix, statusRetentionSeconds: 7 * 86_400 },
      new Map([[clientId, { url, secret: SECRET }]]),
    );
    const statuses = new RedisStatusStore(redis, { keyPrefix, retentionSeconds: 7 * 86_400 });
    const ingest = createIngestApp({
      producer,
      idempotency: new RedisIdempotencyStore(redis, { keyPrefix, windowSeconds: 60 }),
      statuses,
      topic,
      auth: { mode: 'iam' },
      logger,
      metrics: quietMetrics(),
    });
    const dispatch = createDispatchApp({
      dedup: new RedisDedupStore(redis, { keyPrefix, windowSeconds: 3_600, leaseMs: 60_000 }),
      deadLetters: { send: async () => undefined } as never,
      statuses,
      vendors: vendors.map((mock) => ({
        vendor: new HttpVendor({ name: mock.name, url: mock.url, timeoutMs: 2_000 }),
        timeoutMs: 2_000,
        guard: { maxConcurrent: 8, failureThreshold: 1_000, halfOpenAfterMs: 30_000 },
      })),
      tiers: {
        sms: {
          primary: { name: 'sms-a', weight: 100 },
          secondary: { name: 'sms-b', weight: 0 },
          tertiary: { name: 'sms-c', weight: 0 },
        },
      },
      ambiguousRetryPolicy: 'hold',
      claimLeaseMs: 60_000,
      reportBatchItemFailures: true,
      callbacks: wiring.notifier,
      logger,
      metrics: quietMetrics(),
    });
    const receipts = createReceiptsApp({
      statuses,
      logger,
      metrics: quietMetrics(),
      callbacks: wiring.notifier,
    });
    const callbacks = createCallbacksApp({
      queue: wiring.queue,
      webhooks: wiring.webhooks,
      receiptTimeouts: { store: wiring.receiptTimeouts, statuses, notifier: wiring.notifier },
      retry: DEFAULT_CALLBACK_RETRY,
      logger,
      metrics: quietMetrics(),
      clock: clock.now,
    });
    const runCallbacks = () => callbacks({}, lambdaContext());

    // Act: accept, dispatch, a receipt for the second delivery
    const accepted = await invoke(ingest, apiEvent({ body: smsBody(RECIPIENTS), principalArn: PRINCIPAL }));
    expect(accepted.statusCode).toBe(202);
    const requestId = String(accepted.json.requestId);
    const [silent, delivered] = RECIPIENTS.map((r) => deliveryIdFor(requestId, r)) as [string, string];
    const records = await consumeRecords(topic, 2);
    const event = buildMskEvent(
      records.map((r) => toPendingRecord(topic, r.partition, r.message)),
      {
        eventSourceArn:
          'arn:aws:kafka:us-east-1:123456789012:cluster/herald-test/00000000-0000-0000-0000-000000000000-1',
        bootstrapServers: testEngines().kafkaBrokers,
      },
    );
    expect((await dispatch(event, lambdaContext())).batchItemFailures).toEqual([]);
    await receipts(
      taggedEvent('eum-sms-text-delivered', { deliveryId: delivered, requestId, clientId }),
      lambdaContext(),
    );
    const sentAtMs = Date.now();

    clock.offsetMs = RECEIPT_TIMEOUT_MS - 60_000;
    const early = await runCallbacks();
    const earlyEvents = received.map((e) => [e.deliveryId, e.state]);
    clock.offsetMs = sentAtMs - Date.now() + RECEIPT_TIMEOUT_MS + 2_000;
    const late = await runCallbacks();
    const again = await runCallbacks();
    clock.offsetMs = 0;
    const read = messageStatus.parse(
      (
        await invoke(
          ingest,
          apiEvent({ method: 'GET', path: `/v1/messages/${requestId}`, principalArn: PRINCIPAL }),
        )
      ).json,
    );

    // Assess
    expect(early.unknown).toBe(0);
    expect(earlyEvents).toEqual([[delivered, 'delivered']]);
    expect(late).toMatchObject({ unknown: 1, delivered: 1 });
    expect(again).toMatchObject({ unknown: 0, delivered: 0 });
    expect(invalid).toBe(0);
    expect(received.map((e) => [e.deliveryId, e.state])).toEqual([
      [delivered, 'delivered'],
      [silent, 'unknown'],
    ]);
    expect(received[1]).toMatchObject({ requestId, reason: RECEIPT_TIMEOUT_REASON, vendor: 'sms-a' });
    // Stored, not only shown: a GET at the real time (before any 72 h) reads it.
    expect(read.recipients.map((r) => [r.position, r.state])).toEqual([
      [0, 'unknown'],
      [1, 'delivered'],
    ]);
  });
});
