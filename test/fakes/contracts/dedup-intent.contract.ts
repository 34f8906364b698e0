/**
 * The send-intent part of the DedupStore contract, run against RedisDedupStore (real Redis) and
 * InMemoryDedupStore: an intent written ahead of a vendor call outlives the invocation (a crash, an
 * ambiguous answer) until the delivery is marked, or released with nothing possibly sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type DedupStoreFactory, randomDeliveryId } from './dedup-store.contract.ts';

/** Registers the intent contract for one implementation. */
export function describeDedupIntentContract(name: string, makeStore: DedupStoreFactory): void {
  describe(`DedupStore intents: ${name}`, () => {
    it('tells the next claimer which vendor a crashed holder may have sent through', async () => {
      // Prepare: owner-a claims, writes its intent and dies (its short lease runs out)
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 200 });
      const id = randomDeliveryId();
      const other = randomDeliveryId();
      await store.claim([id, other], 'owner-a');
      await store.intend([{ deliveryId: id, vendor: 'sms-a' }], 'owner-a');
      await sleep(300);

      // Act
      const claims = await store.claim([id, other], 'owner-b');

      // Assess
      expect(claims.get(id)).toEqual({ outcome: 'claimed', sendingAt: 'sms-a' });
      expect(claims.get(other)).toEqual({ outcome: 'claimed' });
    });

    it('keeps the latest intent when a delivery fails over to another vendor', async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 60_000 });
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');
      await store.intend([{ deliveryId: id, vendor: 'sms-a' }], 'owner-a');
      await store.intend([{ deliveryId: id, vendor: 'sms-b' }], 'owner-a');
      expect((await store.claim([id], 'owner-a')).get(id)).toEqual({
        outcome: 'claimed',
        sendingAt: 'sms-b',
      });
    });

    it('forgets the intent once the delivery is marked', async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 60_000 });
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');
      await store.intend([{ deliveryId: id, vendor: 'sms-a' }], 'owner-a');
      await store.mark([{ deliveryId: id, kind: 'sent' }], 'owner-a');
      expect((await store.claim([id], 'owner-b')).get(id)).toEqual({ outcome: 'duplicate', mark: 'sent' });
    });

    it('finds a maybe-sent mark as a duplicate that is never claimed again', async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 60_000 });
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');
      await store.mark([{ deliveryId: id, kind: 'maybe-sent' }], 'owner-a');
      expect((await store.claim([id], 'owner-b')).get(id)).toEqual({
        outcome: 'duplicate',
        mark: 'maybe-sent',
      });
    });

    it('drops the intent on a release with nothing sent, and keeps it when asked', async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 60_000 });
      const [nothingSent, possiblySent] = [randomDeliveryId(), randomDeliveryId()];
      await store.claim([nothingSent, possiblySent], 'owner-a');
      await store.intend(
        [
          { deliveryId: nothingSent, vendor: 'sms-a' },
          { deliveryId: possiblySent, vendor: 'sms-c' },
        ],
        'owner-a',
      );
      await store.release([nothingSent], 'owner-a');
      await store.release([possiblySent], 'owner-a', { keepIntents: true });

      const claims = await store.claim([nothingSent, possiblySent], 'owner-b');
      expect(claims.get(nothingSent)).toEqual({ outcome: 'claimed' });
      expect(claims.get(possiblySent)).toEqual({ outcome: 'claimed', sendingAt: 'sms-c' });
    });

    it("keeps another owner's intent when a stale owner releases", async () => {
      const store = await makeStore({ windowSeconds: 3600, leaseMs: 60_000 });
      const id = randomDeliveryId();
      await store.claim([id], 'owner-a');
      await store.intend([{ deliveryId: id, vendor: 'sms-a' }], 'owner-a');
      await store.release([id], 'owner-stale');
      expect((await store.claim([id], 'owner-a')).get(id)).toEqual({
        outcome: 'claimed',
        sendingAt: 'sms-a',
      });
    });
  });
}
