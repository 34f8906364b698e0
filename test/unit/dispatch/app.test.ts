/**
 * The dispatch app on in-memory fakes: exactly-once bookkeeping, redelivery, poison records,
 * fail-closed dedup and the exact partial-batch response shape.
 */
import { readFileSync } from 'node:fs';
import type { MSKEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { eventOfDeliveries, makeDelivery, mskEventOf } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

const sampleEvent = JSON.parse(
  readFileSync(new URL('../../fixtures/msk-event.json', import.meta.url), 'utf8'),
) as MSKEvent;

describe('dispatch app', () => {
  it('sends every delivery once through the primary and records it sent', async () => {
    const { invoke, vendors, statuses, metric } = fakeDispatch();
    const deliveries = Array.from({ length: 5 }, () => makeDelivery());

    const response = await invoke(eventOfDeliveries(deliveries));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(vendors.a.deliveries.map((m) => m.deliveryId)).toEqual(deliveries.map((d) => d.deliveryId));
    expect(vendors.a.deliveries[0]).toMatchObject({
      to: deliveries[0]?.recipient,
      body: 'Your code is 123456',
    });
    for (const delivery of deliveries) {
      expect(await statusOf(statuses, delivery.requestId, delivery.deliveryId)).toMatchObject({
        state: 'sent',
        vendor: 'sms-a',
      });
    }
    expect(metric('DeliverySent')).toBe(5);
  });

  it('sends nothing twice when the same batch is delivered again, and counts the suppressed copies', async () => {
    const { invoke, vendors, statuses, metric } = fakeDispatch();
    const deliveries = Array.from({ length: 4 }, () => makeDelivery());
    const event = eventOfDeliveries(deliveries);

    await invoke(event);
    const again = await invoke(event);

    expect(again).toEqual({ batchItemFailures: [] });
    expect(vendors.a.calls).toHaveLength(4);
    expect(metric('DeliverySuppressed')).toBe(4);
    // The redelivery repeats the mark's `sent`, which keeps the vendor the first write recorded.
    expect(await statusOf(statuses, deliveries[0]?.requestId, deliveries[0]?.deliveryId)).toMatchObject({
      state: 'sent',
      vendor: 'sms-a',
    });
  });

  it('sends a delivery that appears twice in one batch once, suppressing the copy', async () => {
    const { invoke, vendors } = fakeDispatch();
    const delivery = makeDelivery();

    const response = await invoke(eventOfDeliveries([delivery, delivery]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(vendors.a.calls).toHaveLength(1);
  });

  it('retries, and does not send, a delivery another invocation holds the claim of', async () => {
    const { invoke, vendors, dedup } = fakeDispatch();
    const [held, free] = [makeDelivery(), makeDelivery()];
    await dedup.claim([held.deliveryId], 'another-invocation');

    const response = await invoke(eventOfDeliveries([held, free], 10));

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 10 } }],
    });
    expect(vendors.a.deliveries.map((m) => m.deliveryId)).toEqual([free.deliveryId]);
  });

  it('fails the whole batch and sends nothing when the dedup store is unreachable', async () => {
    const { invoke, vendors, dedup, deadLetters } = fakeDispatch();
    dedup.isAvailable = false;
    const event = mskEventOf([
      { offset: 0, delivery: makeDelivery() },
      { offset: 1, value: Buffer.from('not json') },
    ]);

    await expect(invoke(event)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(vendors.a.calls).toHaveLength(0);
    expect(deadLetters.letters).toHaveLength(0);
  });

  it('retries, never commits, a sent delivery whose mark cannot be written; the redelivery marks it first and sends nothing', async () => {
    // Prepare: every mark write fails (the store is out of reach after the send)
    const { invoke, vendors, dedup, metric } = fakeDispatch();
    const delivery = makeDelivery();
    const mark = dedup.mark.bind(dedup);
    let markTries = 0;
    dedup.mark = async () => {
      markTries++;
      throw new DependencyUnavailableError('redis', 'gone');
    };

    // Act
    const response = await invoke(eventOfDeliveries([delivery]));

    // Assess: sent once, the mark tried again before giving up, the record not committed
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 0 } }],
    });
    expect(vendors.a.deliveries).toHaveLength(1);
    expect(markTries).toBeGreaterThan(1);
    expect(metric('MarksWriteFailed')).toBe(1);
    dedup.mark = mark;

    // The redelivery writes the carried mark before claiming: a duplicate, recorded sent, nothing sent.
    const redelivered = await invoke(eventOfDeliveries([delivery]));

    expect(redelivered).toEqual({ batchItemFailures: [] });
    expect(vendors.a.calls).toHaveLength(1);
    expect(vendors.b.calls.length + vendors.c.calls.length).toBe(0);
    expect((await dedup.claim([delivery.deliveryId], 'later')).get(delivery.deliveryId)).toEqual({
      outcome: 'duplicate',
      mark: 'sent',
    });
  });

  it('still finishes the batch when statuses cannot be recorded', async () => {
    const { invoke, vendors, statuses, metric } = fakeDispatch();
    statuses.isUnavailable = true;

    expect(await invoke(eventOfDeliveries([makeDelivery()]))).toEqual({ batchItemFailures: [] });
    expect(vendors.a.deliveries).toHaveLength(1);
    expect(metric('StatusesWriteFailed')).toBe(1);
  });

  it('answers partition identifiers exactly as the event keys them, for topics with dots and dashes', async () => {
    const { invoke, dedup } = fakeDispatch();
    const [held1, held2, free] = [makeDelivery(), makeDelivery(), makeDelivery()];
    await dedup.claim([held1.deliveryId, held2.deliveryId], 'other');
    const topic = 'herald.deliveries-eu-west-1';
    const event = mskEventOf([
      { topic, partition: 12, offset: 7, delivery: held1 },
      { topic, partition: 3, offset: 99, delivery: held2 },
      { topic, partition: 3, offset: 100, delivery: free },
    ]);

    const response = await invoke(event);

    expect(JSON.parse(JSON.stringify(response))).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'herald.deliveries-eu-west-1-12', offset: 7 } },
        { itemIdentifier: { partition: 'herald.deliveries-eu-west-1-3', offset: 99 } },
      ],
    });
  });
});

describe('without ReportBatchItemFailures (on-demand mode)', () => {
  it('fails the invocation when records need a retry, and the retried whole batch sends only the rest', async () => {
    const { invoke, vendors, dedup } = fakeDispatch({ reportBatchItemFailures: false });
    const [held, free] = [makeDelivery(), makeDelivery()];
    await dedup.claim([held.deliveryId], 'another-invocation');
    const event = eventOfDeliveries([held, free]);

    await expect(invoke(event)).rejects.toThrow('1 of 2 records must be retried');
    expect(vendors.a.deliveries.map((m) => m.deliveryId)).toEqual([free.deliveryId]);

    await dedup.release([held.deliveryId], 'another-invocation');
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });
    expect(vendors.a.deliveries.map((m) => m.deliveryId)).toEqual([free.deliveryId, held.deliveryId]);
  });
});

describe('poison records', () => {
  const valid = makeDelivery();
  it.each([
    ['not JSON', { value: Buffer.from('{oops') }, 'value is not JSON'],
    ['not UTF-8', { value: Buffer.from([0xc3, 0x28]) }, 'value is not UTF-8'],
    ['empty', { value: Buffer.alloc(0) }, 'record has no value'],
    [
      'wrong schema version',
      { value: Buffer.from(JSON.stringify({ ...valid, schemaVersion: 2 })) },
      'unsupported schema version 2',
    ],
    [
      'wrong schema header',
      { delivery: valid, headers: { 'herald-schema-version': Buffer.from('7') } },
      'unsupported schema version "7" (header)',
    ],
    [
      'forged deliveryId',
      { value: Buffer.from(JSON.stringify({ ...valid, recipient: '+15550000000' })) },
      'deliveryId does not match requestId and recipient',
    ],
    [
      'unknown channel',
      { value: Buffer.from(JSON.stringify({ ...valid, channel: 'fax' })) },
      'channel is not one of sms, push, email',
    ],
    [
      'missing body',
      { value: Buffer.from(JSON.stringify({ ...valid, content: {} })) },
      'body is not a non-empty string',
    ],
  ])(
    'dead-letters a record that is %s, with its bytes and the reason, and does not retry it',
    async (_name, record, reason) => {
      const { invoke, deadLetters, vendors, metric } = fakeDispatch();
      const event = mskEventOf([
        { offset: 5, key: Buffer.from('k'), ...record },
        { offset: 6, delivery: makeDelivery() },
      ]);
      const sentBytes = Buffer.from(event.records['herald.deliveries-0']?.[0]?.value ?? '', 'base64');

      const response = await invoke(event);

      expect(response).toEqual({ batchItemFailures: [] });
      expect(deadLetters.letters).toHaveLength(1);
      expect(deadLetters.letters[0]?.reason).toBe(reason);
      expect(deadLetters.letters[0]?.value ?? Buffer.alloc(0)).toEqual(sentBytes);
      expect(deadLetters.letters[0]?.source).toEqual({ topic: 'herald.deliveries', partition: 0, offset: 5 });
      expect(vendors.a.deliveries).toHaveLength(1);
      expect(metric('RecordDeadLettered')).toBe(1);
    },
  );

  it('retries poison records when the dead-letter topic is unreachable', async () => {
    const { invoke, deadLetters } = fakeDispatch();
    deadLetters.isAvailable = false;

    const response = await invoke(mskEventOf([{ offset: 3, value: Buffer.from('junk') }]));

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'herald.deliveries-0', offset: 3 } }],
    });
  });

  it('dead-letters a poison record once, even when its batch is delivered again', async () => {
    const { invoke, deadLetters, metric } = fakeDispatch();
    const event = mskEventOf([{ offset: 1, value: Buffer.from('junk') }]);

    await invoke(event);
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });

    expect(deadLetters.letters).toHaveLength(1);
    expect(metric('RecordDeadLettered')).toBe(1);
    expect(metric('DeliverySuppressed')).toBe(1);
  });

  it('dead-letters the AWS sample MSK event (its value is plain text) and answers no failures', async () => {
    const { invoke, deadLetters } = fakeDispatch();

    const response = await invoke(sampleEvent);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLetters.letters).toEqual([
      expect.objectContaining({
        source: { topic: 'mytopic', partition: 0, offset: 15 },
        value: Buffer.from('Hello, this is a test.'),
        headers: [{ name: 'headerKey', value: Buffer.from('headerValue') }],
        reason: 'value is not JSON',
      }),
    ]);
  });
});

async function statusOf(
  statuses: ReturnType<typeof fakeDispatch>['statuses'],
  requestId: string | undefined,
  deliveryId: string | undefined,
) {
  const now = new Date().toISOString();
  await statuses.recordAccepted({
    requestId: requestId as string,
    clientId: 'client-a',
    acceptedAt: now,
    deliveries: [{ position: 0, deliveryId: deliveryId as string }],
  });
  return (await statuses.read(requestId as string, 'client-a'))?.recipients[0];
}
