import { afterAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../../lambdas/core/canonical-json.ts';
import { type Delivery, DeliveryHeader, deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { hashRequest } from '../../../lambdas/core/request-hash.ts';
import { createTestTopics, deleteTestTopics, uniqueName } from '../../support/engines.ts';
import { apiEvent, smsBody } from '../../unit/ingest/support/api-event.ts';
import { closedPort } from './support/closed-port.ts';
import { countRecords, readRecords } from './support/kafka-topic.ts';
import { realIngest, testRedis } from './support/real-ingest.ts';

const CLIENT = 'arn:aws:sts::111122223333:assumed-role/orders-service';
const redis = testRedis();
const keyPrefix = `${uniqueName('herald-test-ingest')}:`;
const recipients = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => `+82${seed}${String(i).padStart(8, '0')}`);
const keyed = (key: string, body: unknown) => apiEvent({ body, headers: { 'idempotency-key': key } });
const decode = (value: string) => JSON.parse(value) as Delivery;

const topics: string[] = [];

/** A fresh topic (3 partitions) for one test, so record counts are exact. */
async function freshTopic(): Promise<string> {
  const topic = uniqueName('herald-test-ingest');
  topics.push(topic);
  await createTestTopics([topic], 3);
  return topic;
}

afterAll(async () => {
  await redis.quit();
  if (topics.length > 0) await deleteTestTopics(topics);
});

describe('ingest API on real Kafka and Redis', () => {
  it('replays a keyed repeat with the stored response and produces nothing more', async () => {
    const topic = await freshTopic();
    const api = await realIngest({ topic, keyPrefix, redis });
    const body = smsBody(recipients(5, 10));

    const first = await api.call(keyed('replay-1', body));
    const replay = await api.call(keyed('replay-1', body));

    expect(first.statusCode).toBe(202);
    expect(replay.statusCode).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(first.body);
    const records = await readRecords(topic, 5);
    expect(await countRecords(topic)).toBe(5);
    expect(records.map((r) => decode(r.value).requestId)).toEqual(Array(5).fill(first.json.requestId));
    expect(new Set(records.map((r) => r.headers[DeliveryHeader.requestId]))).toEqual(
      new Set([first.json.requestId]),
    );
    await api.close();
  });

  it('produces exactly one set of records for 10 concurrent calls with one key; the others get 409 or a replay', async () => {
    const topic = await freshTopic();
    const api = await realIngest({ topic, keyPrefix, redis });
    const body = smsBody(recipients(20, 11));

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.call(keyed('concurrent-1', body))),
    );

    const fresh = responses.filter((r) => r.statusCode === 202 && !r.headers['idempotent-replayed']);
    const others = responses.filter((r) => !fresh.includes(r));
    expect(fresh).toHaveLength(1);
    for (const other of others) {
      expect([409, 202]).toContain(other.statusCode);
      if (other.statusCode === 409) expect(other.headers['retry-after']).toBe('1');
      else expect(other.body).toBe(fresh[0]?.body);
    }
    expect(await countRecords(topic)).toBe(20);
    const records = await readRecords(topic, 20);
    expect(new Set(records.map((r) => decode(r.value).deliveryId)).size).toBe(20);
    await api.close();
  });

  it('refuses the same key with a different body (422) and produces nothing for it', async () => {
    const topic = await freshTopic();
    const api = await realIngest({ topic, keyPrefix, redis });
    await api.call(keyed('mismatch-1', smsBody(recipients(2, 12), 'first')));

    const other = await api.call(keyed('mismatch-1', smsBody(recipients(2, 12), 'second')));

    expect(other.statusCode).toBe(422);
    expect(await countRecords(topic)).toBe(2);
    await api.close();
  });

  it('gives two unkeyed calls with the same body two requestIds and two sets of records', async () => {
    const topic = await freshTopic();
    const api = await realIngest({ topic, keyPrefix, redis });
    const body = smsBody(recipients(3, 13));

    const [first, second] = [await api.call(apiEvent({ body })), await api.call(apiEvent({ body }))];

    expect(first.json.requestId).not.toBe(second.json.requestId);
    expect(await countRecords(topic)).toBe(6);
    await api.close();
  });

  it('answers 503 while Kafka is unreachable, then accepts the keyed retry with the same deliveryIds', async () => {
    const topic = await freshTopic();
    const down = await realIngest(
      { topic, keyPrefix, redis },
      { brokers: [`127.0.0.1:${await closedPort()}`], kafkaTimeoutMs: 1_500 },
    );
    const up = await realIngest({ topic, keyPrefix, redis });
    const body = smsBody(recipients(4, 14));

    const failed = await down.call(keyed('outage-1', body));
    const retried = await up.call(keyed('outage-1', body));
    const again = await up.call(keyed('outage-1', body));

    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect(failed.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|kafkajs/);
    expect(retried.statusCode).toBe(202);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(again.headers['idempotent-replayed']).toBe('true');
    // The requestId (hence every deliveryId) is fixed by client, body and key: whatever the failed
    // attempt may have written carries these same ids, which dispatch deduplicates on.
    const requestId = hashRequest({
      clientId: CLIENT,
      canonicalBody: canonicalize({ ...body, priority: 'normal' }),
      call: { kind: 'idempotency-key', value: 'outage-1' },
    });
    expect(retried.json.requestId).toBe(requestId);
    const records = await readRecords(topic, 4);
    expect(records.map((r) => decode(r.value).deliveryId).sort()).toEqual(
      body.recipients.map((r) => deliveryIdFor(requestId, r)).sort(),
    );
    expect(await countRecords(topic)).toBe(4);
    await Promise.all([down.close(), up.close()]);
  });

  it('shows the queued statuses to the sending client only', async () => {
    const topic = await freshTopic();
    const api = await realIngest({ topic, keyPrefix, redis });
    const accepted = await api.call(apiEvent({ body: smsBody(recipients(3, 15)) }));
    const path = `/v1/messages/${accepted.json.requestId}`;

    const own = await api.call(apiEvent({ method: 'GET', path }));
    const foreign = await api.call(
      apiEvent({ method: 'GET', path, principalArn: 'arn:aws:iam::999988887777:user/intruder' }),
    );

    expect(own.statusCode).toBe(200);
    expect(own.json.counts).toEqual({
      total: 3,
      queued: 3,
      sent: 0,
      'maybe-sent': 0,
      failed: 0,
      suppressed: 0,
      unknown: 0,
      delivered: 0,
      undeliverable: 0,
      bounced: 0,
      complained: 0,
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('+8215');
    await api.close();
  });
});
