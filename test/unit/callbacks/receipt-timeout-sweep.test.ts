import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { createCallbacksApp } from '../../../lambdas/callbacks/app.ts';
import {
  type CallbackNotifier,
  queueingNotifier,
  type ReachedState,
} from '../../../lambdas/callbacks/callback-notifier.ts';
import { sweepReceiptTimeouts } from '../../../lambdas/callbacks/receipt-timeout-sweep.ts';
import { DEFAULT_CALLBACK_RETRY } from '../../../lambdas/core/callback.ts';
import { RECEIPT_TIMEOUT_MS, RECEIPT_TIMEOUT_REASON } from '../../../lambdas/core/receipt-timeout.ts';
import type { CallbackQueue, QueuedCallback } from '../../../lambdas/ports/callback-queue.ts';
import { InMemoryReceiptTimeouts } from '../../fakes/in-memory-receipt-timeouts.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { lambdaContext } from '../dispatch/support/deliveries.ts';
import { quietMetrics } from '../ingest/support/harness.ts';

const logger = new Logger({ serviceName: 'herald-callbacks-test', logLevel: 'SILENT' });
const SHOP = 'shop';

/** What the notifier was told, as a test double of the CallbackNotifier role. */
class RecordingNotifier implements CallbackNotifier {
  readonly told: ReachedState[] = [];
  async notify(reached: readonly ReachedState[]): Promise<void> {
    this.told.push(...reached);
  }
}

/** A clock the test moves. */
const clockAt = (start: number) => {
  const clock = { nowMs: start, now: () => new Date(clock.nowMs) };
  return clock;
};

/** A request of `count` deliveries for `clientId`, accepted and sent at `sentAtMs`. */
async function sentRequest(statuses: InMemoryStatusStore, sentAtMs: number, count: number, clientId = SHOP) {
  const requestId = randomBytes(32).toString('hex');
  const deliveryIds = Array.from({ length: count }, () => randomBytes(16).toString('base64url'));
  const at = new Date(sentAtMs).toISOString();
  await statuses.recordAccepted({
    requestId,
    clientId,
    acceptedAt: at,
    deliveries: deliveryIds.map((deliveryId, position) => ({ position, deliveryId })),
  });
  const sent: ReachedState[] = deliveryIds.map((deliveryId) => ({
    clientId,
    requestId,
    deliveryId,
    state: 'sent',
    vendor: 'sms-a',
    at,
  }));
  await statuses.recordUpdates(sent.map((r) => ({ ...r, state: 'sent' as const })));
  return { requestId, deliveryIds, sent };
}

function harness(startMs = Date.now()) {
  const clock = clockAt(startMs);
  const store = new InMemoryReceiptTimeouts({ clientIds: [SHOP] });
  const statuses = new InMemoryStatusStore();
  const notifier = new RecordingNotifier();
  const sweep = (options: { maxPerRun?: number; batchSize?: number } = {}) =>
    sweepReceiptTimeouts(
      { store, statuses, notifier, ...options },
      { logger, metrics: quietMetrics(), clock: clock.now },
      () => 50_000,
    );
  return { clock, store, statuses, notifier, sweep };
}

describe('queueingNotifier and the receipt timeouts', () => {
  it("arranges the timeout of a webhook client's sent delivery only, due 72 h after it was sent", async () => {
    const store = new InMemoryReceiptTimeouts({ clientIds: [SHOP] });
    const added: QueuedCallback[] = [];
    const queue = { add: async (callbacks: readonly QueuedCallback[]) => void added.push(...callbacks) };
    const notifier = queueingNotifier(queue as unknown as CallbackQueue, new Set([SHOP]), undefined, {
      store,
    });
    const sentAtMs = Date.UTC(2026, 10, 30, 1, 2, 3);
    const base = { requestId: randomBytes(32).toString('hex'), at: new Date(sentAtMs).toISOString() };
    const id = () => randomBytes(16).toString('base64url');
    const mine = { ...base, clientId: SHOP, deliveryId: id(), state: 'sent' };

    await notifier.notify([
      mine,
      { ...base, clientId: 'no-webhook', deliveryId: id(), state: 'sent' },
      { ...base, clientId: SHOP, deliveryId: id(), state: 'failed', reason: 'rejected' },
    ]);

    const batch = await store.takeDue(sentAtMs + RECEIPT_TIMEOUT_MS, 10);
    expect(batch.entries).toEqual([
      {
        clientId: SHOP,
        requestId: base.requestId,
        deliveryId: mine.deliveryId,
        dueMs: sentAtMs + RECEIPT_TIMEOUT_MS,
      },
    ]);
    expect(await store.takeDue(sentAtMs + RECEIPT_TIMEOUT_MS - 1, 10)).toMatchObject({ entries: [] });
    expect(added.map((c) => c.event.state)).toEqual(['failed']);
  });
});

describe('sweepReceiptTimeouts', () => {
  it('records unknown and tells the notifier once the timeout ran out, and not before', async () => {
    const { clock, store, statuses, notifier, sweep } = harness();
    const sentAtMs = clock.nowMs;
    const { requestId, deliveryIds, sent } = await sentRequest(statuses, sentAtMs, 2);
    await store.add(sent.map((r) => ({ ...r, dueMs: sentAtMs + RECEIPT_TIMEOUT_MS })));

    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS - 1_000;
    expect(await sweep()).toEqual({ unknown: 0, dropped: 0, orphaned: 0 });
    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS + 1_000;
    expect(await sweep()).toEqual({ unknown: 2, dropped: 0, orphaned: 0 });

    const dueAt = new Date(Math.ceil((sentAtMs + RECEIPT_TIMEOUT_MS) / 1000) * 1000).toISOString();
    expect(notifier.told).toEqual(
      deliveryIds.map((deliveryId) => ({
        clientId: SHOP,
        requestId,
        deliveryId,
        state: 'unknown',
        reason: RECEIPT_TIMEOUT_REASON,
        vendor: 'sms-a',
        at: dueAt,
      })),
    );
    for (const deliveryId of deliveryIds)
      expect(await statuses.readDelivery(requestId, SHOP, deliveryId)).toMatchObject({
        state: 'unknown',
        reason: RECEIPT_TIMEOUT_REASON,
      });
    expect(store.size).toBe(0);
  });

  it('drops a delivery a receipt moved on, and one whose repeat was already settled', async () => {
    const { clock, store, statuses, notifier, sweep } = harness();
    const sentAtMs = clock.nowMs;
    const { requestId, deliveryIds, sent } = await sentRequest(statuses, sentAtMs, 2);
    const [delivered, silent] = deliveryIds as [string, string];
    await statuses.recordUpdates([
      {
        requestId,
        clientId: SHOP,
        deliveryId: delivered,
        state: 'delivered',
        at: new Date(sentAtMs + 5_000).toISOString(),
      },
    ]);
    const entries = sent.map((r) => ({ ...r, dueMs: sentAtMs + RECEIPT_TIMEOUT_MS }));
    // The silent one twice: a redelivered record tells the notifier of its `sent` again.
    await store.add([...entries, ...entries.filter((e) => e.deliveryId === silent)]);

    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS + 60_000;
    const result = await sweep({ batchSize: 2 });

    expect(result).toEqual({ unknown: 1, dropped: 2, orphaned: 0 });
    expect(notifier.told.map((r) => r.deliveryId)).toEqual([silent]);
    expect(await statuses.readDelivery(requestId, SHOP, delivered)).toMatchObject({ state: 'delivered' });
  });

  it('lets a receipt that arrives after the timeout win over unknown', async () => {
    const { clock, store, statuses, sweep } = harness();
    const sentAtMs = clock.nowMs;
    const { requestId, deliveryIds, sent } = await sentRequest(statuses, sentAtMs, 1);
    await store.add(sent.map((r) => ({ ...r, dueMs: sentAtMs + RECEIPT_TIMEOUT_MS })));
    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS + 1_000;
    expect((await sweep()).unknown).toBe(1);

    const deliveryId = deliveryIds[0] as string;
    await statuses.recordUpdates([
      {
        requestId,
        clientId: SHOP,
        deliveryId,
        state: 'delivered',
        at: new Date(clock.nowMs + 1).toISOString(),
      },
    ]);

    expect(await statuses.readDelivery(requestId, SHOP, deliveryId)).toMatchObject({ state: 'delivered' });
  });

  it('settles at most maxPerRun entries a run and the rest in the next', async () => {
    const { clock, store, statuses, notifier, sweep } = harness();
    const sentAtMs = clock.nowMs;
    const { sent } = await sentRequest(statuses, sentAtMs, 25);
    await store.add(sent.map((r) => ({ ...r, dueMs: sentAtMs + RECEIPT_TIMEOUT_MS })));
    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS + 1_000;

    expect((await sweep({ maxPerRun: 10, batchSize: 4 })).unknown).toBe(10);
    expect(store.size).toBe(15);
    expect((await sweep({ maxPerRun: 100, batchSize: 4 })).unknown).toBe(15);
    expect(new Set(notifier.told.map((r) => r.deliveryId)).size).toBe(25);
  });

  it('keeps every entry when the status store fails midway, and settles them on the next run', async () => {
    const { clock, store, statuses, notifier, sweep } = harness();
    const sentAtMs = clock.nowMs;
    const { sent } = await sentRequest(statuses, sentAtMs, 3);
    await store.add(sent.map((r) => ({ ...r, dueMs: sentAtMs + RECEIPT_TIMEOUT_MS })));
    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS + 1_000;
    statuses.isUnavailable = true;

    await expect(sweep()).rejects.toThrow(/status/);
    expect(store.size).toBe(3);
    statuses.isUnavailable = false;

    expect((await sweep()).unknown).toBe(3);
    expect(notifier.told).toHaveLength(3);
  });
});

describe('createCallbacksApp with the receipt timeouts', () => {
  it('still delivers the due callbacks when the sweep fails, and counts the failed sweep', async () => {
    // Prepare: the status store is down; the queue double records that delivery went on
    const { clock, store, statuses, notifier } = harness();
    const sentAtMs = clock.nowMs;
    const { sent } = await sentRequest(statuses, sentAtMs, 2);
    await store.add(sent.map((r) => ({ ...r, dueMs: sentAtMs + RECEIPT_TIMEOUT_MS })));
    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS + 1_000;
    statuses.isUnavailable = true;
    const takes: number[] = [];
    const queue = {
      add: async () => undefined,
      takeDue: async (nowMs: number) => {
        takes.push(nowMs);
        return [];
      },
      reschedule: async () => undefined,
      complete: async () => undefined,
    } satisfies CallbackQueue;
    const metrics = quietMetrics();
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const app = createCallbacksApp({
      queue,
      webhooks: new Map(),
      retry: DEFAULT_CALLBACK_RETRY,
      receiptTimeouts: { store, statuses, notifier },
      logger,
      metrics,
      clock: clock.now,
    });

    // Act
    const failed = await app({}, lambdaContext());
    statuses.isUnavailable = false;
    const next = await app({}, lambdaContext());

    // Assess
    expect(failed).toEqual({ delivered: 0, retried: 0, abandoned: 0 });
    expect(takes).toEqual([clock.nowMs, clock.nowMs]);
    expect(addMetric).toHaveBeenCalledWith('ReceiptTimeoutSweepFailed', 'Count', 1);
    expect(next).toEqual({ delivered: 0, retried: 0, abandoned: 0, unknown: 2 });
    expect(notifier.told).toHaveLength(2);
  });
});
