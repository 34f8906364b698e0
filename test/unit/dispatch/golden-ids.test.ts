/**
 * Golden vectors for the two id hashes the pipeline stores and compares across deploys. The expected
 * ids are literals computed outside this code base, with coreutils, so a change to either hash (input
 * order, separator, digest length, alphabet) fails here instead of dead-lettering every in-flight
 * record after a deploy (the parser rejects a record whose deliveryId does not match its hash) or
 * dead-lettering a poison record twice.
 *
 * How they were derived (bash, GNU coreutils 9 + xxd):
 *   b64url() { xxd -r -p | base64 | tr '+/' '-_' | tr -d '='; }
 *   printf 'req-golden-1\n+15550001234' | sha256sum | head -c 32 | b64url            # deliveryId
 *   printf 'dead-letter\nherald.deliveries\n0\n7' | sha256sum | head -c 32 | b64url   # position id
 * (the first 32 hex digits are the first 16 bytes of the SHA-256, base64url without padding).
 * positionIdOf is a batch internal, so its vector is read where the app puts it: the dedup mark of
 * a dead-lettered record.
 */
import { describe, expect, it } from 'vitest';
import { type Delivery, deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { eventOfDeliveries, makeDelivery, mskEventOf } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

describe('deliveryIdFor golden vectors', () => {
  it.each([
    ['req-golden-1', '+15550001234', 'RzLwoRQUoffy2OQniDCW9w'],
    ['req-golden-1', 'kim@example.com', '5MyUIpNAVK4a7rs1M4wKEA'],
    ['0123456789abcdef0123456789abcdef', '+821012345678', 'jcsJ7Frwkrkew5jsxpG7yQ'],
  ])('deliveryIdFor(%j, %j) is %s', (requestId, recipient, expected) => {
    expect(deliveryIdFor(requestId, recipient)).toBe(expected);
  });

  it('dispatch sends a record carrying the golden id (the parser accepts it)', async () => {
    const { invoke, vendors } = fakeDispatch();
    const base = makeDelivery({ requestId: 'req-golden-1', recipient: '+15550001234' });
    const delivery: Delivery = { ...base, deliveryId: 'RzLwoRQUoffy2OQniDCW9w' };

    expect(await invoke(eventOfDeliveries([delivery]))).toEqual({ batchItemFailures: [] });

    expect(vendors.a.deliveries.map((message) => message.deliveryId)).toEqual(['RzLwoRQUoffy2OQniDCW9w']);
  });
});

describe('position id golden vectors', () => {
  it.each([
    ['herald.deliveries', 0, 7, 'RABjsPvISSyCiXnzDm-Tdg'],
    ['herald.deliveries-eu', 12, 1_234_567, 'AtzgAEpIkpWKoFKEwzkimg'],
  ])('a poison record at %s/%i/%i is marked under %s', async (topic, partition, offset, expected) => {
    const { invoke, dedup, deadLetters } = fakeDispatch();

    await invoke(mskEventOf([{ topic, partition, offset, value: Buffer.from('not json') }]));

    expect(deadLetters.letters).toHaveLength(1);
    expect([...dedup.marks.keys()]).toEqual([expected]);
  });
});
