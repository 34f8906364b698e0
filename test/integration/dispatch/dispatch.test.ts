/**
 * The dispatcher on real engines: records produced to real Kafka, read back into the MSK event,
 * dedup and statuses in the real Redis, vendors as real mock-vendor HTTP servers, dead letters on a
 * real Kafka topic. What each vendor accepted is read from the vendors' JSONL log.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisDedupStore } from '../../../lambdas/adapters/redis-dedup-store.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { testKafka } from '../../support/engines.ts';
import { makeDelivery } from '../../unit/dispatch/support/deliveries.ts';
import { type DispatchHarness, sendCounts, startDispatchHarness } from './support/dispatch-harness.ts';
import { consumeRecords, deadLetterOf } from './support/kafka-topics.ts';

let harness: DispatchHarness | undefined;
async function start(options: Parameters<typeof startDispatchHarness>[0] = {}) {
  harness = await startDispatchHarness(options);
  return harness;
}
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const deliveries = (n: number, recipient?: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => makeDelivery(recipient ? { recipient: recipient(i) } : {}));

describe('dispatcher on real Kafka, Redis and mock vendors', () => {
  it('sends nothing twice when the same batch is delivered twice', async () => {
    const h = await start();
    const batch = deliveries(20);
    await h.produce(batch);
    const event = await h.event();

    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });
    const requestsAfterFirst = totalRequests(h);
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });

    // Not even asked again: the vendor's own idempotency is a second line, not what this relies on.
    expect(requestsAfterFirst).toBe(20);
    expect(totalRequests(h)).toBe(20);
    expect(h.vendors.a.repeatCount()).toBe(0);
    const counts = sendCounts(h.vendorLog());
    expect(counts.size).toBe(20);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(h.vendorLog().every((entry) => entry.vendor === 'sms-a')).toBe(true);
    const first = batch[0] as (typeof batch)[number];
    await h.statuses.recordAccepted({
      requestId: first.requestId,
      clientId: first.clientId,
      acceptedAt: first.acceptedAt,
      recipients: [
        {
          deliveryId: first.deliveryId,
          recipient: first.recipient,
          state: 'queued',
          updatedAt: first.acceptedAt,
        },
      ],
    });
    expect((await h.statuses.read(first.requestId, first.clientId))?.recipients[0]).toMatchObject({
      state: 'sent',
      vendor: 'sms-a',
    });
  });

  it('retries a claim left by a crashed invocation once its lease has expired, and sends it once', async () => {
    // The harness's 60 s lease equals the invocation's time left: no time to wait for the lease inside.
    const h = await start();
    const batch = deliveries(5);
    await h.produce(batch);
    const event = await h.event();
    // What a crash leaves behind: claims with a lease, and no mark.
    const crashed = new RedisDedupStore(h.redis, {
      keyPrefix: h.keyPrefix,
      windowSeconds: 3_600,
      leaseMs: 1_500,
    });
    await crashed.claim(
      batch.map((d) => d.deliveryId),
      'crashed-invocation',
    );

    const whileLeased = await h.invoke(event);
    expect(whileLeased.batchItemFailures).toHaveLength(5);
    expect(h.vendorLog()).toHaveLength(0);

    await sleep(1_700);
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });
    expect([...sendCounts(h.vendorLog()).values()]).toEqual([1, 1, 1, 1, 1]);
    expect(totalRequests(h)).toBe(5);
  });

  it("waits out a crashed invocation's lease inside the invocation when time allows, and sends each once", async () => {
    // A 5 s lease with 60 s left: the batch may wait up to 55 s for other owners' leases.
    const h = await start({ leaseMs: 5_000 });
    const batch = deliveries(5);
    await h.produce(batch);
    const event = await h.event();
    const crashed = new RedisDedupStore(h.redis, {
      keyPrefix: h.keyPrefix,
      windowSeconds: 3_600,
      leaseMs: 1_500,
    });
    await crashed.claim(
      batch.slice(0, 3).map((d) => d.deliveryId),
      'crashed-invocation',
    );
    const started = Date.now();

    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });

    // The held three went out only after their 1.5 s lease; the vendor was asked once per delivery.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(sendCounts(h.vendorLog())).toEqual(new Map(batch.map((d) => [d.deliveryId, 1])));
    expect(totalRequests(h)).toBe(5);
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });
    expect(totalRequests(h)).toBe(5);
  });

  it('sends everything through the secondary while the primary is down', async () => {
    const h = await start();
    await h.vendors.a.setFaults({ down: true });
    await h.produce(deliveries(10));

    expect(await h.invoke(await h.event())).toEqual({ batchItemFailures: [] });

    expect(h.vendorLog().map((entry) => entry.vendor)).toEqual(Array(10).fill('sms-b'));
  });

  it('sends everything through the tertiary while primary and secondary are down', async () => {
    const h = await start();
    await h.vendors.a.setFaults({ down: true });
    await h.vendors.b.setFaults({ errorRate: 1 });
    await h.produce(deliveries(10));

    expect(await h.invoke(await h.event())).toEqual({ batchItemFailures: [] });

    expect(h.vendorLog().map((entry) => entry.vendor)).toEqual(Array(10).fill('sms-c'));
  });

  it('retries everything while all three vendors are down, then delivers each once after one recovers', async () => {
    const h = await start();
    await Promise.all(Object.values(h.vendors).map((vendor) => vendor.setFaults({ down: true })));
    const batch = deliveries(6);
    await h.produce(batch);
    const event = await h.event();

    const failed = await h.invoke(event);
    expect(failed.batchItemFailures).toHaveLength(6);
    const expected = Object.entries(event.records).flatMap(([partition, records]) =>
      records.map((record) => ({ itemIdentifier: { partition, offset: record.offset } })),
    );
    expect(failed.batchItemFailures).toEqual(expect.arrayContaining(expected));

    await h.vendors.c.setFaults({ down: false });
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });
    expect(totalRequests(h)).toBe(6);
    const counts = sendCounts(h.vendorLog());
    expect(counts).toEqual(new Map(batch.map((d) => [d.deliveryId, 1])));
    expect(h.vendorLog().every((entry) => entry.vendor === 'sms-c')).toBe(true);
  });

  it('records a permanent rejection as failed with the reason and does not retry or fail over', async () => {
    const h = await start();
    const rejected = makeDelivery({ recipient: '+15550009999' });
    await h.vendors.a.setFaults({ rejectTo: ['+15550009999'] });
    await h.produce([rejected, makeDelivery()]);
    const event = await h.event();

    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });
    const requestsAfterFirst = h.vendors.a.requestCount();
    expect(await h.invoke(event)).toEqual({ batchItemFailures: [] });

    expect(h.vendors.a.requestCount()).toBe(requestsAfterFirst);
    expect(h.vendors.b.requestCount() + h.vendors.c.requestCount()).toBe(0);
    expect(h.vendorLog().map((entry) => entry.deliveryId)).not.toContain(rejected.deliveryId);
    await h.statuses.recordAccepted({
      requestId: rejected.requestId,
      clientId: rejected.clientId,
      acceptedAt: rejected.acceptedAt,
      recipients: [
        {
          deliveryId: rejected.deliveryId,
          recipient: rejected.recipient,
          state: 'queued',
          updatedAt: rejected.acceptedAt,
        },
      ],
    });
    expect((await h.statuses.read(rejected.requestId, rejected.clientId))?.recipients[0]).toMatchObject({
      state: 'failed',
      vendor: 'sms-a',
      reason: 'sms-a: HTTP 400 invalid_recipient',
    });
  });

  it('sends poison records to the dead-letter topic with their original bytes and the reason, and does not retry them', async () => {
    const h = await start({ partitions: 1 });
    const junk = Buffer.from([0x7b, 0xff, 0x00, 0x80]);
    const future = Buffer.from(JSON.stringify({ ...makeDelivery(), schemaVersion: 2 }));
    await h.produceRaw([
      { key: Buffer.from('k1'), value: junk },
      { value: future, headers: { 'herald-schema-version': '2' } },
    ]);
    const good = makeDelivery();
    await h.produce([good]);

    expect(await h.invoke(await h.event())).toEqual({ batchItemFailures: [] });

    const records = await consumeRecords(h.deadLetterTopic, 2);
    const letters = records.map((r) => deadLetterOf(r.message));
    expect(letters.map((l) => [l.source.offset, l.reason])).toEqual([
      [0, 'value is not UTF-8'],
      [1, 'unsupported schema version "2" (header)'],
    ]);
    expect(letters[0]?.value).toEqual(junk);
    expect(letters[0]?.key?.toString()).toBe('k1');
    expect(letters[1]?.value).toEqual(future);
    expect(letters[1]?.source.topic).toBe(h.topic);
    expect(
      letters[1]?.headers.find((header) => header.name === 'herald-schema-version')?.value.toString(),
    ).toBe('2');
    expect(h.vendorLog().map((entry) => entry.deliveryId)).toEqual([good.deliveryId]);
    // The header names on the wire, as literals: what operators' tools and replays read must not
    // change with a rename of DeadLetterHeader (deadLetterOf decodes through it, so cannot tell).
    const wireHeaders = records[0]?.message.headers ?? {};
    expect(String(wireHeaders['herald-dlq-reason'])).toBe('value is not UTF-8');
    expect(String(wireHeaders['herald-dlq-source-topic'])).toBe(h.topic);
    expect(String(wireHeaders['herald-dlq-source-partition'])).toBe('0');
    expect(String(wireHeaders['herald-dlq-source-offset'])).toBe('0');
    expect(Number.isNaN(Date.parse(String(wireHeaders['herald-dlq-at'])))).toBe(false);
  });

  it('fails the batch and sends nothing when Redis is unreachable', async () => {
    const h = await start({ dedupRedisUrl: `redis://127.0.0.1:${await closedPort()}` });
    await h.produce(deliveries(3));
    await h.produceRaw([{ value: Buffer.from('poison') }]);

    await expect(h.invoke(await h.event())).rejects.toBeInstanceOf(DependencyUnavailableError);

    expect(h.vendorLog()).toHaveLength(0);
    expect(Object.values(h.vendors).reduce((sum, vendor) => sum + vendor.requestCount(), 0)).toBe(0);
    const admin = testKafka('herald-test-admin').admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(h.deadLetterTopic);
    await admin.disconnect();
    expect(offsets.map((o) => o.high)).toEqual(['0']);
  });
});

/** Requests that reached any of the three mock vendors (refused connections never do). */
function totalRequests(h: DispatchHarness): number {
  return Object.values(h.vendors).reduce((sum, vendor) => sum + vendor.requestCount(), 0);
}

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
