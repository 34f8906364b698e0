/**
 * The ceiling for endToEnd: how fast the same Kafka client moves Herald's records through the same
 * broker with nothing else in the way. Producer sends 100-record batches with acks=all, `inFlight`
 * at a time; a consumer in its own group counts them; the rate runs from the first send to the last
 * record consumed.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { perSecond } from '../harness.ts';
import { requestRecords } from './records.ts';
import { waitUntil } from './vendor-log.ts';

/** A connected producer and consumer on `topic`. */
export interface KafkaCeiling {
  /** Moves `records` records through the broker; resolves to records/s. */
  measure(records: number, inFlight: number): Promise<number>;
  stop(): Promise<void>;
}

/** Connects both ends and returns once the consumer has joined its group. */
export async function startKafkaCeiling(kafka: Kafka, topic: string): Promise<KafkaCeiling> {
  const producer: Producer = kafka.producer();
  const consumer: Consumer = kafka.consumer({ groupId: `herald-bench-ceiling-${randomUUID().slice(0, 8)}` });
  let consumed = 0;
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
    },
  });
  await joined;
  return {
    async measure(records, inFlight) {
      const target = consumed + records;
      const batches = Math.ceil(records / 100);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let batch = next++; batch < batches; batch = next++) {
            const messages = requestRecords().map((r) => ({
              key: r.key,
              value: r.value,
              headers: { ...r.headers },
            }));
            await producer.send({ topic, acks: -1, messages });
          }
        }),
      );
      await waitUntil(() => consumed >= target, 120_000, 'the ceiling consumer', 5);
      return perSecond(records, performance.now() - started);
    },
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
