/**
 * Kafka helpers for the dispatch integration tests: read records back from a topic (dead letters
 * included, decoded into DeadLetter form) and produce delivery records the way ingest does.
 */
import type { KafkaMessage } from 'kafkajs';
import { DeadLetterHeader } from '../../../../lambdas/adapters/kafka-dead-letter-sink.ts';
import type { DeadLetter } from '../../../../lambdas/ports/dead-letter-sink.ts';
import { testKafka, uniqueName } from '../../../support/engines.ts';

/** A consumed record with its position. */
export interface ConsumedRecord {
  readonly partition: number;
  readonly message: KafkaMessage;
}

/** Reads `count` records from the start of `topic` (fails after `timeoutMs`). */
export async function consumeRecords(
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<ConsumedRecord[]> {
  const consumer = testKafka('herald-test-reader').consumer({ groupId: uniqueName('reader') });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${records.length} of ${count} records on ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            records.push({ partition, message });
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

function asBuffers(value: Buffer | string | (Buffer | string)[] | undefined): Buffer[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? Buffer.from(v) : v));
}

/** Decodes a dead-letter record back into the DeadLetter that was published. */
export function deadLetterOf(message: KafkaMessage): DeadLetter {
  const headers = message.headers ?? {};
  const text = (name: string) => asBuffers(headers[name])[0]?.toString('utf8') ?? '';
  const dlqNames = new Set<string>(Object.values(DeadLetterHeader));
  return {
    source: {
      topic: text(DeadLetterHeader.sourceTopic),
      partition: Number(text(DeadLetterHeader.sourcePartition)),
      offset: Number(text(DeadLetterHeader.sourceOffset)),
    },
    ...(message.key ? { key: message.key } : {}),
    ...(message.value ? { value: message.value } : {}),
    headers: Object.entries(headers)
      .filter(([name]) => !dlqNames.has(name))
      .flatMap(([name, value]) => asBuffers(value).map((v) => ({ name, value: v }))),
    reason: text(DeadLetterHeader.reason),
  };
}

/** Reads `count` dead letters from `topic`, in source order. */
export async function readDeadLetters(topic: string, count: number): Promise<DeadLetter[]> {
  const records = await consumeRecords(topic, count);
  return records.map((record) => deadLetterOf(record.message));
}
