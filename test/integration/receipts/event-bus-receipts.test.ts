/**
 * Receipts end to end on the local event bus: provider events put over HTTP (PutEvents, as the SES
 * and SMS fakes do), routed by the deployed rules' patterns to the receipts app, applied to the real
 * Redis status store and to the in-memory fake. The Redis case fails until RedisStatusStore accepts
 * the receipt states of core/status-precedence.ts (its Lua ranks only the four dispatch states).
 */
import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisStatusStore } from '../../../lambdas/adapters/redis-status-store.ts';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import type { EventBridgeEvent } from '../../../lambdas/core/receipts.ts';
import type { StatusStore } from '../../../lambdas/ports/status-store.ts';
import { createReceiptsApp, type ReceiptOutcome } from '../../../lambdas/receipts/app.ts';
import { LocalEventBus } from '../../../local/event-bus/event-bus.ts';
import { type EventBusServer, startEventBusServer } from '../../../local/event-bus/event-bus-server.ts';
import { addReceiptRules } from '../../../local/event-bus/receipts-rules.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { testEngines, uniqueName } from '../../support/engines.ts';
import { taggedEvent } from '../../support/receipt-events.ts';
import { lambdaContext } from '../../unit/dispatch/support/deliveries.ts';
import { quietMetrics } from '../../unit/ingest/support/harness.ts';

const redis = createRedisClient({ url: testEngines().redisUrl, isCluster: false });
afterAll(async () => {
  await redis.quit();
});

describe.each<[string, () => StatusStore]>([
  [
    'the real Redis status store',
    () =>
      new RedisStatusStore(redis, { keyPrefix: `${uniqueName('herald-receipts')}:`, retentionSeconds: 600 }),
  ],
  ['the in-memory status store', () => new InMemoryStatusStore()],
])('receipts from the local event bus, on %s', (_, createStore) => {
  const statuses = createStore();
  const app = createReceiptsApp({
    statuses,
    logger: new Logger({ serviceName: 'herald-receipts-test', logLevel: 'SILENT' }),
    metrics: quietMetrics(),
  });
  const outcomes: ReceiptOutcome[] = [];
  const bus = new LocalEventBus();
  addReceiptRules(
    bus,
    async (event) => outcomes.push(await app(event as EventBridgeEvent, lambdaContext())),
    {
      retryBaseMs: 20,
    },
  );
  let server: EventBusServer;

  afterAll(async () => {
    await server.close();
  });

  const clientId = 'orders';
  // A request id as ingest makes them (64 hex digits): the status store keys records by it.
  const requestId = randomBytes(32).toString('hex');
  // The SES samples' destination, so the reported address hashes to the deliveryId.
  const emails = ['recipient@example.com'];
  const phones = ['+14255550156', '+14255550157'];
  const idOf = (recipient: string) => deliveryIdFor(requestId, recipient);

  /** What a provider fake does: PutEvents over HTTP with the event's detail as a JSON string. */
  async function putEvents(events: readonly EventBridgeEvent[]): Promise<void> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        Entries: events.map((event) => ({
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
        })),
      }),
    });
    expect(await response.json()).toMatchObject({ FailedEntryCount: 0 });
    await bus.drain();
  }

  async function stateOf(recipient: string): Promise<string | undefined> {
    return (await statuses.readDelivery(requestId, clientId, idOf(recipient)))?.state;
  }

  beforeAll(async () => {
    server = await startEventBusServer(bus);
    const recipients = [...emails, ...phones];
    const at = new Date().toISOString();
    await statuses.recordAccepted({
      requestId,
      clientId,
      acceptedAt: at,
      deliveries: recipients.map((r, position) => ({ position, deliveryId: idOf(r) })),
    });
    await statuses.recordUpdates(
      recipients.map((r) => ({
        requestId,
        clientId,
        deliveryId: idOf(r),
        state: 'sent',
        vendor: 'vendor-a',
        at,
      })),
    );
  });

  it('moves an SMS to delivered and an e-mail to bounced', async () => {
    const ids = (recipient: string) => ({ deliveryId: idOf(recipient), requestId, clientId });

    await putEvents([
      taggedEvent('eum-sms-text-delivered', ids(phones[0] as string)),
      taggedEvent('ses-bounce', ids(emails[0] as string)),
    ]);

    // Why first: a store that refuses the receipt states shows its error here.
    expect(bus.deadLetters.map((letter) => letter.error)).toEqual([]);
    expect(await stateOf(phones[0] as string)).toBe('delivered');
    expect(await stateOf(emails[0] as string)).toBe('bounced');
  });

  it('keeps the most advanced state when a delivery receipt arrives after the bounce', async () => {
    const ids = { deliveryId: idOf(emails[0] as string), requestId, clientId };

    await putEvents([taggedEvent('ses-delivery', ids)]);

    expect(await stateOf(emails[0] as string)).toBe('bounced');
  });

  it('drops a receipt for an unknown deliveryId and changes nothing', async () => {
    const before = await statuses.read(requestId, clientId);
    const stranger = { deliveryId: deliveryIdFor(requestId, '+19995550100'), requestId, clientId };
    outcomes.length = 0;

    await putEvents([taggedEvent('eum-sms-text-delivered', stranger)]);

    expect(outcomes).toEqual(['unknown-delivery']);
    expect(await statuses.read(requestId, clientId)).toEqual(before);
    expect(await stateOf(phones[1] as string)).toBe('sent');
  });
});
