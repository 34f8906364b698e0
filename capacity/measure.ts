/**
 * Measures bytes per entry of each kind on a real Redis, writing through Herald's own adapters
 * (RedisDedupStore, RedisIdempotencyStore, RedisStatusStore) exactly as the Lambdas do, under a
 * unique key prefix that is deleted afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisDedupStore } from '../lambdas/adapters/redis-dedup-store.ts';
import { RedisIdempotencyStore } from '../lambdas/adapters/redis-idempotency-store.ts';
import { RedisStatusStore } from '../lambdas/adapters/redis-status-store.ts';
import { deliveryIdFor } from '../lambdas/core/delivery.ts';
import { fingerprintRequest, hashRequest, idempotencyScopeId } from '../lambdas/core/request-hash.ts';
import type { EntrySizes } from './entry-sizes.ts';
import { measureDelta, runConcurrently } from './redis-memory.ts';

/** How many entries of each kind to write. */
export interface MeasureCounts {
  readonly sentMarks: number;
  readonly claims: number;
  readonly idempotencyRecords: number;
  /** Requests of 100 recipients; as many 1-recipient requests are written to split per-request cost. */
  readonly statusRequests: number;
}

/** Defaults: large enough that per-key overheads are amortised as in production, a few seconds each. */
export const DEFAULT_MEASURE_COUNTS: MeasureCounts = {
  sentMarks: 200_000,
  claims: 50_000,
  idempotencyRecords: 20_000,
  statusRequests: 300,
};

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
    await store.complete(
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

/** Reserves and completes `count` Idempotency-Keys with a 202 body as ingest stores it. */
export async function fillIdempotencyRecords(client: Redis, keyPrefix: string, count: number): Promise<void> {
  const store = new RedisIdempotencyStore(client, { keyPrefix, windowSeconds: WINDOW_SECONDS });
  await runConcurrently(count, PARALLEL * 4, async () => {
    const clientId = 'arn:aws:iam::123456789012:role/orders-service';
    const body = randomBytes(64).toString('hex');
    const reserved = await store.reserve(
      idempotencyScopeId(clientId, randomUUID()),
      fingerprintRequest(clientId, body),
    );
    if (reserved.outcome !== 'reserved') throw new Error(`unexpected reserve outcome ${reserved.outcome}`);
    const requestId = hashRequest({
      clientId,
      canonicalBody: body,
      call: { kind: 'gateway-request', value: randomUUID() },
    });
    await store.complete(reserved.reservation, {
      statusCode: 202,
      body: JSON.stringify({ requestId, accepted: 100, collapsedDuplicates: 0 }),
    });
  });
}

/** Records `requests` requests of `recipients` recipients as accepted, then as sent, as ingest and dispatch do. */
export async function fillStatuses(
  client: Redis,
  keyPrefix: string,
  requests: number,
  recipients: number,
  recipientChars: number,
): Promise<void> {
  const store = new RedisStatusStore(client, { keyPrefix, retentionSeconds: 7 * 86_400 });
  await runConcurrently(requests, PARALLEL, async () => {
    const requestId = randomBytes(32).toString('hex');
    const at = new Date().toISOString();
    const deliveries = Array.from({ length: recipients }, () => {
      const recipient = randomBytes(recipientChars).toString('hex').slice(0, recipientChars);
      return {
        deliveryId: deliveryIdFor(requestId, recipient),
        recipient,
        state: 'queued' as const,
        updatedAt: at,
      };
    });
    await store.recordAccepted({
      requestId,
      clientId: 'orders-service',
      acceptedAt: at,
      recipients: deliveries,
    });
    await store.recordUpdates(
      deliveries.map((d) => ({
        requestId,
        deliveryId: d.deliveryId,
        state: 'sent' as const,
        vendor: 'sms-vendor-a',
        at,
      })),
    );
  });
}

/** Bytes per entry of every kind, measured on `client` under a throw-away key prefix. */
export async function measureEntrySizes(
  client: Redis,
  counts: MeasureCounts = DEFAULT_MEASURE_COUNTS,
  recipientChars = 64,
  onStep: (step: string) => void = () => undefined,
): Promise<EntrySizes> {
  const prefix = `herald-measure-${randomBytes(6).toString('hex')}:`;
  // Loads every script once, so the script cache is not counted in the first delta.
  await measureDelta(client, prefix, async () => {
    await fillSentMarks(client, prefix, 1);
    await fillIdempotencyRecords(client, prefix, 1);
    await fillStatuses(client, prefix, 1, 1, recipientChars);
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
  const perLargeRequest = await perEntry('statuses, 100 per request', n, () =>
    fillStatuses(client, prefix, n, 100, recipientChars),
  );
  const perSmallRequest = await perEntry('statuses, 1 per request', n, () =>
    fillStatuses(client, prefix, n, 1, recipientChars),
  );
  // bytes(request of k) = statusRequest + k × statusEntry, solved from k = 100 and k = 1.
  const statusEntry = (perLargeRequest - perSmallRequest) / 99;
  return {
    sentMark,
    inFlightClaim,
    idempotencyRecord,
    statusEntry,
    statusRequest: perSmallRequest - statusEntry,
    recipientChars,
  };
}
