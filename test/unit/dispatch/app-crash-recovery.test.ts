/**
 * Redeliveries after an invocation died part-way through a batch (SIGKILL, timeout): whatever of its
 * bookkeeping landed, a delivery that reached a vendor ends `sent`, and nothing is sent twice.
 * On in-memory fakes; the crashed invocation's writes are made directly on the fakes.
 */
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
import { vendorMessageOf } from '../../../lambdas/dispatch/send.ts';
import { eventOfDeliveries, makeDelivery } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

type Dispatch = ReturnType<typeof fakeDispatch>;

/** Records every delivery as accepted (`queued`), as ingest does, and reads their statuses. */
async function acceptAll(statuses: Dispatch['statuses'], deliveries: readonly Delivery[]) {
  const now = new Date().toISOString();
  for (const delivery of deliveries) {
    await statuses.recordAccepted({
      requestId: delivery.requestId,
      clientId: 'client-a',
      acceptedAt: now,
      deliveries: [{ position: 0, deliveryId: delivery.deliveryId }],
    });
  }
  return async () =>
    Promise.all(deliveries.map(async (d) => (await statuses.read(d.requestId, 'client-a'))?.recipients[0]));
}

/** The message a crashed invocation handed to a vendor for `delivery`. */
const messageOf = vendorMessageOf;

describe('dispatch app after a crashed invocation', () => {
  it('records sent for deliveries whose sent mark landed but whose status write did not', async () => {
    // Prepare: the crashed invocation sent, and its mark reached the dedup store; its status write was lost.
    const { invoke, vendors, dedup, statuses, metric } = fakeDispatch();
    const deliveries = Array.from({ length: 3 }, () => makeDelivery());
    const readStatuses = await acceptAll(statuses, deliveries);
    for (const delivery of deliveries) await vendors.a.send(messageOf(delivery));
    await dedup.claim(
      deliveries.map((d) => d.deliveryId),
      'crashed-invocation',
    );
    await dedup.mark(
      deliveries.map((d) => ({ deliveryId: d.deliveryId, kind: 'sent' as const })),
      'crashed-invocation',
    );

    // Act: the event source mapping redelivers the batch.
    const response = await invoke(eventOfDeliveries(deliveries));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(vendors.a.calls).toHaveLength(3);
    expect(metric('DeliverySuppressed')).toBe(3);
    expect((await readStatuses()).map((s) => s?.state)).toEqual(['sent', 'sent', 'sent']);
  });

  it('records failed for a delivery whose failed mark landed but whose status write did not', async () => {
    const { invoke, vendors, dedup, statuses } = fakeDispatch();
    const delivery = makeDelivery();
    const readStatuses = await acceptAll(statuses, [delivery]);
    await dedup.claim([delivery.deliveryId], 'crashed-invocation');
    await dedup.mark([{ deliveryId: delivery.deliveryId, kind: 'failed' }], 'crashed-invocation');

    await invoke(eventOfDeliveries([delivery]));

    expect(vendors.a.calls).toHaveLength(0);
    expect((await readStatuses())[0]?.state).toBe('failed');
  });

  it('holds, never resends, a delivery a crashed invocation had at a vendor (its intent is still there)', async () => {
    // Prepare: the crashed invocation wrote its intent and sent; no mark, no status; its lease has run out.
    const { invoke, vendors, dedup, statuses } = fakeDispatch();
    const delivery = makeDelivery();
    const readStatuses = await acceptAll(statuses, [delivery]);
    await dedup.intend([{ deliveryId: delivery.deliveryId, vendor: 'sms-a' }], 'crashed-invocation');
    await vendors.a.send(messageOf(delivery));
    dedup.claims.set(delivery.deliveryId, { owner: 'crashed-invocation', expiresAtMs: Date.now() - 1 });

    await invoke(eventOfDeliveries([delivery]));

    // The providers do not dedupe: a second call would be a second message. Held as maybe-sent.
    expect(vendors.a.calls).toHaveLength(1);
    expect(vendors.a.deliveries).toHaveLength(1);
    expect((await readStatuses())[0]).toMatchObject({ state: 'maybe-sent', vendor: 'sms-a' });
  });

  it('sends a delivery a crashed invocation claimed but never called a vendor for', async () => {
    const { invoke, vendors, dedup } = fakeDispatch();
    const delivery = makeDelivery();
    dedup.claims.set(delivery.deliveryId, { owner: 'crashed-invocation', expiresAtMs: Date.now() - 1 });

    await invoke(eventOfDeliveries([delivery]));

    expect(vendors.a.deliveries).toHaveLength(1);
  });
});
