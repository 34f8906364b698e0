/**
 * The MessageProducer contract, run against KafkaMessageProducer (real broker) and
 * InMemoryMessageProducer: what resolves is readable with key, value and headers intact; what
 * cannot be produced rejects with DependencyUnavailableError.
 */
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import type { MessageProducer, OutboundRecord } from '../../../lambdas/ports/message-producer.ts';

/** A producer plus a topic that exists, one that does not, and a way to read the first back. */
export interface ProducerUnderTest {
  readonly producer: MessageProducer;
  readonly topic: string;
  readonly missingTopic: string;
  /** The records on `topic`, waiting until at least `count` are there. */
  readBack(count: number): Promise<readonly OutboundRecord[]>;
}

/** Builds a producer and a fresh, empty topic for one test. */
export type ProducerFactory = () => Promise<ProducerUnderTest>;

const record = (key: string, n: number): OutboundRecord => ({
  key,
  value: JSON.stringify({ n, text: 'héllo ✓' }),
  headers: { 'herald-schema-version': '1', 'herald-request-id': `req-${n}` },
});

/** Registers the contract suite for one implementation. */
export function describeMessageProducerContract(name: string, makeProducer: ProducerFactory): void {
  describe(`MessageProducer contract: ${name}`, () => {
    it('makes every record of a batch readable, with key, value and headers, in order per key', async () => {
      const { producer, topic, readBack } = await makeProducer();
      const batch = Array.from({ length: 100 }, (_, n) => record(`+8210000000${n % 7}`, n));
      await producer.send(topic, batch);
      const read = await readBack(batch.length);
      expect(read).toHaveLength(batch.length);
      expect(new Set(read.map((r) => JSON.stringify(r)))).toEqual(
        new Set(batch.map((r) => JSON.stringify(r))),
      );
      for (const key of new Set(batch.map((r) => r.key))) {
        expect(read.filter((r) => r.key === key)).toEqual(batch.filter((r) => r.key === key));
      }
      await producer.close();
    });

    it('accepts an empty batch without producing anything', async () => {
      const { producer, topic, readBack } = await makeProducer();
      await producer.send(topic, []);
      await producer.send(topic, [record('k', 1)]);
      expect(await readBack(1)).toEqual([record('k', 1)]);
      await producer.close();
    });

    it('rejects with DependencyUnavailableError when the topic does not exist', async () => {
      const { producer, missingTopic } = await makeProducer();
      await expect(producer.send(missingTopic, [record('k', 1)])).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
      await producer.close();
    });
  });
}
