/**
 * The naive pipeline endToEnd compares Herald with, on the same Kafka, Redis and mock vendor: ingest
 * produces one record per send (batch size 1); the dispatcher takes one record at a time and spends one
 * Redis round trip per step (claim SET NX, mark SET, status HSET) and one vendor call at a time.
 * It shares Herald's record format and HTTP vendor client, so only the design differs.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { HttpVendor } from '../../lambdas/adapters/http-vendor.ts';
import type { Delivery } from '../../lambdas/core/delivery.ts';
import { vendorMessageOf } from '../../lambdas/dispatch/send.ts';
import type { OutboundRecord } from '../../lambdas/ports/message-producer.ts';

const WINDOW_SECONDS = 86_400;
const LEASE_MS = 120_000;

/** A running naive pipeline. */
export interface NaivePipeline {
  /** Produces a request's records one send each (acks=all). */
  ingest(records: readonly OutboundRecord[]): Promise<void>;
  /** Deliveries the dispatcher completed so far, by requestId. */
  delivered(requestIds: ReadonlySet<string>): number;
  stop(): Promise<void>;
}

/** Starts the naive dispatcher on `topic` and returns once its consumer has joined the group. */
export async function startNaivePipeline(options: {
  readonly kafka: Kafka;
  readonly redis: Redis;
  readonly topic: string;
  readonly keyPrefix: string;
  readonly vendorUrl: string;
}): Promise<NaivePipeline> {
  const { kafka, redis, topic, keyPrefix } = options;
  const vendor = new HttpVendor({ name: 'naive', url: options.vendorUrl, timeoutMs: 2_000 });
  const producer: Producer = kafka.producer();
  const consumer: Consumer = kafka.consumer({ groupId: `herald-bench-naive-${randomUUID().slice(0, 8)}` });
  const counts = new Map<string, number>();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  const owner = randomUUID();
  await consumer.run({
    partitionsConsumedConcurrently: 1,
    eachMessage: async ({ message }) => {
      const d = JSON.parse(message.value?.toString('utf8') ?? '{}') as Delivery;
      const key = `${keyPrefix}naive:${d.deliveryId}`;
      if ((await redis.set(key, owner, 'PX', LEASE_MS, 'NX')) !== 'OK') return;
      const outcome = await vendor.send(vendorMessageOf(d));
      if (outcome.kind !== 'accepted') throw new Error(`naive vendor call: ${outcome.kind}`);
      await redis.set(key, 'sent', 'EX', WINDOW_SECONDS);
      await redis.hset(`${keyPrefix}naive-status:${d.requestId}`, d.deliveryId, 'sent');
      counts.set(d.requestId, (counts.get(d.requestId) ?? 0) + 1);
    },
  });
  await joined;
  return {
    async ingest(records) {
      for (const record of records)
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: record.key, value: record.value, headers: { ...record.headers } }],
        });
    },
    delivered(requestIds) {
      let total = 0;
      for (const id of requestIds) total += counts.get(id) ?? 0;
      return total;
    },
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
