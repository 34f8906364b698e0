/**
 * MessageProducer on kafkajs. Every send uses acks=all and resolves only when the broker has
 * acknowledged every record; anything else within the timeout becomes a DependencyUnavailableError.
 *
 * Why not kafkajs `idempotent: true`: it is experimental in kafkajs 2.x and wedges the producer with
 * OUT_OF_ORDER_SEQUENCE_NUMBER under concurrent sends or after a timeout (tulios/kafkajs#598).
 * Retries are made safe one level up instead: a resent record carries the same deterministic
 * deliveryId, and dispatch deduplicates on it.
 */
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import { DependencyUnavailableError } from '../core/errors.ts';
import type { MessageProducer, OutboundRecord } from '../ports/message-producer.ts';

/** Settings of the Kafka producer. */
export interface KafkaMessageProducerOptions {
  /** The client, or how to build it (MSK broker discovery is async and may fail: it is retried per send). */
  readonly kafka: Kafka | (() => Promise<Kafka>);
  /** Upper bound for connecting plus producing one batch, including kafkajs' own retries. */
  readonly timeoutMs: number;
}

/** Produces records with acks=all; one instance per Lambda container, connected on first use. */
export class KafkaMessageProducer implements MessageProducer {
  readonly #options: KafkaMessageProducerOptions;
  #producer: Promise<Producer> | undefined;
  #connecting: Producer | undefined;

  constructor(options: KafkaMessageProducerOptions) {
    this.#options = options;
  }

  async send(topic: string, records: readonly OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    const attempt = this.#produce(topic, records);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${this.#options.timeoutMs} ms`)),
        this.#options.timeoutMs,
      );
    });
    try {
      await Promise.race([attempt, timeout]);
    } catch (error) {
      // Why reset: after a timeout or broken connection the producer's state is unknown; the next
      // call starts from a fresh connection instead of inheriting a wedged one.
      attempt.catch(() => undefined);
      this.#reset();
      throw new DependencyUnavailableError(
        'kafka',
        `producing ${records.length} records to ${topic} failed`,
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const producer = this.#connecting;
    this.#producer = undefined;
    this.#connecting = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  async #produce(topic: string, records: readonly OutboundRecord[]): Promise<void> {
    const producer = await this.#connect();
    await producer.send({
      topic,
      // Why acks=-1: the record is on every in-sync replica before we answer 202 (nothing lost).
      acks: -1,
      timeout: this.#options.timeoutMs,
      messages: records.map((record) => ({
        key: record.key,
        value: record.value,
        headers: { ...record.headers },
      })),
    });
  }

  #connect(): Promise<Producer> {
    this.#producer ??= (async () => {
      const kafka =
        typeof this.#options.kafka === 'function' ? await this.#options.kafka() : this.#options.kafka;
      const producer = kafka.producer({
        // Why: a missing topic is a deployment error; auto-creating it would hide it with wrong settings.
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: Math.min(this.#options.timeoutMs, 2_000) },
      });
      this.#connecting = producer;
      await producer.connect();
      return producer;
    })();
    return this.#producer;
  }

  #reset(): void {
    const stale = this.#connecting;
    this.#producer = undefined;
    this.#connecting = undefined;
    // Why disconnect the instance, not the promise: a connect still retrying in the background must
    // stop now, not when its own retries run out.
    stale?.disconnect().catch(() => undefined);
  }
}
