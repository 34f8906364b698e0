/** The DeadLetterSink contract, run against KafkaDeadLetterSink (real Kafka) and the in-memory fake. */
import { describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterSink } from '../../../lambdas/ports/dead-letter-sink.ts';

/** A sink under test and a way to read back what reached its destination. */
export interface DeadLetterHarness {
  readonly sink: DeadLetterSink;
  /**
   * Waits for `count` letters and returns every letter read by then (at least `count`), as published
   * (bytes, headers, reason, source).
   */
  read(count: number): Promise<DeadLetter[]>;
}

/** Registers the contract suite. */
export function describeDeadLetterSinkContract(
  name: string,
  makeHarness: () => Promise<DeadLetterHarness>,
): void {
  describe(`DeadLetterSink contract: ${name}`, () => {
    it('publishes every letter with its original bytes, headers, source and reason', async () => {
      const { sink, read } = await makeHarness();
      const binary = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x7f]);
      const letters: DeadLetter[] = [
        {
          source: { topic: 'herald.deliveries', partition: 2, offset: 41 },
          key: Buffer.from('key-1'),
          value: binary,
          headers: [{ name: 'herald-schema-version', value: Buffer.from('9') }],
          reason: 'unsupported schema version "9" (header)',
        },
        {
          source: { topic: 'herald.deliveries', partition: 0, offset: 7 },
          headers: [],
          reason: 'record has no value',
        },
      ];
      // A sentinel published afterwards must arrive third: a letter lost, repeated or split into more
      // than one record would move it (read(n) waits for n and may return more, never fewer).
      const sentinel: DeadLetter = {
        source: { topic: 'herald.deliveries', partition: 1, offset: 99 },
        headers: [],
        reason: 'sentinel',
      };
      await sink.publish(letters);
      await sink.publish([sentinel]);

      const published = await read(3);

      expect(published.map((letter) => letter.reason)).toEqual([
        'unsupported schema version "9" (header)',
        'record has no value',
        'sentinel',
      ]);
      const [first, second] = published;
      expect(first?.value?.equals(binary)).toBe(true);
      expect(first?.key?.toString()).toBe('key-1');
      expect(first?.reason).toBe('unsupported schema version "9" (header)');
      expect(first?.source).toEqual({ topic: 'herald.deliveries', partition: 2, offset: 41 });
      expect(first?.headers.find((h) => h.name === 'herald-schema-version')?.value.toString()).toBe('9');
      expect(second?.value).toBeUndefined();
      expect(second?.key).toBeUndefined();
      expect(second?.reason).toBe('record has no value');
    });

    it('publishes nothing for an empty list', async () => {
      const { sink } = await makeHarness();
      await expect(sink.publish([])).resolves.toBeUndefined();
    });
  });
}
