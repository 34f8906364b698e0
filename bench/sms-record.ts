/**
 * One SMS delivery as the dispatch Lambda receives it in an MSK event (the record ingest would produce,
 * base64 key and value, signed-byte headers), for the benchmarks that drive the dispatch app directly.
 */
import { DELIVERY_SCHEMA_VERSION, deliveryIdFor } from '../lambdas/core/delivery.ts';
import { type MskEventRecord, signedFromBytes } from '../lambdas/core/msk-event.ts';
import { encodeDelivery } from '../lambdas/core/send-request.ts';

/** The record at `offset` of `herald.deliveries-0`: one recipient of the request `requestId`. */
export function smsRecord(offset: number, requestId: string): MskEventRecord {
  const recipient = `+1555${String(offset).padStart(7, '0')}`;
  const encoded = encodeDelivery({
    schemaVersion: DELIVERY_SCHEMA_VERSION,
    deliveryId: deliveryIdFor(requestId, recipient),
    requestId,
    clientId: 'bench',
    channel: 'sms',
    recipient,
    content: { body: 'Your code is 123456' },
    priority: 'normal',
    acceptedAt: new Date().toISOString(),
  });
  return {
    topic: 'herald.deliveries',
    partition: 0,
    offset,
    key: Buffer.from(encoded.key).toString('base64'),
    value: Buffer.from(encoded.value).toString('base64'),
    headers: Object.entries(encoded.headers).map(([name, value]) => ({
      [name]: signedFromBytes(Buffer.from(value)),
    })),
  };
}
