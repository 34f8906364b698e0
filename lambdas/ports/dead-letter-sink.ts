/**
 * Where poison records go: the dead-letter topic, with the original bytes and the reason, so one bad
 * record never blocks its partition and nothing is silently dropped.
 */
import type { KafkaHeader } from '../core/msk-event.ts';

/** One poison record. */
export interface DeadLetter {
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: number };
  /** The original key bytes, if the record had a key. */
  readonly key?: Buffer;
  /** The original value bytes, if the record had a value. */
  readonly value?: Buffer;
  readonly headers: readonly KafkaHeader[];
  /** Why it is poison (no recipient or message text in it). */
  readonly reason: string;
}

/** Publishes dead letters durably (acknowledged by all in-sync replicas) or throws. */
export interface DeadLetterSink {
  publish(letters: readonly DeadLetter[]): Promise<void>;
}
