/** Herald's own Kafka records for a 100-recipient request, as ingest encodes them. */
import { randomBytes } from 'node:crypto';
import { encodeDelivery, planDeliveries } from '../../lambdas/core/send-request.ts';
import type { OutboundRecord } from '../../lambdas/ports/message-producer.ts';

let sequence = 0;

/** A fresh request's records: `recipients` SMS deliveries of one message. */
export function requestRecords(recipients = 100): OutboundRecord[] {
  sequence += 1;
  const plan = planDeliveries(
    {
      channel: 'sms',
      recipients: Array.from(
        { length: recipients },
        (_, i) => `+8210${String(sequence * recipients + i).padStart(8, '0')}`,
      ),
      content: { body: `Herald benchmark message ${sequence}: your code is 123456.` },
      priority: 'normal',
    },
    {
      requestId: randomBytes(32).toString('hex'),
      clientId: 'bench-client',
      acceptedAt: new Date().toISOString(),
    },
  );
  return plan.deliveries.map(encodeDelivery);
}

/** A phone-number body for the ingest API with `recipients` recipients. */
export function requestBody(recipients = 100): string {
  sequence += 1;
  return JSON.stringify({
    channel: 'sms',
    recipients: Array.from(
      { length: recipients },
      (_, i) => `+8210${String(sequence * recipients + i).padStart(8, '0')}`,
    ),
    content: { body: `Herald benchmark message ${sequence}: your code is 123456.` },
  });
}
