import { describe, expect, it } from 'vitest';
import { DeadLetterCause } from '../../../lambdas/core/dead-letter.ts';
import type { KafkaRecord } from '../../../lambdas/core/msk-event.ts';
import { candidateOf, decideRedrive, RedriveHeader, redrivenRecord } from '../../../lambdas/core/redrive.ts';
import { encodeDelivery } from '../../../lambdas/core/send-request.ts';
import { makeDelivery } from '../dispatch/support/deliveries.ts';

const delivery = makeDelivery();
const encoded = encodeDelivery(delivery);
const record = (headers: Record<string, string>, timestamp = 1_000): KafkaRecord => ({
  topic: 'herald.deliveries.dlq',
  partition: 0,
  offset: 7,
  timestamp,
  key: Buffer.from(encoded.key),
  value: Buffer.from(encoded.value),
  headers: [
    ...Object.entries(encoded.headers).map(([name, value]) => ({ name, value: Buffer.from(value) })),
    ...Object.entries(headers).map(([name, value]) => ({ name, value: Buffer.from(value) })),
  ],
});
const exhausted = record({
  'lambda-esm-condition': 'RetryAttemptsExhausted',
  'lambda-esm-source-offset': '41',
});

describe('decideRedrive', () => {
  it.each([
    [{}, 'redrive'],
    [{ causes: [DeadLetterCause.retriesExhausted] }, 'redrive'],
    [{ causes: [DeadLetterCause.poison] }, 'filtered'],
    [{ sinceMs: 1_000, untilMs: 1_001 }, 'redrive'],
    [{ sinceMs: 1_001 }, 'filtered'],
    [{ untilMs: 1_000 }, 'filtered'],
    [{ requestIds: [delivery.requestId] }, 'redrive'],
    [{ requestIds: ['another'] }, 'filtered'],
  ])('applies the filter %j', (filter, decision) => {
    expect(decideRedrive(candidateOf(exhausted), filter)).toBe(decision);
  });

  it('never redrives a record that names no delivery', () => {
    const garbage = { ...record({ 'herald-dlq-reason': 'value is not JSON' }), value: Buffer.from('{') };

    expect(decideRedrive(candidateOf(garbage), {})).toBe('names-no-delivery');
  });
});

describe('redrivenRecord', () => {
  it('keeps the key, value and delivery headers, drops the dead-letter metadata and says where it came from', () => {
    const out = redrivenRecord(exhausted, new Date('2026-11-29T12:00:00.000Z'));
    const names = out.headers.map((h) => h.name);

    expect(out.key).toEqual(Buffer.from(encoded.key));
    expect(out.value).toEqual(Buffer.from(encoded.value));
    expect(names).toEqual([...Object.keys(encoded.headers), RedriveHeader.source, RedriveHeader.at]);
    expect(out.headers.find((h) => h.name === RedriveHeader.source)?.value.toString()).toBe(
      'herald.deliveries.dlq/0/7',
    );
  });
});
