import { describe, expect, it } from 'vitest';
import {
  DELIVERY_SCHEMA_VERSION,
  type Delivery,
  DeliveryHeader,
  deliveryIdFor,
} from '../../../lambdas/core/delivery.ts';
import { sendMessageAccepted } from '../../../lambdas/ingest/request-schema.ts';
import { apiEvent, smsBody } from './support/api-event.ts';
import { fakeIngest } from './support/harness.ts';

const decode = (value: string) => JSON.parse(value) as Delivery;

describe('POST /v1/messages', () => {
  it('answers 202 and produces one record per unique recipient, keyed by recipient', async () => {
    const ingest = fakeIngest({ clock: () => new Date('2026-11-25T17:01:02.000Z') });
    const recipients = ['+821012345678', '+821087654321', '+821012345678', '+14155550100'];
    const body = { ...smsBody(recipients, 'Hello'), priority: 'high' };

    const response = await ingest.call(apiEvent({ body }));

    expect(response.statusCode).toBe(202);
    const accepted = sendMessageAccepted.parse(response.json);
    expect(accepted).toMatchObject({ accepted: 3, collapsedDuplicates: 1 });
    const records = ingest.records();
    expect(records.map((r) => r.key)).toEqual(['+821012345678', '+821087654321', '+14155550100']);
    // The position is the recipient's first index in `recipients` (the repeat at 2 is collapsed).
    const positions = new Map([
      ['+821012345678', 0],
      ['+821087654321', 1],
      ['+14155550100', 3],
    ]);
    for (const record of records) {
      expect(record.headers).toEqual({
        [DeliveryHeader.schemaVersion]: String(DELIVERY_SCHEMA_VERSION),
        [DeliveryHeader.requestId]: accepted.requestId,
      });
      expect(decode(record.value)).toEqual({
        schemaVersion: DELIVERY_SCHEMA_VERSION,
        deliveryId: deliveryIdFor(accepted.requestId, record.key),
        requestId: accepted.requestId,
        clientId: 'arn:aws:sts::111122223333:assumed-role/orders-service',
        channel: 'sms',
        recipient: record.key,
        content: { body: 'Hello' },
        priority: 'high',
        acceptedAt: '2026-11-25T17:01:02.000Z',
        position: positions.get(record.key),
        deliveryCount: 3,
      });
    }
  });

  it('defaults the priority to normal and keeps an optional title', async () => {
    const ingest = fakeIngest();
    const body = { channel: 'push', recipients: ['fcm:token-1'], content: { body: 'Hi', title: 'News' } };
    expect((await ingest.call(apiEvent({ body }))).statusCode).toBe(202);
    expect(decode(ingest.records()[0]?.value ?? '{}')).toMatchObject({
      priority: 'normal',
      content: { body: 'Hi', title: 'News' },
    });
  });

  it('treats e-mail domains case-insensitively when collapsing duplicates', async () => {
    const ingest = fakeIngest();
    const body = {
      channel: 'email',
      recipients: ['Kim@Example.COM', 'Kim@example.com', 'kim@example.com'],
      content: { body: 'x' },
    };
    const response = await ingest.call(apiEvent({ body }));
    expect(response.json).toMatchObject({ accepted: 2, collapsedDuplicates: 1 });
    expect(ingest.records().map((r) => r.key)).toEqual(['Kim@example.com', 'kim@example.com']);
  });

  it('records every delivery as queued once Kafka has acknowledged it', async () => {
    const ingest = fakeIngest();
    const response = await ingest.call(apiEvent({ body: smsBody(['+821012345678', '+821087654321']) }));
    const requestId = String(response.json.requestId);
    const status = await ingest.statuses.read(
      requestId,
      'arn:aws:sts::111122223333:assumed-role/orders-service',
    );
    expect(status?.recipients.map((r) => [r.position, r.state])).toEqual([
      [0, 'queued'],
      [1, 'queued'],
    ]);
  });

  it('records each delivery at the position of its first occurrence in the request', async () => {
    const ingest = fakeIngest();
    const recipients = ['+821012345678', '+821087654321', '+821012345678', '+821011112222'];
    const response = await ingest.call(apiEvent({ body: smsBody(recipients) }));
    const requestId = String(response.json.requestId);
    await ingest.statuses.recordUpdates([
      {
        requestId,
        clientId: 'arn:aws:sts::111122223333:assumed-role/orders-service',
        deliveryId: deliveryIdFor(requestId, '+821011112222'),
        state: 'sent',
        at: new Date().toISOString(),
      },
    ]);
    const status = await ingest.statuses.read(
      requestId,
      'arn:aws:sts::111122223333:assumed-role/orders-service',
    );
    expect(status?.recipients.map((r) => [r.position, r.state])).toEqual([
      [0, 'queued'],
      [1, 'queued'],
      [3, 'sent'],
    ]);
  });

  it('gives two unkeyed calls with the same body two requestIds and distinct deliveryIds', async () => {
    const ingest = fakeIngest();
    const first = await ingest.call(apiEvent({ body: smsBody() }));
    const second = await ingest.call(apiEvent({ body: smsBody() }));
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(first.json.requestId).not.toBe(second.json.requestId);
    const ids = ingest.records().map((r) => decode(r.value).deliveryId);
    expect(new Set(ids).size).toBe(2);
  });

  it('gives one call the same requestId however often API Gateway hands it over (Lambda retry)', async () => {
    const ingest = fakeIngest();
    const first = await ingest.call(apiEvent({ body: smsBody(), gatewayRequestId: 'same-call' }));
    const again = await ingest.call(apiEvent({ body: smsBody(), gatewayRequestId: 'same-call' }));
    expect(again.json.requestId).toBe(first.json.requestId);
  });

  it('accepts a base64-encoded body', async () => {
    const ingest = fakeIngest();
    const response = await ingest.call(apiEvent({ body: smsBody(['+821055550000']), isBase64Encoded: true }));
    expect(response.statusCode).toBe(202);
    expect(ingest.records()[0]?.key).toBe('+821055550000');
  });

  it('routes a named stage by the path after the stage prefix', async () => {
    const ingest = fakeIngest();
    const response = await ingest.call(apiEvent({ body: smsBody(), stage: 'prod' }));
    expect(response.statusCode).toBe(202);
  });
});
