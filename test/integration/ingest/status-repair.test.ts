/**
 * Status reads never 404 after acceptance, on the real Kafka and Redis: the ingest app (real producer,
 * RedisStatusStore behind a wrapper that refuses accept writes) and the dispatch app (real Redis stores,
 * mock vendors over HTTP) share one key prefix and topic. A request whose `queued` write fails on its
 * first tries reads after the retry; one whose every try fails is rebuilt by dispatch's status writes,
 * from what the delivery records carry, at the right positions with the right states. A delivery sent
 * 72 h before the ingest app's clock reads `unknown`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../lambdas/adapters/kafka-client.ts';
import { KafkaMessageProducer } from '../../../lambdas/adapters/kafka-message-producer.ts';
import { RedisIdempotencyStore } from '../../../lambdas/adapters/redis-idempotency-store.ts';
import { RedisStatusStore } from '../../../lambdas/adapters/redis-status-store.ts';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { RECEIPT_TIMEOUT_MS, RECEIPT_TIMEOUT_REASON } from '../../../lambdas/core/receipt-timeout.ts';
import { createIngestApp } from '../../../lambdas/ingest/app.ts';
import { messageStatus } from '../../../lambdas/ingest/request-schema.ts';
import { buildMskEvent, toPendingRecord } from '../../../local/msk-esm/msk-event.ts';
import { FlakyStatusStore } from '../../fakes/flaky-status-store.ts';
import { consumeRecords, testEngines } from '../../support/engines.ts';
import { apiEvent, smsBody } from '../../unit/ingest/support/api-event.ts';
import { invoke, quietMetrics } from '../../unit/ingest/support/harness.ts';
import { type DispatchHarness, startDispatchHarness } from '../dispatch/support/dispatch-harness.ts';

const RECIPIENTS = ['+821012345678', '+821087654321', '+821012345678', '+821011112222'];

let dispatch: DispatchHarness;
let producer: KafkaMessageProducer;
let statuses: FlakyStatusStore;
const clock = { offsetMs: 0 };
let consumed = 0;
let ingest: ReturnType<typeof createIngestApp>;

beforeAll(async () => {
  dispatch = await startDispatchHarness({ partitions: 1 });
  const kafka = await createKafka({
    clientId: 'herald-ingest-test',
    brokers: testEngines().kafkaBrokers,
    auth: 'none',
    timeoutMs: 10_000,
  });
  producer = new KafkaMessageProducer({ kafka, timeoutMs: 10_000 });
  statuses = new FlakyStatusStore(
    new RedisStatusStore(dispatch.redis, { keyPrefix: dispatch.keyPrefix, retentionSeconds: 3_600 }),
    0,
  );
  ingest = createIngestApp({
    producer,
    idempotency: new RedisIdempotencyStore(dispatch.redis, {
      keyPrefix: dispatch.keyPrefix,
      windowSeconds: 60,
    }),
    statuses,
    topic: dispatch.topic,
    auth: { mode: 'iam' },
    logger: new Logger({ serviceName: 'herald-ingest-test', logLevel: 'SILENT' }),
    metrics: quietMetrics(),
    clock: () => new Date(Date.now() + clock.offsetMs),
  });
}, 60_000);

afterAll(async () => {
  await producer?.close();
  await dispatch?.close();
});

const post = () => invoke(ingest, apiEvent({ body: smsBody(RECIPIENTS) }));
const get = (requestId: string) =>
  invoke(ingest, apiEvent({ method: 'GET', path: `/v1/messages/${requestId}` }));

/** Dispatches the records ingest produced since the last call whose recipient `pick` selects. */
async function dispatchProduced(count: number, pick: (recipient: string) => boolean = () => true) {
  const records = await consumeRecords(dispatch.topic, consumed + count);
  const fresh = records.slice(consumed);
  consumed += count;
  const chosen = fresh.filter((r) => pick(String(r.message.key)));
  const event = buildMskEvent(
    chosen.map((r) => toPendingRecord(dispatch.topic, r.partition, r.message)),
    {
      eventSourceArn:
        'arn:aws:kafka:us-east-1:123456789012:cluster/herald-test/00000000-0000-0000-0000-000000000000-1',
      bootstrapServers: testEngines().kafkaBrokers,
    },
  );
  const response = await dispatch.invoke(event);
  expect(response.batchItemFailures).toEqual([]);
  return fresh.filter((r) => !pick(String(r.message.key)));
}

describe('status reads after acceptance (real Kafka and Redis)', () => {
  it('reads a request whose queued write failed twice and succeeded on its third try', async () => {
    statuses.failures = 2;
    const before = statuses.acceptAttempts;

    const accepted = await post();

    expect(accepted.statusCode).toBe(202);
    expect(statuses.acceptAttempts - before).toBe(3);
    const read = await get(String(accepted.json.requestId));
    expect(read.statusCode).toBe(200);
    expect(messageStatus.parse(read.json).recipients.map((r) => [r.position, r.state])).toEqual([
      [0, 'queued'],
      [1, 'queued'],
      [3, 'queued'],
    ]);
    await dispatchProduced(3);
  });

  it('rebuilds a request whose every queued write failed from what dispatch writes, position by position', async () => {
    statuses.failures = Number.POSITIVE_INFINITY;
    const accepted = await post();
    statuses.failures = 0;
    expect(accepted.statusCode).toBe(202);
    const requestId = String(accepted.json.requestId);
    expect((await get(requestId)).statusCode).toBe(404);

    // Act: dispatch reaches the last recipient (position 3) first, then the other two.
    await dispatchProduced(3, (recipient) => recipient === '+821011112222');
    const partly = messageStatus.parse((await get(requestId)).json);
    const event = buildMskEvent(
      (await consumeRecords(dispatch.topic, consumed))
        .slice(consumed - 3)
        .filter((r) => String(r.message.key) !== '+821011112222')
        .map((r) => toPendingRecord(dispatch.topic, r.partition, r.message)),
      {
        eventSourceArn:
          'arn:aws:kafka:us-east-1:123456789012:cluster/herald-test/00000000-0000-0000-0000-000000000000-1',
        bootstrapServers: testEngines().kafkaBrokers,
      },
    );
    expect((await dispatch.invoke(event)).batchItemFailures).toEqual([]);
    const whole = messageStatus.parse((await get(requestId)).json);

    // Assess
    expect(partly.counts).toMatchObject({ total: 3, queued: 2, sent: 1 });
    expect(partly.recipients.map((r) => [r.position, r.state, r.vendor])).toEqual([[3, 'sent', 'sms-a']]);
    expect(whole.counts).toMatchObject({ total: 3, queued: 0, sent: 3 });
    expect(whole.recipients.map((r) => [r.position, r.state, r.vendor])).toEqual([
      [0, 'sent', 'sms-a'],
      [1, 'sent', 'sms-a'],
      [3, 'sent', 'sms-a'],
    ]);
    const sentIds = dispatch.vendorLog().map((entry) => entry.deliveryId);
    for (const recipient of new Set(RECIPIENTS))
      expect(sentIds.filter((id) => id === deliveryIdFor(requestId, recipient))).toHaveLength(1);
  });

  it('reads a delivery sent 72 h before the clock, with no receipt, as unknown', async () => {
    statuses.failures = 0;
    const accepted = await post();
    const requestId = String(accepted.json.requestId);
    await dispatchProduced(3);
    const sent = messageStatus.parse((await get(requestId)).json);
    const sentAtMs = Math.max(...sent.recipients.map((r) => Date.parse(r.updatedAt)));

    clock.offsetMs = sentAtMs + RECEIPT_TIMEOUT_MS - 1_000 - Date.now();
    const early = messageStatus.parse((await get(requestId)).json);
    clock.offsetMs = sentAtMs + RECEIPT_TIMEOUT_MS - Date.now();
    const late = messageStatus.parse((await get(requestId)).json);
    clock.offsetMs = 0;

    expect(sent.recipients.map((r) => r.state)).toEqual(['sent', 'sent', 'sent']);
    expect(early.counts).toMatchObject({ sent: 3, unknown: 0 });
    expect(late.counts).toMatchObject({ total: 3, sent: 0, unknown: 3 });
    expect(late.recipients.map((r) => [r.state, r.vendor, r.reason])).toEqual(
      Array(3).fill(['unknown', 'sms-a', RECEIPT_TIMEOUT_REASON]),
    );
  });
});
