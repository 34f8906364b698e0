/**
 * DeadLetterSink on Kafka: one record per poison record on the dead-letter topic, with the original
 * key, value and headers, plus headers naming the reason and the source position. Produced with
 * acks=all by an idempotent producer, so a dead letter is durable before the source offset is
 * committed. A publish never blocks longer than its deadline (`timeoutMs`).
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

/** Settings of the sink. */
export interface KafkaDeadLetterSinkOptions {
  /**
   * Longest a publish may take, connecting included, before it rejects with
   * DependencyUnavailableError. Why: kafkajs' own retries (connect attempts, then the send's
   * retries, each up to the request timeout) block for 10 s with the dispatch client against a
   * refused or silent broker, and far longer when a send is retried; the batch must learn early and
   * retry the record instead. @default 5_000
   */
  readonly timeoutMs?: number;
}

/** Kafka-backed DeadLetterSink. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  readonly #producer: Producer;
  readonly #topic: string;
  readonly #timeoutMs: number;
  #connected: Promise<void> | undefined;
  /** The disconnect after a failed publish; the next connect waits for it. */
  #stopping: Promise<void> = Promise.resolve();

  /** `producer` should be idempotent (`kafka.producer({ idempotent: true })`). */
  constructor(producer: Producer, topic: string, options: KafkaDeadLetterSinkOptions = {}) {
    this.#producer = producer;
    this.#topic = topic;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const attempt = this.#send(letters);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      await Promise.race([attempt, deadline]);
    } catch (error) {
      attempt.catch(() => undefined);
      // Why disconnect: a connect or send still retrying in the background must stop now, and the
      // next publish starts from a fresh connection. A letter that did land is published again when
      // the record is retried: a repeated dead letter, never a lost one.
      this.#connected = undefined;
      this.#stopping = this.#producer.disconnect().catch(() => undefined);
      throw new DependencyUnavailableError('kafka', 'could not publish dead letters', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
    this.#connected = undefined;
  }

  async #send(letters: readonly DeadLetter[]): Promise<void> {
    const at = new Date().toISOString();
    // Why lazily and once: most invocations have no poison at all and need no connection.
    this.#connected ??= this.#stopping.then(() => this.#producer.connect());
    await this.#connected;
    await this.#producer.send({
      topic: this.#topic,
      acks: -1,
      timeout: this.#timeoutMs,
      messages: letters.map((letter) => ({
        key: letter.key ?? null,
        value: letter.value ?? null,
        headers: headersOf(letter, at),
      })),
    });
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
