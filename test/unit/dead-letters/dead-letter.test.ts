import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../lambdas/adapters/kafka-dead-letter-sink.ts';
import { DeadLetterHeaderName, readDeadLetter } from '../../../lambdas/core/dead-letter.ts';
import { DeliveryHeader } from '../../../lambdas/core/delivery.ts';
import { encodeDelivery } from '../../../lambdas/core/send-request.ts';
import { createDeadLettersApp } from '../../../lambdas/dead-letters/app.ts';
import { FailureHeader } from '../../../local/msk-esm/on-failure-destination.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { lambdaContext, makeDelivery, mskEventOf } from '../dispatch/support/deliveries.ts';
import { quietMetrics } from '../ingest/support/harness.ts';

const delivery = makeDelivery();
const value = Buffer.from(encodeDelivery(delivery).value);
const header = (name: string, text: string) => ({ name, value: Buffer.from(text) });

describe('readDeadLetter', () => {
  it('reads the header names the dispatch sink and the mapping emulator write', () => {
    expect(DeadLetterHeaderName.poisonReason).toBe(DeadLetterHeader.reason);
    expect(DeadLetterHeaderName.poisonAt).toBe(DeadLetterHeader.at);
    expect(DeadLetterHeaderName.esmCondition).toBe(FailureHeader.condition);
    expect(DeadLetterHeaderName.esmErrorType).toBe(FailureHeader.errorType);
    expect(DeadLetterHeaderName.requestId).toBe(DeliveryHeader.requestId);
  });

  it.each([
    [[header('lambda-esm-condition', 'RetryAttemptsExhausted')], 'retries exhausted'],
    [[header('lambda-esm-condition', 'RecordAgeExceeded')], 'record too old'],
    [[header('herald-dlq-reason', 'unsupported schema version 2')], 'poison: unsupported schema version 2'],
    [[], 'dead-lettered'],
  ])('names the cause from the headers (%#)', (headers, reason) => {
    const info = readDeadLetter({ headers, value });

    expect(info).toMatchObject({ reason, deliveryId: delivery.deliveryId, requestId: delivery.requestId });
  });

  it('takes the requestId from the header when the value is not JSON', () => {
    const info = readDeadLetter({
      headers: [header('herald-dlq-reason', 'value is not JSON'), header('herald-request-id', 'abc123')],
      value: Buffer.from('{not json'),
    });

    expect(info).toEqual({
      cause: 'poison',
      reason: 'poison: value is not JSON',
      requestId: 'abc123',
      placement: {},
    });
  });
});

describe('dead-letters app', () => {
  it('records each attributable dead letter failed with its cause and counts the rest', async () => {
    const statuses = new InMemoryStatusStore();
    await statuses.recordAccepted({
      requestId: delivery.requestId,
      clientId: delivery.clientId,
      acceptedAt: delivery.acceptedAt,
      deliveries: [{ position: 0, deliveryId: delivery.deliveryId }],
    });
    const app = createDeadLettersApp({
      statuses,
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      metrics: quietMetrics(),
    });
    const event = mskEventOf(
      [
        { offset: 0, value, headers: { 'lambda-esm-condition': Buffer.from('RecordAgeExceeded') } },
        {
          offset: 1,
          value: Buffer.from('garbage'),
          headers: { 'herald-dlq-reason': Buffer.from('value is not JSON') },
        },
      ],
      'herald.deliveries.dlq',
    );

    const result = await app(event, lambdaContext());

    expect(result).toEqual({ recorded: 1, unattributable: 1 });
    const status = await statuses.read(delivery.requestId, delivery.clientId);
    expect(status?.recipients[0]).toMatchObject({ state: 'failed', reason: 'record too old' });
  });

  it('rebuilds the status of a request whose deliveries were all dead-lettered before any status was written', async () => {
    // Prepare: the queued write never landed; both deliveries of the request carry their placement
    const statuses = new InMemoryStatusStore();
    const first = makeDelivery({ position: 0, deliveryCount: 2 });
    const second = makeDelivery({ requestId: first.requestId, position: 1, deliveryCount: 2 });
    const app = createDeadLettersApp({
      statuses,
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      metrics: quietMetrics(),
    });
    const event = mskEventOf(
      [first, second].map((d, offset) => ({
        offset,
        value: Buffer.from(encodeDelivery(d).value),
        headers: { 'lambda-esm-condition': Buffer.from('RetryAttemptsExhausted') },
      })),
      'herald.deliveries.dlq',
    );

    // Act
    await app(event, lambdaContext());

    // Assess
    const status = await statuses.read(first.requestId, first.clientId);
    expect(status?.recipients).toEqual([
      expect.objectContaining({ position: 0, state: 'failed', reason: 'retries exhausted' }),
      expect.objectContaining({ position: 1, state: 'failed', reason: 'retries exhausted' }),
    ]);
  });
});
