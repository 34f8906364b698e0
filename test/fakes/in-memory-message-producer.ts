/**
 * In-memory MessageProducer for unit tests. Keeps every acknowledged record per topic; can be told
 * to fail (Kafka down) and knows which topics exist, like a broker with auto-creation disabled.
 */
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import type { MessageProducer, OutboundRecord } from '../../lambdas/ports/message-producer.ts';

/** A fake producer; `records(topic)` shows what a consumer would read. */
export class InMemoryMessageProducer implements MessageProducer {
  readonly #topics = new Map<string, OutboundRecord[]>();
  #failuresLeft = 0;
  #isWritingBeforeFailure = false;
  /** Number of `send` calls, including failed ones. */
  sendCalls = 0;

  constructor(topics: readonly string[]) {
    for (const topic of topics) this.#topics.set(topic, []);
  }

  /**
   * Makes the next `count` sends fail as if Kafka were unreachable, or, with `afterWriting`, as if
   * the records landed but the acknowledgement timed out.
   */
  failNextSends(count = 1, options: { afterWriting?: boolean } = {}): void {
    this.#failuresLeft = count;
    this.#isWritingBeforeFailure = options.afterWriting ?? false;
  }

  /** Records acknowledged on `topic`, in produce order. */
  records(topic: string): readonly OutboundRecord[] {
    return this.#topics.get(topic) ?? [];
  }

  async send(topic: string, records: readonly OutboundRecord[]): Promise<void> {
    this.sendCalls += 1;
    if (records.length === 0) return;
    const log = this.#topics.get(topic);
    if (!log) throw new DependencyUnavailableError('kafka', `simulated: topic ${topic} does not exist`);
    if (this.#failuresLeft > 0) {
      this.#failuresLeft -= 1;
      if (this.#isWritingBeforeFailure) log.push(...copy(records));
      throw new DependencyUnavailableError('kafka', 'simulated: no acknowledgement in time');
    }
    log.push(...copy(records));
  }

  async close(): Promise<void> {}
}

function copy(records: readonly OutboundRecord[]): OutboundRecord[] {
  return records.map((r) => ({ key: r.key, value: r.value, headers: { ...r.headers } }));
}
