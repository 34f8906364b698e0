/**
 * Builders for dispatch tests: deliveries, Kafka records in the exact MSK event shape (base64
 * key/value, headers as signed byte arrays, records keyed "<topic>-<partition>"), Lambda contexts.
 */
import { randomBytes } from 'node:crypto';
import type { Context, MSKEvent, MSKRecord } from 'aws-lambda';
import { DELIVERY_SCHEMA_VERSION, type Delivery, deliveryIdFor } from '../../../../lambdas/core/delivery.ts';
import { signedFromBytes } from '../../../../lambdas/core/msk-event.ts';
import { encodeDelivery } from '../../../../lambdas/core/send-request.ts';

/** A valid delivery; the deliveryId always matches requestId + recipient. */
export function makeDelivery(overrides: Partial<Omit<Delivery, 'deliveryId'>> = {}): Delivery {
  const requestId = overrides.requestId ?? `req-${randomBytes(6).toString('hex')}`;
  const recipient =
    overrides.recipient ?? `+1555${randomBytes(3).readUIntBE(0, 3).toString().padStart(8, '0')}`;
  return {
    schemaVersion: DELIVERY_SCHEMA_VERSION,
    requestId,
    clientId: 'client-a',
    channel: 'sms',
    content: { body: 'Your code is 123456' },
    priority: 'normal',
    acceptedAt: '2026-11-25T10:00:00.000Z',
    ...overrides,
    recipient,
    deliveryId: deliveryIdFor(requestId, recipient),
  };
}

/** One record of a test event: a delivery (encoded as ingest does) or raw bytes. */
export interface TestRecord {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset: number;
  readonly delivery?: Delivery;
  readonly value?: Buffer;
  readonly key?: Buffer;
  readonly headers?: Readonly<Record<string, Buffer>>;
}

/** Builds the MSK event AWS would send for these records. */
export function mskEventOf(records: readonly TestRecord[], topic = 'herald.deliveries'): MSKEvent {
  const grouped: Record<string, MSKRecord[]> = {};
  for (const record of records) {
    const encoded = record.delivery ? encodeDelivery(record.delivery) : undefined;
    const value = record.value ?? (encoded ? Buffer.from(encoded.value) : undefined);
    const key = record.key ?? (encoded ? Buffer.from(encoded.key) : undefined);
    const headers =
      record.headers ??
      Object.fromEntries(Object.entries(encoded?.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
    const recordTopic = record.topic ?? topic;
    const partition = record.partition ?? 0;
    const msk = {
      topic: recordTopic,
      partition,
      offset: record.offset,
      timestamp: 1_764_064_800_000,
      timestampType: 'CREATE_TIME',
      ...(key ? { key: key.toString('base64') } : {}),
      value: (value ?? Buffer.alloc(0)).toString('base64'),
      headers: Object.entries(headers).map(([name, bytes]) => ({ [name]: signedFromBytes(bytes) })),
    } as MSKRecord;
    const key2 = `${recordTopic}-${partition}`;
    grouped[key2] = [...(grouped[key2] ?? []), msk];
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn:
      'arn:aws:kafka:us-east-1:123456789012:cluster/herald/00000000-0000-0000-0000-000000000000-1',
    bootstrapServers: 'b-1.herald.kafka.us-east-1.amazonaws.com:9098',
    records: grouped,
  };
}

/** Deliveries as consecutive records of one partition, starting at `firstOffset`. */
export function eventOfDeliveries(
  deliveries: readonly Delivery[],
  firstOffset = 0,
  topic = 'herald.deliveries',
): MSKEvent {
  return mskEventOf(
    deliveries.map((delivery, index) => ({ offset: firstOffset + index, delivery })),
    topic,
  );
}

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'herald-dispatch',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:herald-dispatch',
    memoryLimitInMB: '1024',
    awsRequestId: randomBytes(16).toString('hex'),
    logGroupName: '/aws/lambda/herald-dispatch',
    logStreamName: '2026/11/25/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
