/**
 * The delivery record's optional `position` and `deliveryCount` (what lets dispatch rebuild a request's
 * status record): planned by ingest, parsed when present, absent from older records without harm.
 */
import { describe, expect, it } from 'vitest';
import {
  DELIVERY_SCHEMA_VERSION,
  deliveryIdFor,
  MAX_DELIVERY_POSITIONS,
  statusKeysOf,
} from '../../../lambdas/core/delivery.ts';
import { parseDelivery } from '../../../lambdas/core/delivery-parser.ts';
import { PoisonRecordError } from '../../../lambdas/core/errors.ts';
import type { KafkaRecord } from '../../../lambdas/core/msk-event.ts';
import { encodeDelivery, planDeliveries } from '../../../lambdas/core/send-request.ts';

const REQUEST_ID = 'a'.repeat(64);
const RECIPIENT = '+15550001234';

/** A record as ingest wrote it before `position` and `deliveryCount` existed. */
function olderFields(): Record<string, unknown> {
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

const recordOf = (fields: Record<string, unknown>): KafkaRecord => ({
  topic: 'herald.deliveries',
  partition: 0,
  offset: 1,
  value: Buffer.from(JSON.stringify(fields)),
  headers: [],
});

describe('planDeliveries', () => {
  it('gives each delivery its first position in the request and the request its delivery count', () => {
    const plan = planDeliveries(
      {
        channel: 'email',
        recipients: ['a@x.com', 'b@x.com', 'A@X.COM', 'a@X.com', 'c@x.com'],
        content: { body: 'hi' },
        priority: 'normal',
      },
      { requestId: REQUEST_ID, clientId: 'client-a', acceptedAt: '2026-11-25T10:00:00.000Z' },
    );
    expect(plan.deliveries.map((d) => [d.recipient, d.position, d.deliveryCount])).toEqual([
      ['a@x.com', 0, 4],
      ['b@x.com', 1, 4],
      ['A@x.com', 2, 4],
      ['c@x.com', 4, 4],
    ]);
    expect(plan.collapsedDuplicates).toBe(1);
  });
});

describe('parseDelivery (position and deliveryCount)', () => {
  it('parses an older record without them, leaving both out', () => {
    const delivery = parseDelivery(recordOf(olderFields()));
    expect(delivery).not.toHaveProperty('position');
    expect(delivery).not.toHaveProperty('deliveryCount');
    expect(statusKeysOf(delivery)).toEqual({
      requestId: REQUEST_ID,
      clientId: 'client-a',
      deliveryId: deliveryIdFor(REQUEST_ID, RECIPIENT),
      acceptedAt: '2026-11-25T10:00:00.000Z',
    });
  });

  it('round-trips them through encodeDelivery and into the status keys', () => {
    const [delivery] = planDeliveries(
      { channel: 'sms', recipients: ['+15550000000', RECIPIENT], content: { body: 'x' }, priority: 'high' },
      { requestId: REQUEST_ID, clientId: 'client-a', acceptedAt: '2026-11-25T10:00:00.000Z' },
    ).deliveries.slice(1);
    const encoded = encodeDelivery(delivery ?? ({} as never));
    const parsed = parseDelivery({ ...recordOf({}), value: Buffer.from(encoded.value) });
    expect(parsed).toEqual(delivery);
    expect(statusKeysOf(parsed)).toMatchObject({ position: 1, deliveryCount: 2 });
    expect(Object.keys(statusKeysOf(parsed)).sort()).toEqual(
      ['acceptedAt', 'clientId', 'deliveryCount', 'deliveryId', 'position', 'requestId'].sort(),
    );
  });

  it.each([
    ['position', -1],
    ['position', 1.5],
    ['position', '3'],
    ['position', MAX_DELIVERY_POSITIONS + 1],
    ['deliveryCount', 0],
    ['deliveryCount', null],
    ['deliveryCount', MAX_DELIVERY_POSITIONS + 1],
  ])('rejects %s = %j as poison', (field, value) => {
    expect(() => parseDelivery(recordOf({ ...olderFields(), [field]: value }))).toThrow(PoisonRecordError);
  });
});
