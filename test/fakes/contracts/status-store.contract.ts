/**
 * The StatusStore contract, run against RedisStatusStore (real Redis) and InMemoryStatusStore, so
 * the fake cannot drift from the real adapter: statuses by position, every state, the position ↔
 * deliveryId mapping, precedence, early updates, a reopened store (dispatcher restart), expiry and
 * DependencyUnavailableError when the store is down.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { prefixWidthFor } from '../../../lambdas/core/status-record.ts';
import type { AcceptedRequest, StatusStore, StatusUpdate } from '../../../lambdas/ports/status-store.ts';

/** Builds a store with the given retention; each call must be isolated from the others. */
export type StatusStoreFactory = (options: { retentionSeconds: number }) => Promise<StatusStore>;

/** What the contract needs besides the factory. */
export interface StatusStoreHarness {
  /** The same stored statuses through a new store and connection, as a restarted process sees them. */
  readonly reopen: (store: StatusStore) => Promise<StatusStore>;
  /** Makes `store` fail as when its backend is down (e.g. the Redis connection closed). */
  readonly breakStore: (store: StatusStore) => Promise<void>;
}

const T0 = '2026-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function acceptedRequest(clientId = 'client-a', count = 3, positions?: readonly number[]): AcceptedRequest {
  const requestId = randomBytes(32).toString('hex');
  return {
    requestId,
    clientId,
    acceptedAt: T0,
    deliveries: Array.from({ length: count }, (_, i) => ({
      position: positions?.[i] ?? i,
      deliveryId: deliveryIdFor(requestId, `+8210000${String(i).padStart(4, '0')}`),
    })),
  };
}

function update(
  request: AcceptedRequest,
  index: number,
  fields: Omit<StatusUpdate, 'requestId' | 'deliveryId' | 'clientId'>,
): StatusUpdate {
  const deliveryId = request.deliveries[index]?.deliveryId ?? 'missing';
  return { requestId: request.requestId, clientId: request.clientId, deliveryId, ...fields };
}

/** An update as dispatch makes it from a delivery record that carries position and delivery count. */
function rebuildingUpdate(
  request: AcceptedRequest,
  index: number,
  fields: Omit<StatusUpdate, 'requestId' | 'deliveryId' | 'clientId'>,
): StatusUpdate {
  const position = request.deliveries[index]?.position ?? -1;
  const deliveryCount = request.deliveries.length;
  return { ...update(request, index, fields), position, deliveryCount, acceptedAt: request.acceptedAt };
}

const queuedAt = (position: number) => ({ position, state: 'queued', updatedAt: T0 });

/** Registers the contract suite for one implementation. */
export function describeStatusStoreContract(
  name: string,
  makeStore: StatusStoreFactory,
  harness: StatusStoreHarness,
): void {
  describe(`StatusStore contract: ${name}`, () => {
    const week = { retentionSeconds: 7 * 86_400 };

    it('reads back an accepted request by position, all queued at acceptance', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a', 12);
      await store.recordAccepted(request);
      expect(await store.read(request.requestId, 'client-a')).toEqual({
        requestId: request.requestId,
        clientId: 'client-a',
        acceptedAt: T0,
        recipients: request.deliveries.map((d) => queuedAt(d.position)),
      });
    });

    it('leaves out the positions of collapsed duplicates', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a', 3, [0, 2, 5]);
      await store.recordAccepted(request);
      await store.recordUpdates([update(request, 2, { state: 'sent', vendor: 'sms-a', at: at(3) })]);
      const read = await store.read(request.requestId, 'client-a');
      expect(read?.recipients).toEqual([
        queuedAt(0),
        queuedAt(2),
        { position: 5, state: 'sent', vendor: 'sms-a', updatedAt: at(3) },
      ]);
    });

    it('maps every deliveryId of a 100-recipient request to its own position', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a', 100);
      // Prepare: with 100 recipients one leading byte is not enough to tell them apart.
      expect(prefixWidthFor(request.deliveries.map((d) => d.deliveryId))).toBeGreaterThan(1);
      await store.recordAccepted(request);
      const states = ['sent', 'failed', 'suppressed', 'queued'] as const;
      await store.recordUpdates(
        request.deliveries.map((_, i) => {
          const state = states[i % 4] ?? 'queued';
          return update(request, i, { state, vendor: `v${i % 7}`, reason: `r${i}`, at: at(i + 1) });
        }),
      );
      const read = await store.read(request.requestId, 'client-a');
      expect(read?.recipients).toEqual(
        request.deliveries.map((_, i) => ({
          position: i,
          state: states[i % 4],
          vendor: `v${i % 7}`,
          reason: `r${i}`,
          updatedAt: at(i + 1),
        })),
      );
    });

    it('hides a request from every other client and knows nothing of unknown ids', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a');
      await store.recordAccepted(request);
      expect(await store.read(request.requestId, 'client-b')).toBeUndefined();
      expect(await store.read(randomBytes(32).toString('hex'), 'client-a')).toBeUndefined();
    });

    it('shows every state: queued, sent with vendor, failed with vendor and reason, suppressed', async () => {
      const store = await makeStore(week);
      const [first, second] = [acceptedRequest('client-a', 4), acceptedRequest()];
      await store.recordAccepted(first);
      await store.recordAccepted(second);
      await store.recordUpdates([
        update(first, 0, { state: 'sent', vendor: 'vendor-a', at: at(1) }),
        update(first, 1, { state: 'failed', vendor: 'vendor-b', reason: 'invalid number', at: at(1) }),
        update(first, 2, { state: 'suppressed', reason: 'duplicate', at: at(2) }),
        update(second, 2, { state: 'sent', vendor: 'vendor-a', at: at(2) }),
      ]);
      expect((await store.read(first.requestId, 'client-a'))?.recipients).toEqual([
        { position: 0, state: 'sent', vendor: 'vendor-a', updatedAt: at(1) },
        { position: 1, state: 'failed', vendor: 'vendor-b', reason: 'invalid number', updatedAt: at(1) },
        { position: 2, state: 'suppressed', reason: 'duplicate', updatedAt: at(2) },
        queuedAt(3),
      ]);
      const secondRead = await store.read(second.requestId, 'client-a');
      expect(secondRead?.recipients.map((r) => r.state)).toEqual(['queued', 'queued', 'sent']);
    });

    it('keeps what dispatch recorded when the queued write arrives late', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest();
      await store.recordUpdates([update(request, 1, { state: 'sent', vendor: 'vendor-b', at: at(1) })]);
      expect(await store.read(request.requestId, 'client-a')).toBeUndefined();
      await store.recordAccepted(request);
      await store.recordAccepted(request);
      const read = await store.read(request.requestId, 'client-a');
      expect(read?.recipients).toEqual([
        queuedAt(0),
        { position: 1, state: 'sent', vendor: 'vendor-b', updatedAt: at(1) },
        queuedAt(2),
      ]);
    });

    it('rebuilds a missing record from updates that carry position, delivery count and acceptedAt', async () => {
      const store = await makeStore(week);
      // Prepare: 4 deliveries at positions 0, 1, 3, 4 (a duplicate collapsed at 2); the accept never lands.
      const request = acceptedRequest('client-a', 4, [0, 1, 3, 4]);
      await store.recordUpdates([
        rebuildingUpdate(request, 2, { state: 'sent', vendor: 'vendor-a', at: at(2) }),
        rebuildingUpdate(request, 0, { state: 'failed', reason: 'invalid number', at: at(1) }),
      ]);

      const rebuilt = await store.read(request.requestId, 'client-a');
      expect(rebuilt).toEqual({
        requestId: request.requestId,
        clientId: 'client-a',
        acceptedAt: T0,
        recipients: [
          { position: 0, state: 'failed', reason: 'invalid number', updatedAt: at(1) },
          { position: 3, state: 'sent', vendor: 'vendor-a', updatedAt: at(2) },
        ],
        unseenDeliveries: 2,
      });
      expect(await store.read(request.requestId, 'client-b')).toBeUndefined();
      const third = request.deliveries[2]?.deliveryId ?? '';
      expect(await store.readDelivery(request.requestId, 'client-a', third)).toEqual({
        position: 3,
        state: 'sent',
        vendor: 'vendor-a',
        updatedAt: at(2),
      });

      await store.recordUpdates([
        rebuildingUpdate(request, 1, { state: 'sent', vendor: 'vendor-b', at: at(3) }),
        rebuildingUpdate(request, 2, { state: 'delivered', reason: 'DELIVERED', at: at(9) }),
      ]);
      const more = await store.read(request.requestId, 'client-a');
      expect(more?.unseenDeliveries).toBe(1);
      expect(more?.recipients.map((r) => [r.position, r.state, r.updatedAt])).toEqual([
        [0, 'failed', at(1)],
        [1, 'sent', at(3)],
        [3, 'delivered', at(9)],
      ]);
    });

    it('completes a rebuilt record when the accept lands late, keeping what dispatch recorded', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a', 4, [0, 1, 3, 4]);
      await store.recordUpdates([
        rebuildingUpdate(request, 2, { state: 'sent', vendor: 'vendor-a', at: at(2) }),
        rebuildingUpdate(request, 1, { state: 'suppressed', reason: 'duplicate', at: at(4) }),
      ]);

      await store.recordAccepted(request);
      await store.recordAccepted(request);

      const read = await store.read(request.requestId, 'client-a');
      expect(read).toEqual({
        requestId: request.requestId,
        clientId: 'client-a',
        acceptedAt: T0,
        recipients: [
          queuedAt(0),
          { position: 1, state: 'suppressed', reason: 'duplicate', updatedAt: at(4) },
          { position: 3, state: 'sent', vendor: 'vendor-a', updatedAt: at(2) },
          queuedAt(4),
        ],
      });
      await store.recordUpdates([update(request, 3, { state: 'sent', vendor: 'vendor-c', at: at(5) })]);
      expect((await store.read(request.requestId, 'client-a'))?.recipients[3]).toEqual({
        position: 4,
        state: 'sent',
        vendor: 'vendor-c',
        updatedAt: at(5),
      });
    });

    it('gives a rebuilt record the updates that waited for the accept, once their delivery is seen', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a', 3);
      // Prepare: an update without what rebuilds (an older record) waits for the accept.
      await store.recordUpdates([update(request, 0, { state: 'sent', vendor: 'vendor-a', at: at(1) })]);
      expect(await store.read(request.requestId, 'client-a')).toBeUndefined();

      await store.recordUpdates([
        rebuildingUpdate(request, 1, { state: 'sent', vendor: 'vendor-b', at: at(2) }),
      ]);
      // A redelivered copy of the first delivery, recorded as a duplicate: the waiting `sent` still wins.
      await store.recordUpdates([rebuildingUpdate(request, 0, { state: 'suppressed', at: at(3) })]);

      const read = await store.read(request.requestId, 'client-a');
      expect(read?.recipients).toEqual([
        { position: 0, state: 'sent', vendor: 'vendor-a', updatedAt: at(1) },
        { position: 1, state: 'sent', vendor: 'vendor-b', updatedAt: at(2) },
      ]);
      expect(read?.unseenDeliveries).toBe(1);
    });

    it('moves statuses forward only: sent beats a later suppressed, sent beats failed, newer wins ties', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest();
      await store.recordAccepted(request);
      await store.recordUpdates([
        update(request, 0, { state: 'sent', vendor: 'vendor-a', at: at(1) }),
        update(request, 0, { state: 'suppressed', reason: 'duplicate', at: at(2) }),
        update(request, 1, { state: 'failed', reason: 'first', at: at(1) }),
        update(request, 1, { state: 'sent', vendor: 'vendor-c', at: at(2) }),
        update(request, 2, { state: 'failed', reason: 'newer', at: at(3) }),
        update(request, 2, { state: 'failed', reason: 'older', at: at(2) }),
        update(request, 2, { state: 'queued', at: at(4) }),
      ]);
      const read = await store.read(request.requestId, 'client-a');
      expect(read?.recipients.map((r) => [r.state, r.vendor ?? r.reason, r.updatedAt])).toEqual([
        ['sent', 'vendor-a', at(1)],
        ['sent', 'vendor-c', at(2)],
        ['failed', 'newer', at(3)],
      ]);
    });

    it('keeps the vendor and reason that a later write of the same state does not carry', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest();
      await store.recordAccepted(request);
      await store.recordUpdates([
        update(request, 0, { state: 'sent', vendor: 'vendor-a', at: at(1) }),
        update(request, 0, { state: 'sent', at: at(2) }),
        update(request, 1, { state: 'failed', reason: 'invalid number', at: at(1) }),
        update(request, 1, { state: 'failed', at: at(2) }),
        update(request, 2, { state: 'suppressed', reason: 'duplicate', at: at(1) }),
        update(request, 2, { state: 'sent', at: at(2) }),
      ]);
      const read = await store.read(request.requestId, 'client-a');
      expect(read?.recipients.map((r) => [r.state, r.vendor, r.reason, r.updatedAt])).toEqual([
        ['sent', 'vendor-a', undefined, at(2)],
        ['failed', undefined, 'invalid number', at(2)],
        ['sent', undefined, undefined, at(2)],
      ]);
    });

    it('gives times to the second, and to the minute from 9.1 h after acceptance', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest();
      await store.recordAccepted(request);
      // 32,768 s (9.1 h) after acceptance, then 10 min 59.999 s more: counted in whole minutes from there.
      const late = Date.parse(T0) + 32_768_000 + 659_999;
      await store.recordUpdates([
        update(request, 0, { state: 'sent', at: new Date(Date.parse(T0) + 1_999).toISOString() }),
        update(request, 1, { state: 'sent', at: new Date(late).toISOString() }),
      ]);
      const read = await store.read(request.requestId, 'client-a');
      expect(read?.recipients.map((r) => r.updatedAt)).toEqual([at(1), at(32_768 + 600), T0]);
    });

    it('reads the same history the same way through a reopened store, also after it is written again', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a', 5);
      const history = [
        update(request, 0, { state: 'sent', vendor: 'vendor-a', at: at(1) }),
        update(request, 1, { state: 'failed', vendor: 'vendor-b', reason: 'blocked', at: at(2) }),
        update(request, 2, { state: 'suppressed', reason: 'duplicate', at: at(3) }),
        update(request, 3, { state: 'sent', vendor: 'vendor-c', at: at(4) }),
      ];
      await store.recordAccepted(request);
      await store.recordUpdates(history);
      const before = await store.read(request.requestId, 'client-a');

      const restarted = await harness.reopen(store);
      const after = await restarted.read(request.requestId, 'client-a');
      await restarted.recordUpdates(history);

      expect(after).toEqual(before);
      expect(await restarted.read(request.requestId, 'client-a')).toEqual(before);
    });

    it('treats an empty batch as a no-op', async () => {
      const store = await makeStore(week);
      await expect(store.recordUpdates([])).resolves.toBeUndefined();
    });

    it('throws DependencyUnavailableError from every call while its backend is down', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest();
      await harness.breakStore(store);
      await expect(store.recordAccepted(request)).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(
        store.recordUpdates([update(request, 0, { state: 'sent', at: at(1) })]),
      ).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(store.read(request.requestId, 'client-a')).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
    });

    it('forgets statuses after the retention plus at most one page span (retention / 16)', async () => {
      const store = await makeStore({ retentionSeconds: 1 });
      const request = acceptedRequest();
      await store.recordAccepted(request);
      expect(await store.read(request.requestId, 'client-a')).toBeDefined();
      await sleep(2_100);
      expect(await store.read(request.requestId, 'client-a')).toBeUndefined();
    });
  });
}
