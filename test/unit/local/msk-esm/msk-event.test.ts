import { readFileSync } from 'node:fs';
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  buildMskEvent,
  fromSignedBytes,
  toPendingRecord,
  toSignedBytes,
} from '../../../../local/msk-esm/msk-event.ts';
import { jsonShape, shapeMismatches } from '../json-shape.ts';

/** The example event of the AWS Lambda developer guide, "Using Lambda with Amazon MSK" (committed verbatim). */
const awsSample = JSON.parse(
  readFileSync(new URL('../../../fixtures/msk-event.json', import.meta.url), 'utf8'),
) as MSKEvent;
const sampleRecord = awsSample.records['mytopic-0']?.[0] as MSKRecord;
/** The sample's key is not canonical base64; Kafka bytes re-encode canonically. */
const canonical = (base64: string) => Buffer.from(base64, 'base64').toString('base64');

function message(overrides: Partial<Record<keyof KafkaMessage, unknown>> = {}): KafkaMessage {
  return {
    key: Buffer.from(sampleRecord.key, 'base64'),
    value: Buffer.from(sampleRecord.value, 'base64'),
    timestamp: String(sampleRecord.timestamp),
    attributes: 0,
    offset: String(sampleRecord.offset),
    headers: { headerKey: Buffer.from('headerValue') },
    ...overrides,
  } as KafkaMessage;
}

const source = {
  eventSourceArn: awsSample.eventSourceArn,
  bootstrapServers: (awsSample.bootstrapServers as string).split(','),
};

describe('buildMskEvent', () => {
  it('reproduces the AWS sample event from the same Kafka record', () => {
    const event = buildMskEvent([toPendingRecord('mytopic', 0, message())], source);

    expect(event).toEqual({
      ...awsSample,
      records: { 'mytopic-0': [{ ...sampleRecord, key: canonical(sampleRecord.key) }] },
    });
  });

  it('has exactly the keys and types of the AWS sample', () => {
    const event = buildMskEvent([toPendingRecord('herald.deliveries', 3, message({ offset: '7' }))], source);

    const options = { mapPaths: ['$.records', '$.records.*[].headers[]'] };
    expect(shapeMismatches(jsonShape(event, options), jsonShape(awsSample, options))).toEqual([]);
    expect(shapeMismatches(jsonShape(awsSample, options), jsonShape(event, options))).toEqual([]);
  });

  it('keys records by "<topic>-<partition>" for topic names with dots and dashes', () => {
    const event = buildMskEvent([toPendingRecord('herald.deliveries-v2', 11, message())], source);

    expect(Object.keys(event.records)).toEqual(['herald.deliveries-v2-11']);
  });

  it('lists repeated headers as separate entries and omits the key of a keyless record', () => {
    const record = toPendingRecord(
      't',
      0,
      message({ key: null, headers: { a: [Buffer.from('1'), Buffer.from('2')], b: Buffer.from([0xff]) } }),
    ).record;

    expect(record).not.toHaveProperty('key');
    expect(record.headers).toEqual([{ a: [49] }, { a: [50] }, { b: [-1] }]);
  });
});

describe('toSignedBytes', () => {
  it('writes bytes above 127 as negative numbers, like Java bytes', () => {
    expect(toSignedBytes(Buffer.from([0, 127, 128, 255]))).toEqual([0, 127, -128, -1]);
  });

  it('round-trips any bytes through fromSignedBytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const signed = toSignedBytes(Buffer.from(bytes));
        expect(signed.every((n) => n >= -128 && n <= 127)).toBe(true);
        expect(fromSignedBytes(signed).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});
