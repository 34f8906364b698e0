/**
 * Kafka helpers for the dispatch integration tests: read records back from a topic (dead letters
 * included, decoded into DeadLetter form) and produce delivery records the way ingest does.
 */
import type { KafkaMessage } from 'kafkajs';
import { DeadLetterHeader } from '../../../../lambdas/adapters/kafka-dead-letter-sink.ts';
import type { DeadLetter } from '../../../../lambdas/ports/dead-letter-sink.ts';
import { consumeRecords } from '../../../support/engines.ts';

export { type ConsumedRecord, consumeRecords } from '../../../support/engines.ts';

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
