/**
 * DeadLetterSink on Kafka: one record per poison record on the dead-letter topic, with the original
 * key, value and headers, plus headers naming the reason and the source position. Produced with
 * acks=all by an idempotent producer, so a dead letter is durable before the source offset is
 * committed.
 */
import type { IHeaders, Producer } from 'kafkajs';
import { DependencyUnavailableError } from '../core/errors.ts';
import type { DeadLetter, DeadLetterSink } from '../ports/dead-letter-sink.ts';

/** Headers added to every dead letter. */
export const DeadLetterHeader = {
  reason: 'herald-dlq-reason',
  sourceTopic: 'herald-dlq-source-topic',
  sourcePartition: 'herald-dlq-source-partition',
  sourceOffset: 'herald-dlq-source-offset',
  at: 'herald-dlq-at',
} as const;

/** Kafka-backed DeadLetterSink. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  readonly #producer: Producer;
  readonly #topic: string;
  #connected: Promise<void> | undefined;

  /** `producer` should be idempotent (`kafka.producer({ idempotent: true })`). */
  constructor(producer: Producer, topic: string) {
    this.#producer = producer;
    this.#topic = topic;
  }

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const at = new Date().toISOString();
    try {
      // Why lazily and once: most invocations have no poison at all and need no connection.
      this.#connected ??= this.#producer.connect();
      await this.#connected;
      await this.#producer.send({
        topic: this.#topic,
        acks: -1,
        messages: letters.map((letter) => ({
          key: letter.key ?? null,
          value: letter.value ?? null,
          headers: headersOf(letter, at),
        })),
      });
    } catch (error) {
      this.#connected = undefined;
      throw new DependencyUnavailableError('kafka', 'could not publish dead letters', { cause: error });
    }
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
    this.#connected = undefined;
  }
}

function headersOf(letter: DeadLetter, at: string): IHeaders {
  const headers: Record<string, Buffer[]> = {};
  for (const header of letter.headers) headers[header.name] = [...(headers[header.name] ?? []), header.value];
  return {
    ...headers,
    [DeadLetterHeader.reason]: letter.reason,
    [DeadLetterHeader.sourceTopic]: letter.source.topic,
    [DeadLetterHeader.sourcePartition]: String(letter.source.partition),
    [DeadLetterHeader.sourceOffset]: String(letter.source.offset),
    [DeadLetterHeader.at]: at,
  };
}
