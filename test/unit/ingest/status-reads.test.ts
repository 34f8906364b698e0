/**
 * Status reads after acceptance: the `queued` write is retried; when every try fails the answer is
 * still 202, AcceptedStatusesNotRecorded is counted, and the first status dispatch writes (from the
 * delivery record) rebuilds the request; a delivery `sent` 72 h ago without a receipt reads `unknown`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
import { statusKeysOf } from '../../../lambdas/core/delivery.ts';
import { parseDelivery } from '../../../lambdas/core/delivery-parser.ts';
import { RECEIPT_TIMEOUT_MS, RECEIPT_TIMEOUT_REASON } from '../../../lambdas/core/receipt-timeout.ts';
import { messageStatus } from '../../../lambdas/ingest/request-schema.ts';
import { IngestMetric } from '../../../lambdas/shared/metric-names.ts';
import { FlakyStatusStore } from '../../fakes/flaky-status-store.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { apiEvent, smsBody } from './support/api-event.ts';
import { fakeIngest, quietMetrics } from './support/harness.ts';

const RECIPIENTS = ['+821012345678', '+821087654321', '+821012345678', '+821011112222'];

/** The ingest app on a status store that refuses the first `failures` accept writes, on a set clock. */
function flakyIngest(failures: number, nowMs = Date.parse('2026-11-25T17:00:00.000Z')) {
  const statuses = new FlakyStatusStore(new InMemoryStatusStore(), failures);
  const metrics = quietMetrics();
  const addMetric = vi.spyOn(metrics, 'addMetric');
  const clock = { nowMs };
  const ingest = fakeIngest({
    statuses,
    metrics,
    clock: () => new Date(clock.nowMs),
    statusRetryDelaysMs: [1, 1],
  });
  const get = async (requestId: string) =>
    ingest.call(apiEvent({ method: 'GET', path: `/v1/messages/${requestId}` }));
  const counted = (name: string) => addMetric.mock.calls.filter(([metric]) => metric === name).length;
  const deliveries = (): Delivery[] =>
    ingest
      .records()
      .map((r, offset) =>
        parseDelivery({ topic: 't', partition: 0, offset, value: Buffer.from(r.value), headers: [] }),
      );
  return { ingest, statuses, clock, get, counted, deliveries };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('GET /v1/messages/{requestId} after acceptance', () => {
  it('reads the request when the queued write succeeded only on its last try', async () => {
    const { ingest, statuses, get, counted } = flakyIngest(2);

    const accepted = await ingest.call(apiEvent({ body: smsBody(RECIPIENTS) }));

    expect(accepted.statusCode).toBe(202);
    expect(statuses.acceptAttempts).toBe(3);
    expect(counted(IngestMetric.statusesNotRecorded)).toBe(0);
    const read = await get(String(accepted.json.requestId));
    expect(read.statusCode).toBe(200);
    expect(messageStatus.parse(read.json).counts).toMatchObject({ total: 3, queued: 3 });
  });

  it('answers 202 when every try fails, counts it, and reads what dispatch rebuilds from the records', async () => {
    const { ingest, statuses, get, counted, deliveries } = flakyIngest(Number.POSITIVE_INFINITY);

    const accepted = await ingest.call(apiEvent({ body: smsBody(RECIPIENTS) }));

    expect(accepted.statusCode).toBe(202);
    expect(statuses.acceptAttempts).toBe(3);
    expect(counted(IngestMetric.statusesNotRecorded)).toBe(1);
    const requestId = String(accepted.json.requestId);
    // The window the docs name: neither the accept nor any status of dispatch was written.
    expect((await get(requestId)).statusCode).toBe(404);

    // Act: dispatch sends the last delivery (position 3) and writes its status from the record.
    const last = deliveries().find((d) => d.recipient === '+821011112222') as Delivery;
    await statuses.recordUpdates([
      { ...statusKeysOf(last), state: 'sent', vendor: 'sms-a', at: '2026-11-25T17:00:03.000Z' },
    ]);

    const read = await get(requestId);
    expect(read.statusCode).toBe(200);
    expect(messageStatus.parse(read.json)).toEqual({
      requestId,
      acceptedAt: '2026-11-25T17:00:00.000Z',
      counts: expect.objectContaining({ total: 3, queued: 2, sent: 1 }),
      recipients: [{ position: 3, state: 'sent', vendor: 'sms-a', updatedAt: '2026-11-25T17:00:03.000Z' }],
    });
  });

  it('shows a delivery sent 72 h ago with no receipt as unknown, and one a second younger as sent', async () => {
    const { ingest, statuses, get, clock, deliveries } = flakyIngest(0);
    const accepted = await ingest.call(apiEvent({ body: smsBody(['+821012345678', '+821087654321']) }));
    const requestId = String(accepted.json.requestId);
    const sentAtMs = clock.nowMs + 5_000;
    await statuses.recordUpdates(
      deliveries().map((d) => ({
        ...statusKeysOf(d),
        state: 'sent' as const,
        vendor: 'sms-a',
        at: new Date(sentAtMs).toISOString(),
      })),
    );
    const [, second] = deliveries();
    await statuses.recordUpdates([
      {
        ...statusKeysOf(second as Delivery),
        state: 'delivered',
        reason: 'DELIVERED',
        at: new Date(sentAtMs + 60_000).toISOString(),
      },
    ]);

    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS - 1_000;
    const before = messageStatus.parse((await get(requestId)).json);
    clock.nowMs = sentAtMs + RECEIPT_TIMEOUT_MS;
    const after = messageStatus.parse((await get(requestId)).json);

    expect(before.recipients.map((r) => r.state)).toEqual(['sent', 'delivered']);
    expect(before.counts).toMatchObject({ sent: 1, unknown: 0, delivered: 1 });
    expect(after.recipients[0]).toEqual({
      position: 0,
      state: 'unknown',
      vendor: 'sms-a',
      reason: RECEIPT_TIMEOUT_REASON,
      updatedAt: new Date(sentAtMs).toISOString(),
    });
    expect(after.recipients[1]?.state).toBe('delivered');
    expect(after.counts).toMatchObject({ total: 2, sent: 0, unknown: 1, delivered: 1 });
  });
});
