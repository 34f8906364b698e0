import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import type { MessageProducer, OutboundRecord } from '../../../lambdas/ports/message-producer.ts';
import { InMemoryMessageProducer } from '../../fakes/in-memory-message-producer.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { apiEvent, smsBody } from './support/api-event.ts';
import { fakeIngest, TOPIC } from './support/harness.ts';

/** The client id the sample event's caller maps to. */
const CLIENT = 'arn:aws:sts::111122223333:assumed-role/orders-service';
const keyed = (key: string, body: unknown) => apiEvent({ body, headers: { 'idempotency-key': key } });
const deliveryIds = (records: readonly OutboundRecord[]) =>
  records.map((r) => (JSON.parse(r.value) as Delivery).deliveryId);

/** A producer whose sends wait until released, to hold a key in progress. */
class GatedProducer implements MessageProducer {
  readonly inner = new InMemoryMessageProducer([TOPIC]);
  #open!: () => void;
  readonly gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  open(): void {
    this.#open();
  }
  async send(topic: string, records: readonly OutboundRecord[]): Promise<void> {
    await this.gate;
    await this.inner.send(topic, records);
  }
  async close(): Promise<void> {}
}

describe('POST /v1/messages with an Idempotency-Key', () => {
  it('replays the stored response with Idempotent-Replayed and produces nothing again', async () => {
    const ingest = fakeIngest();
    const first = await ingest.call(keyed('order-42', smsBody(['+821012345678', '+821087654321'])));
    const sendsAfterFirst = ingest.producer.sendCalls;

    const replay = await ingest.call(keyed('order-42', smsBody(['+821012345678', '+821087654321'])));

    expect(first.statusCode).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(replay.statusCode).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(first.body);
    expect(ingest.producer.sendCalls).toBe(sendsAfterFirst);
    expect(ingest.records()).toHaveLength(2);
  });

  it('replays a repeat whose body differs only in key order and whitespace', async () => {
    const ingest = fakeIngest();
    const first = await ingest.call(
      keyed('k-1', '{"channel":"sms","recipients":["+821012345678"],"content":{"body":"hi"}}'),
    );
    const repeat = await ingest.call(
      keyed('k-1', '{ "content": { "body": "hi" },\n  "recipients": [ "+821012345678" ], "channel": "sms" }'),
    );
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(repeat.json.requestId).toBe(first.json.requestId);
  });

  it('refuses the same key with a different body (422) and produces nothing', async () => {
    const ingest = fakeIngest();
    await ingest.call(keyed('k-2', smsBody(['+821012345678'], 'one')));
    const other = await ingest.call(keyed('k-2', smsBody(['+821012345678'], 'two')));
    expect(other.statusCode).toBe(422);
    expect(other.json.error).toBe('idempotency_key_mismatch');
    expect(ingest.records()).toHaveLength(1);
  });

  it('answers 409 with Retry-After while the first call with the key is still being accepted', async () => {
    const producer = new GatedProducer();
    const ingest = fakeIngest({ producer });
    const first = ingest.call(keyed('k-3', smsBody()));
    await new Promise((resolve) => setImmediate(resolve));

    const concurrent = await ingest.call(keyed('k-3', smsBody()));
    producer.open();

    expect(concurrent.statusCode).toBe(409);
    expect(concurrent.headers['retry-after']).toBe('1');
    expect((await first).statusCode).toBe(202);
    expect((await ingest.call(keyed('k-3', smsBody()))).headers['idempotent-replayed']).toBe('true');
    // The records on the producer the app was built with: the first call's one, nothing from the others.
    expect(producer.inner.records(TOPIC)).toHaveLength(1);
    expect(producer.inner.sendCalls).toBe(1);
  });

  it('scopes keys per client: another client with the same key is a new request', async () => {
    const ingest = fakeIngest();
    const first = await ingest.call(keyed('shared-key', smsBody()));
    const otherClient = await ingest.call(
      apiEvent({
        body: smsBody(),
        headers: { 'idempotency-key': 'shared-key' },
        principalArn: 'arn:aws:iam::111122223333:user/billing',
      }),
    );
    expect(otherClient.statusCode).toBe(202);
    expect(otherClient.headers['idempotent-replayed']).toBeUndefined();
    expect(otherClient.json.requestId).not.toBe(first.json.requestId);
  });

  it('answers 503 with Retry-After when Kafka fails, then accepts the keyed retry with the same deliveryIds', async () => {
    const ingest = fakeIngest();
    const recipients = ['+821012345678', '+821087654321'];
    ingest.producer.failNextSends(1, { afterWriting: true });

    const failed = await ingest.call(keyed('k-4', smsBody(recipients)));
    const landedBeforeFailure = deliveryIds(ingest.records());
    const retried = await ingest.call(keyed('k-4', smsBody(recipients)));

    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect(failed.json.error).toBe('unavailable');
    expect(retried.statusCode).toBe(202);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    const retriedIds = deliveryIds(ingest.records()).slice(landedBeforeFailure.length);
    expect(retriedIds).toEqual(landedBeforeFailure);
  });

  it('produces nothing and answers 503 when the idempotency store is down', async () => {
    const ingest = fakeIngest();
    ingest.idempotency.reserve = async () => {
      throw new DependencyUnavailableError('redis', 'simulated: down');
    };
    const response = await ingest.call(keyed('k-5', smsBody()));
    expect(response.statusCode).toBe(503);
    expect(ingest.records()).toHaveLength(0);
  });

  it('still answers 202 when the queued statuses cannot be written, because the records are durable', async () => {
    const statuses = new InMemoryStatusStore();
    statuses.isUnavailable = true;
    const ingest = fakeIngest({ statuses });
    const response = await ingest.call(keyed('k-6', smsBody()));
    expect(response.statusCode).toBe(202);
    expect(ingest.records()).toHaveLength(1);
    expect((await ingest.call(keyed('k-6', smsBody()))).headers['idempotent-replayed']).toBe('true');
    // The store the app was built with really was down: it holds no status for the request.
    statuses.isUnavailable = false;
    expect(await statuses.read(String(response.json.requestId), CLIENT)).toBeUndefined();
  });
});
