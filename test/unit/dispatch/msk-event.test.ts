/** Decoding the MSK event: partition keys, signed header bytes, base64 key/value, the AWS sample. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchResponseFor,
  bytesFromSigned,
  decodeMskEvent,
  type MskEvent,
  parsePartitionKey,
  signedFromBytes,
} from '../../../lambdas/core/msk-event.ts';

const sample = JSON.parse(
  readFileSync(new URL('../../fixtures/msk-event.json', import.meta.url), 'utf8'),
) as MskEvent;

describe('parsePartitionKey', () => {
  it.each([
    ['mytopic-0', 'mytopic', 0],
    ['herald.deliveries-12', 'herald.deliveries', 12],
    ['orders-eu-west-1-3', 'orders-eu-west-1', 3],
    ['a-b-c.d-99', 'a-b-c.d', 99],
  ])('splits %s on the last dash', (key, topic, partition) => {
    expect(parsePartitionKey(key)).toEqual({ topic, partition });
  });

  it.each(['mytopic', 'mytopic-', '-3', 'topic-x1'])('refuses %s', (key) => {
    expect(() => parsePartitionKey(key)).toThrow(TypeError);
  });
});

describe('signed header bytes', () => {
  it('reads negative bytes as their unsigned value', () => {
    expect(bytesFromSigned([-1, -128, 0, 127])).toEqual(Buffer.from([0xff, 0x80, 0x00, 0x7f]));
  });

  it('refuses bytes out of range', () => {
    expect(() => bytesFromSigned([-129])).toThrow(TypeError);
  });

  it('round-trips any bytes through the signed form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const signed = signedFromBytes(bytes);
        expect(signed.every((b) => b >= -128 && b <= 127)).toBe(true);
        expect(bytesFromSigned(signed)).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

describe('decodeMskEvent', () => {
  it('decodes the AWS sample event', () => {
    const [entry] = decodeMskEvent(sample);
    expect(entry?.ok).toBe(true);
    if (!entry?.ok) return;
    expect(entry.record).toMatchObject({
      topic: 'mytopic',
      partition: 0,
      offset: 15,
      timestamp: 1545084650987,
    });
    expect(entry.record.value?.toString()).toBe('Hello, this is a test.');
    expect(entry.record.key).toEqual(Buffer.from('abcDEFghiJKLmnoPQRstuVWXyz1234==', 'base64'));
    expect(entry.record.headers).toEqual([{ name: 'headerKey', value: Buffer.from('headerValue') }]);
  });

  it('accepts a record without key and keeps records in partition order', () => {
    const event: MskEvent = {
      eventSource: 'aws:kafka',
      records: {
        't.x-y-1': [{ topic: 't.x-y', partition: 1, offset: 4, value: 'YQ==', headers: [] }],
        't.x-y-0': [{ topic: 't.x-y', partition: 0, offset: 9, value: 'Yg==', headers: [{ h: [-2, 1] }] }],
      },
    };
    const entries = decodeMskEvent(event);
    expect(entries.map((e) => e.ok && [e.record.partition, e.record.offset, e.record.key])).toEqual([
      [1, 4, undefined],
      [0, 9, undefined],
    ]);
    expect(entries[1]?.ok && entries[1].record.headers[0]?.value).toEqual(Buffer.from([0xfe, 0x01]));
  });

  it('returns a record with malformed header bytes as undecodable instead of failing the batch', () => {
    const event: MskEvent = {
      eventSource: 'aws:kafka',
      records: { 't-0': [{ topic: 't', partition: 0, offset: 1, value: 'YQ==', headers: [{ h: [300] }] }] },
    };
    expect(decodeMskEvent(event)).toEqual([
      expect.objectContaining({
        ok: false,
        id: { partition: 't-0', offset: 1 },
        reason: expect.stringContaining('300'),
      }),
    ]);
  });
});

describe('batchResponseFor', () => {
  it('answers the exact Kafka partial-batch shape, one entry per record, ordered', () => {
    expect(
      batchResponseFor([
        { partition: 'b-1', offset: 9 },
        { partition: 'a-0', offset: 3 },
        { partition: 'b-1', offset: 2 },
        { partition: 'b-1', offset: 9 },
      ]),
    ).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'a-0', offset: 3 } },
        { itemIdentifier: { partition: 'b-1', offset: 2 } },
        { itemIdentifier: { partition: 'b-1', offset: 9 } },
      ],
    });
    expect(batchResponseFor([])).toEqual({ batchItemFailures: [] });
  });
});
