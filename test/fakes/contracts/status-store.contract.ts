/**
 * The StatusStore contract, run against RedisStatusStore (real Redis) and InMemoryStatusStore, so
 * the fake cannot drift from the real adapter.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import type { RequestStatus, StatusStore, StatusUpdate } from '../../../lambdas/ports/status-store.ts';

/** Builds a store with the given retention; each call must be isolated from the others. */
export type StatusStoreFactory = (options: { retentionSeconds: number }) => Promise<StatusStore>;

const T0 = '2026-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function acceptedRequest(clientId = 'client-a', count = 3): RequestStatus {
  const requestId = randomBytes(32).toString('hex');
  return {
    requestId,
    clientId,
    acceptedAt: T0,
    recipients: Array.from({ length: count }, (_, i) => ({
      deliveryId: `d${i}-${requestId.slice(0, 8)}`,
      recipient: `+8210000000${i}`,
      state: 'queued' as const,
      updatedAt: T0,
    })),
  };
}

function update(
  request: RequestStatus,
  index: number,
  fields: Omit<StatusUpdate, 'requestId' | 'deliveryId'>,
) {
  const deliveryId = request.recipients[index]?.deliveryId ?? 'missing';
  return { requestId: request.requestId, deliveryId, ...fields };
}

/**
 * Registers the contract suite for one implementation. `makeUnavailableStore` builds one whose
 * backend cannot answer (Redis down or refusing): the status route maps its error to 503.
 */
export function describeStatusStoreContract(
  name: string,
  makeStore: StatusStoreFactory,
  makeUnavailableStore: () => Promise<StatusStore>,
): void {
  describe(`StatusStore contract: ${name}`, () => {
    const week = { retentionSeconds: 7 * 86_400 };

    it('fails every call with DependencyUnavailableError while its backend cannot answer', async () => {
      const store = await makeUnavailableStore();
      const request = acceptedRequest();
      const calls = [
        store.recordAccepted(request),
        store.recordUpdates([update(request, 0, { state: 'sent', at: at(1), vendor: 'sms-a' })]),
        store.read(request.requestId, request.clientId),
      ];
      const outcomes = await Promise.allSettled(calls);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const outcome of outcomes)
        expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(DependencyUnavailableError);
    });

    it('reads back an accepted request, recipients in request order, all queued', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a', 12);
      await store.recordAccepted(request);
      expect(await store.read(request.requestId, 'client-a')).toEqual(request);
    });

    it('hides a request from every other client and knows nothing of unknown ids', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest('client-a');
      await store.recordAccepted(request);
      expect(await store.read(request.requestId, 'client-b')).toBeUndefined();
      expect(await store.read(randomBytes(32).toString('hex'), 'client-a')).toBeUndefined();
    });

    it('applies a batch of updates across requests: sent with vendor, failed with reason', async () => {
      const store = await makeStore(week);
      const [first, second] = [acceptedRequest(), acceptedRequest()];
      await store.recordAccepted(first);
      await store.recordAccepted(second);
      await store.recordUpdates([
        update(first, 0, { state: 'sent', vendor: 'vendor-a', at: at(1) }),
        update(first, 1, { state: 'failed', reason: 'invalid number', at: at(1) }),
        update(second, 2, { state: 'suppressed', reason: 'duplicate', at: at(2) }),
      ]);
      const firstRead = await store.read(first.requestId, 'client-a');
      expect(firstRead?.recipients.map((r) => [r.state, r.vendor, r.reason, r.updatedAt])).toEqual([
        ['sent', 'vendor-a', undefined, at(1)],
        ['failed', undefined, 'invalid number', at(1)],
        ['queued', undefined, undefined, T0],
      ]);
      const secondRead = await store.read(second.requestId, 'client-a');
      expect(secondRead?.recipients[2]).toMatchObject({ state: 'suppressed', reason: 'duplicate' });
    });

    it('keeps what dispatch recorded when the queued write arrives late', async () => {
      const store = await makeStore(week);
      const request = acceptedRequest();
      await store.recordUpdates([update(request, 1, { state: 'sent', vendor: 'vendor-b', at: at(1) })]);
      await store.recordAccepted(request);
      const read = await store.read(request.requestId, 'client-a');
      expect(read?.recipients[1]).toEqual({
        deliveryId: request.recipients[1]?.deliveryId,
        recipient: request.recipients[1]?.recipient,
        state: 'sent',
        vendor: 'vendor-b',
        updatedAt: at(1),
      });
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
      expect(read?.recipients.map((r) => [r.state, r.vendor ?? r.reason])).toEqual([
        ['sent', 'vendor-a'],
        ['sent', 'vendor-c'],
        ['failed', 'newer'],
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

    it('treats an empty batch as a no-op', async () => {
      const store = await makeStore(week);
      await expect(store.recordUpdates([])).resolves.toBeUndefined();
    });

    it('forgets statuses after the retention', async () => {
      const store = await makeStore({ retentionSeconds: 1 });
      const request = acceptedRequest();
      await store.recordAccepted(request);
      expect(await store.read(request.requestId, 'client-a')).toBeDefined();
      await sleep(1_300);
      expect(await store.read(request.requestId, 'client-a')).toBeUndefined();
    });
  });
}
