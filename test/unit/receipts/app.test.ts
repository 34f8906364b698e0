import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { createReceiptsApp } from '../../../lambdas/receipts/app.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { taggedEvent } from '../../support/receipt-events.ts';
import { lambdaContext } from '../dispatch/support/deliveries.ts';
import { quietMetrics } from '../ingest/support/harness.ts';

const requestId = 'a'.repeat(64);
const clientId = 'orders';
// The address in the SES sample events, so their destination hashes to the deliveryId.
const recipient = 'recipient@example.com';
const deliveryId = deliveryIdFor(requestId, recipient);
const ids = { deliveryId, requestId, clientId };

async function sentDelivery() {
  const statuses = new InMemoryStatusStore();
  await statuses.recordAccepted({
    requestId,
    clientId,
    acceptedAt: '2026-11-29T10:00:00.000Z',
    deliveries: [{ position: 0, deliveryId }],
  });
  await statuses.recordUpdates([
    { requestId, clientId, deliveryId, state: 'sent', vendor: 'email-a', at: '2026-11-29T10:00:01.000Z' },
  ]);
  const logged: string[] = [];
  const logger = new Logger({ serviceName: 'herald-receipts-test', logLevel: 'INFO' });
  logger.info = (message: string) => void logged.push(message);
  logger.warn = (message: string, ...rest: unknown[]) =>
    void logged.push(`${message} ${JSON.stringify(rest)}`);
  const app = createReceiptsApp({ statuses, logger, metrics: quietMetrics() });
  const state = async () => (await statuses.read(requestId, clientId))?.recipients[0];
  return {
    app,
    statuses,
    state,
    logged,
    invoke: (event: Parameters<typeof app>[0]) => app(event, lambdaContext()),
  };
}

describe('receipts app', () => {
  it('moves a sent delivery to delivered, keeping its vendor', async () => {
    const { invoke, state } = await sentDelivery();

    const outcome = await invoke(taggedEvent('ses-delivery', ids));

    expect(outcome).toBe('applied');
    expect(await state()).toMatchObject({
      state: 'delivered',
      vendor: 'email-a',
      reason: 'delivered: smtp 250',
    });
  });

  it('keeps the most advanced state when receipts arrive out of order or repeat', async () => {
    const { invoke, state } = await sentDelivery();

    await invoke(taggedEvent('ses-bounce', ids));
    await invoke(taggedEvent('ses-delivery', ids));
    await invoke(taggedEvent('ses-bounce', ids));

    expect(await state()).toMatchObject({ state: 'bounced', reason: 'Permanent/General 5.1.1' });
  });

  it('drops a receipt for an unknown delivery and logs it without the recipient', async () => {
    const { invoke, statuses, logged } = await sentDelivery();
    const stranger = { ...ids, deliveryId: deliveryIdFor(requestId, 'other@example.com') };

    const outcome = await invoke(taggedEvent('ses-delivery', stranger));

    expect(outcome).toBe('unknown-delivery');
    const status = await statuses.read(requestId, clientId);
    expect(status?.recipients.map((r) => r.position)).toEqual([0]);
    expect(await statuses.readDelivery(requestId, clientId, stranger.deliveryId)).toBeUndefined();
    expect(logged.join('\n')).toContain('receipt for an unknown delivery');
    expect(logged.join('\n')).toContain(stranger.deliveryId);
    expect(logged.join('\n')).not.toContain('@example.com');
  });

  it('drops an SMS receipt (no address reported) for a deliveryId the request does not have', async () => {
    const { invoke, state } = await sentDelivery();
    const stranger = { ...ids, deliveryId: deliveryIdFor(requestId, '+821012345678') };

    expect(await invoke(taggedEvent('eum-sms-text-delivered', stranger))).toBe('unknown-delivery');
    expect((await state())?.state).toBe('sent');
  });

  it('drops a receipt tagged with another client id', async () => {
    const { invoke, state } = await sentDelivery();

    expect(await invoke(taggedEvent('ses-delivery', { ...ids, clientId: 'billing' }))).toBe(
      'unknown-delivery',
    );
    expect((await state())?.state).toBe('sent');
  });

  it('fails the invocation when the status store is down, so EventBridge retries it', async () => {
    const { invoke, statuses } = await sentDelivery();
    statuses.isUnavailable = true;

    await expect(invoke(taggedEvent('eum-sms-text-delivered', ids))).rejects.toThrow();
  });
});
