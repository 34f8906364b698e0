/** In-memory DeadLetterSink for unit tests; passes the same contract as KafkaDeadLetterSink. */
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import type { DeadLetter, DeadLetterSink } from '../../lambdas/ports/dead-letter-sink.ts';

/** Keeps published letters in order; `isAvailable = false` simulates Kafka being down. */
export class InMemoryDeadLetterSink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  isAvailable = true;

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (!this.isAvailable) throw new DependencyUnavailableError('kafka', 'could not publish dead letters');
    this.letters.push(...letters);
  }
}
