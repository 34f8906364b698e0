/**
 * Measures bytes per entry of each kind on a real Redis, writing through Herald's own adapters
 * (RedisDedupStore, RedisIdempotencyStore, RedisStatusStore) exactly as the Lambdas do, under a
 * unique key prefix that is deleted afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisDedupStore } from '../lambdas/adapters/redis-dedup-store.ts';
import { RedisIdempotencyStore } from '../lambdas/adapters/redis-idempotency-store.ts';
import { RedisReceiptTimeouts } from '../lambdas/adapters/redis-receipt-timeouts.ts';
import { RedisStatusStore, STATUS_PAGE_TAG_DIGITS } from '../lambdas/adapters/redis-status-store.ts';
import { fingerprintRequest, idempotencyScopeId } from '../lambdas/core/request-hash.ts';
import { occupiedPages } from './capacity-model.ts';
import type { EntrySizes } from './entry-sizes.ts';
import { measureDelta, runConcurrently } from './redis-memory.ts';

/** How many entries of each kind to write. */
export interface MeasureCounts {
  readonly sentMarks: number;
  readonly claims: number;
  readonly idempotencyRecords: number;
  /** Requests of 10 recipients in dense pages; as many 1-recipient requests split per-request cost. */
  readonly statusRequests: number;
  /** Requests of 10 recipients spread over the default 65,536 page tags, for the cost of a page. */
  readonly sparseStatusRequests: number;
  /** Receipt-timeout entries, all in one time bucket. */
  readonly receiptTimeouts: number;
}

/** Defaults: large enough that per-key overheads are amortised as in production, a few seconds each. */
export const DEFAULT_MEASURE_COUNTS: MeasureCounts = {
  sentMarks: 200_000,
  claims: 50_000,
  idempotencyRecords: 20_000,
  statusRequests: 20_000,
  sparseStatusRequests: 4_000,
  // Why a million: a bucket's strings grow by doubling, so a smaller fill pays more per entry (85 B at 100k).
  receiptTimeouts: 1_000_000,
};

/** Hex digits of page tags for dense pages (16 pages, thousands of requests each, as in production). */
export const DENSE_PAGE_TAG_DIGITS = 1;

const BATCH = 100;
const PARALLEL = 8;
const WINDOW_SECONDS = 86_400;
// Why a long lease: no claim may expire while its memory is being measured.
const MEASURE_LEASE_MS = 30 * 60_000;

/** `count` fresh deliveryIds: 16 random bytes in base64url, the shape deliveryIdFor gives. */
export function randomDeliveryIds(count: number): string[] {
  const bytes = randomBytes(16 * count);
  return Array.from({ length: count }, (_, i) => bytes.subarray(16 * i, 16 * i + 16).toString('base64url'));
}

/** Claims and marks `count` new deliveries in 100-record batches through RedisDedupStore. */
export async function fillSentMarks(client: Redis, keyPrefix: string, count: number): Promise<void> {
  const store = new RedisDedupStore(client, {
    keyPrefix,
    windowSeconds: WINDOW_SECONDS,
    leaseMs: MEASURE_LEASE_MS,
  });
  await runConcurrently(Math.ceil(count / BATCH), PARALLEL, async (batch) => {
    const ids = randomDeliveryIds(Math.min(BATCH, count - batch * BATCH));
    const owner = randomUUID();
    await store.claim(ids, owner);
    await store.mark(
      ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const })),
      owner,
    );
  });
}

/** Claims `count` new deliveries (leases only, never marked). */
export async function fillClaims(client: Redis, keyPrefix: string, count: number): Promise<void> {
  const store = new RedisDedupStore(client, {
    keyPrefix,
    windowSeconds: WINDOW_SECONDS,
    leaseMs: MEASURE_LEASE_MS,
  });
  await runConcurrently(Math.ceil(count / BATCH), PARALLEL, async (batch) => {
    const ids = randomDeliveryIds(Math.min(BATCH, count - batch * BATCH));
    await store.claim(ids, randomUUID());
  });
}

/** Reserves and completes `count` Idempotency-Keys as ingest does (fingerprint + counts). */
export async function fillIdempotencyRecords(client: Redis, keyPrefix: string, count: number): Promise<void> {
  const store = new RedisIdempotencyStore(client, { keyPrefix, windowSeconds: WINDOW_SECONDS });
  await runConcurrently(count, PARALLEL * 4, async () => {
    const clientId = 'arn:aws:iam::123456789012:role/orders-service';
    const reserved = await store.reserve(
      idempotencyScopeId(clientId, randomUUID()),
      fingerprintRequest(clientId, randomBytes(64).toString('hex')),
    );
    if (reserved.outcome !== 'reserved') throw new Error(`unexpected reserve outcome ${reserved.outcome}`);
    await store.complete(reserved.reservation, { accepted: 100, collapsedDuplicates: 0 });
  });
}

/**
 * Records `requests` requests of `recipients` recipients as accepted, then as sent with a vendor, as
 * ingest and dispatch do. `pageTagDigits` as RedisStatusStore's option (default: the production one).
 */
export async function fillStatuses(
  client: Redis,
  keyPrefix: string,
  requests: number,
  recipients: number,
  pageTagDigits?: number,
): Promise<void> {
  const store = new RedisStatusStore(client, {
    keyPrefix,
    retentionSeconds: 7 * 86_400,
    ...(pageTagDigits === undefined ? {} : { pageTagDigits }),
  });
  await runConcurrently(requests, PARALLEL, async () => {
    const requestId = randomBytes(32).toString('hex');
    const at = new Date().toISOString();
    const deliveries = randomDeliveryIds(recipients).map((deliveryId, position) => ({
      position,
      deliveryId,
    }));
    await store.recordAccepted({ requestId, clientId: 'orders-service', acceptedAt: at, deliveries });
    await store.recordUpdates(
      deliveries.map((d) => ({
        requestId,
        clientId: 'orders-service',
        deliveryId: d.deliveryId,
        state: 'sent' as const,
        vendor: 'infobip',
        at,
      })),
    );
  });
}

/** Adds `count` receipt-timeout entries through RedisReceiptTimeouts, due in one hour bucket. */
export async function fillReceiptTimeouts(client: Redis, prefix: string, count: number): Promise<void> {
  const store = new RedisReceiptTimeouts(client, { keyPrefix: prefix, clientIds: ['measure-client'] });
  const dueMs = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 72 * 3_600_000;
  const batches = Math.ceil(count / 1_000);
  await runConcurrently(batches, PARALLEL, async (b) => {
    const size = Math.min(1_000, count - b * 1_000);
    await store.add(
      Array.from({ length: size }, () => ({
        clientId: 'measure-client',
        requestId: randomBytes(32).toString('hex'),
        deliveryId: randomBytes(16).toString('base64url'),
        dueMs,
      })),
    );
  });
}

/** Bytes per entry of every kind, measured on `client` under a throw-away key prefix. */
export async function measureEntrySizes(
  client: Redis,
  counts: MeasureCounts = DEFAULT_MEASURE_COUNTS,
  onStep: (step: string) => void = () => undefined,
): Promise<EntrySizes> {
  const prefix = `herald-measure-${randomBytes(6).toString('hex')}:`;
  // Loads every script once, so the script cache is not counted in the first delta.
  await measureDelta(client, prefix, async () => {
    await fillSentMarks(client, prefix, 1);
    await fillIdempotencyRecords(client, prefix, 1);
    await fillStatuses(client, prefix, 1, 1);
  });
  const perEntry = async (step: string, entries: number, fill: () => Promise<void>) => {
    onStep(step);
    return (await measureDelta(client, prefix, fill)).filledBytes / entries;
  };
  const sentMark = await perEntry('sent marks', counts.sentMarks, () =>
    fillSentMarks(client, prefix, counts.sentMarks),
  );
  const inFlightClaim = await perEntry('claims', counts.claims, () =>
    fillClaims(client, prefix, counts.claims),
  );
  const idempotencyRecord = await perEntry('idempotency records', counts.idempotencyRecords, () =>
    fillIdempotencyRecords(client, prefix, counts.idempotencyRecords),
  );
  const n = counts.statusRequests;
  const perTenRecipients = await perEntry('statuses, 10 per request', n, () =>
    fillStatuses(client, prefix, n, 10, DENSE_PAGE_TAG_DIGITS),
  );
  const perOneRecipient = await perEntry('statuses, 1 per request', n, () =>
    fillStatuses(client, prefix, n, 1, DENSE_PAGE_TAG_DIGITS),
  );
  // bytes(request of k) = statusRequest + k × statusRecipient, solved from k = 10 and k = 1.
  const statusRecipient = (perTenRecipients - perOneRecipient) / 9;
  const sparse = counts.sparseStatusRequests;
  const perSparseRequest = await perEntry('status pages', sparse, () =>
    fillStatuses(client, prefix, sparse, 10),
  );
  const pages = occupiedPages(sparse, 16 ** STATUS_PAGE_TAG_DIGITS);
  const receiptTimeout = await perEntry('receipt timeouts', counts.receiptTimeouts, () =>
    fillReceiptTimeouts(client, prefix, counts.receiptTimeouts),
  );
  return {
    sentMark,
    inFlightClaim,
    idempotencyRecord,
    statusRecipient,
    statusRequest: perOneRecipient - statusRecipient,
    statusPage: ((perSparseRequest - perTenRecipients) * sparse) / pages,
    receiptTimeout,
  };
}
