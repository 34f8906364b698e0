/**
 * The ReceiptTimeouts contract, run against RedisReceiptTimeouts (single node and Redis Cluster) and
 * InMemoryReceiptTimeouts, so the fake cannot drift from the real adapter. Times are given, not slept.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ReceiptTimeoutEntry, ReceiptTimeouts } from '../../../lambdas/ports/receipt-timeouts.ts';

/** Builds an isolated store resolving `clientIds`. */
export type ReceiptTimeoutsFactory = (options: { clientIds: readonly string[] }) => Promise<ReceiptTimeouts>;

const HOUR = 3_600_000;
/** A whole hour, so bucket edges fall where the cases expect. */
const T0 = Date.UTC(2026, 10, 30, 0);
const clients = ['shop', 'bank'];

function entry(dueMs: number, clientId = 'shop'): ReceiptTimeoutEntry {
  return {
    clientId,
    requestId: randomBytes(32).toString('hex'),
    deliveryId: randomBytes(16).toString('base64url'),
    dueMs,
  };
}

/** Takes and acks until nothing is due, returning every entry taken. */
async function drain(store: ReceiptTimeouts, nowMs: number, limit: number): Promise<ReceiptTimeoutEntry[]> {
  const all: ReceiptTimeoutEntry[] = [];
  for (let round = 0; round < 1_000; round += 1) {
    const batch = await store.takeDue(nowMs, limit);
    await store.ack(batch);
    if (batch.entries.length === 0 && batch.orphaned === 0) return all;
    all.push(...batch.entries);
  }
  throw new Error('never drained');
}

const ids = (entries: readonly ReceiptTimeoutEntry[]) => entries.map((e) => e.deliveryId).sort();

/** Registers the contract suite for one implementation. */
export function describeReceiptTimeoutsContract(name: string, makeStore: ReceiptTimeoutsFactory): void {
  describe(`ReceiptTimeouts contract: ${name}`, () => {
    it('hands out an entry once it is due (to the second, rounded up) and keeps what it was given', async () => {
      const store = await makeStore({ clientIds: clients });
      const added = entry(T0 + 72 * HOUR + 500, 'bank');
      await store.add([added]);

      expect((await store.takeDue(T0 + 72 * HOUR + 999, 10)).entries).toEqual([]);
      const batch = await store.takeDue(T0 + 72 * HOUR + 1_000, 10);

      expect(batch.entries).toEqual([{ ...added, dueMs: T0 + 72 * HOUR + 1_000 }]);
      expect(batch.orphaned).toBe(0);
    });

    it('hands out again what was taken and not acked, and never what was acked', async () => {
      const store = await makeStore({ clientIds: clients });
      const added = [entry(T0 + 1_000), entry(T0 + 2_000), entry(T0 + HOUR + 3_000)];
      await store.add(added);

      const first = await store.takeDue(T0 + 2 * HOUR, 100);
      const again = await store.takeDue(T0 + 2 * HOUR, 100);
      await store.ack(again);
      const afterAck = await store.takeDue(T0 + 2 * HOUR, 100);

      expect(ids(first.entries)).toEqual(ids(added));
      expect(ids(again.entries)).toEqual(ids(added));
      expect(afterAck.entries).toEqual([]);
    });

    it('drains entries spread over hours in small batches, each once, and only those due', async () => {
      const store = await makeStore({ clientIds: clients });
      const added = Array.from({ length: 300 }, (_, i) => entry(T0 + i * 60_000));
      for (let i = 0; i < added.length; i += 37) await store.add(added.slice(i, i + 37));

      const early = await drain(store, T0 + 2 * HOUR, 20);
      const rest = await drain(store, T0 + 6 * HOUR, 20);

      expect(ids(early)).toEqual(ids(added.filter((e) => e.dueMs <= T0 + 2 * HOUR)));
      expect(ids(rest)).toEqual(ids(added.filter((e) => e.dueMs > T0 + 2 * HOUR)));
    });

    it('orphans the entries of a client outside the registry, and the ack forgets them', async () => {
      const store = await makeStore({ clientIds: clients });
      const kept = entry(T0 + 1_000);
      await store.add([kept, entry(T0 + 1_000, 'gone')]);

      const batch = await store.takeDue(T0 + HOUR, 10);
      await store.ack(batch);

      expect(batch.entries).toEqual([kept]);
      expect(batch.orphaned).toBe(1);
      expect(await store.takeDue(T0 + HOUR, 10)).toMatchObject({ entries: [], orphaned: 0 });
    });

    it('hands out an entry added late, for a time the sweep has already passed', async () => {
      const store = await makeStore({ clientIds: clients });
      await store.add([entry(T0 + 1_000)]);
      await drain(store, T0 + 3 * HOUR, 10);
      const late = entry(T0 + HOUR + 1_000);

      await store.add([late]);

      expect(ids(await drain(store, T0 + 3 * HOUR, 10))).toEqual([late.deliveryId]);
    });

    it('keeps an entry added between a take and its ack', async () => {
      const store = await makeStore({ clientIds: clients });
      const first = entry(T0 + HOUR + 1_000);
      await store.add([first]);
      const batch = await store.takeDue(T0 + 3 * HOUR, 10);
      const between = { ...entry(T0 + HOUR + 2_000), deliveryId: sameShardAs(first.deliveryId) };

      await store.add([between]);
      await store.ack(batch);

      expect(ids(batch.entries)).toEqual([first.deliveryId]);
      expect(ids(await drain(store, T0 + 3 * HOUR, 10))).toEqual([between.deliveryId]);
    });
  });
}

/** A new deliveryId whose first byte (the Redis adapter's shard) is the same as `deliveryId`'s. */
function sameShardAs(deliveryId: string): string {
  const bytes = randomBytes(16);
  bytes[0] = Buffer.from(deliveryId, 'base64url')[0] ?? 0;
  return bytes.toString('base64url');
}
