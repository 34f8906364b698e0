/** parseDelivery: every reason a record is poison, and the record it accepts. */
import { describe, expect, it } from 'vitest';
import { DELIVERY_SCHEMA_VERSION, type Delivery, deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { parseDelivery } from '../../../lambdas/core/delivery-parser.ts';
import { PoisonRecordError } from '../../../lambdas/core/errors.ts';
import type { KafkaRecord } from '../../../lambdas/core/msk-event.ts';

const REQUEST_ID = 'req-parser-1';
const RECIPIENT = '+15550001234';

/** A valid delivery record's JSON fields, as ingest writes them. */
function validFields(): Record<string, unknown> {
  return {
    schemaVersion: DELIVERY_SCHEMA_VERSION,
    deliveryId: deliveryIdFor(REQUEST_ID, RECIPIENT),
    requestId: REQUEST_ID,
    clientId: 'client-a',
    channel: 'sms',
    recipient: RECIPIENT,
    content: { body: 'Your code is 123456' },
    priority: 'normal',
    acceptedAt: '2026-11-25T10:00:00.000Z',
  };
}

function recordOf(value: Buffer | undefined, headers: Record<string, string> = {}): KafkaRecord {
  return {
    topic: 'herald.deliveries',
    partition: 0,
    offset: 1,
    ...(value === undefined ? {} : { value }),
    headers: Object.entries(headers).map(([name, text]) => ({ name, value: Buffer.from(text) })),
  };
}

const json = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify(fields));
const withField = (field: string, value: unknown) => json({ ...validFields(), [field]: value });
const without = (field: string) => {
  const fields = validFields();
  delete fields[field];
  return json(fields);
};

describe('parseDelivery', () => {
  it('accepts a record as ingest writes it', () => {
    const delivery = parseDelivery(
      recordOf(json(validFields()), { 'herald-schema-version': '1', 'herald-request-id': REQUEST_ID }),
    );
    expect(delivery).toEqual(validFields() as unknown as Delivery);
  });

  it.each<[string, Buffer | undefined, Record<string, string>, string]>([
    [
      'another schema version in the header',
      json(validFields()),
      { 'herald-schema-version': '2' },
      'unsupported schema version "2" (header)',
    ],
    ['no value', undefined, {}, 'record has no value'],
    ['an empty value', Buffer.alloc(0), {}, 'record has no value'],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x00]), {}, 'value is not UTF-8'],
    ['text that is not JSON', Buffer.from('{"deliveryId":'), {}, 'value is not JSON'],
    ['a JSON array', Buffer.from('[1,2]'), {}, 'value is not a JSON object'],
    ['JSON null', Buffer.from('null'), {}, 'value is not a JSON object'],
    [
      'another schema version in the value',
      withField('schemaVersion', 2),
      {},
      'unsupported schema version 2',
    ],
    ['no schema version', without('schemaVersion'), {}, 'unsupported schema version null'],
    ['no deliveryId', without('deliveryId'), {}, 'deliveryId is not a non-empty string'],
    [
      'a deliveryId too long',
      withField('deliveryId', 'A'.repeat(23)),
      {},
      'deliveryId is longer than 22 characters',
    ],
    [
      'a deliveryId outside base64url',
      withField('deliveryId', `${'A'.repeat(21)}+`),
      {},
      'deliveryId is not 22 base64url characters',
    ],
    ['an empty requestId', withField('requestId', ''), {}, 'requestId is not a non-empty string'],
    [
      'a recipient that is not a string',
      withField('recipient', 15550001234),
      {},
      'recipient is not a non-empty string',
    ],
    [
      'a deliveryId of another recipient',
      withField('deliveryId', deliveryIdFor(REQUEST_ID, '+15550009999')),
      {},
      'deliveryId does not match requestId and recipient',
    ],
    [
      'a requestId header that differs',
      json(validFields()),
      { 'herald-request-id': 'req-other' },
      'requestId header does not match the value',
    ],
    ['content that is not an object', withField('content', 'hi'), {}, 'content is not an object'],
    ['content that is an array', withField('content', ['hi']), {}, 'content is not an object'],
    ['no body', withField('content', { title: 't' }), {}, 'body is not a non-empty string'],
    [
      'a title that is not a string',
      withField('content', { body: 'b', title: 7 }),
      {},
      'content.title is not a string',
    ],
    ['no acceptedAt', without('acceptedAt'), {}, 'acceptedAt is not a non-empty string'],
    [
      'an acceptedAt that is not a time',
      withField('acceptedAt', 'yesterday'),
      {},
      'acceptedAt is not an ISO-8601 time',
    ],
    ['no clientId', without('clientId'), {}, 'clientId is not a non-empty string'],
    ['an unknown channel', withField('channel', 'fax'), {}, 'channel is not one of sms, push, email'],
    ['an unknown priority', withField('priority', 'urgent'), {}, 'priority is not one of high, normal'],
  ])('rejects %s as poison', (_case, value, headers, reason) => {
    let thrown: unknown;
    try {
      parseDelivery(recordOf(value, headers));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PoisonRecordError);
    expect((thrown as Error).message).toBe(reason);
  });
});
