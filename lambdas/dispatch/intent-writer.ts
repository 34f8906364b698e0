/**
 * Writes a batch's send intents and marks as the vendor calls start and end, coalesced: everything
 * asked for within one turn of the event loop shares one store round trip (the intents and the marks
 * go out back to back). A call waits for its intent to be durable before it goes out; a delivery is
 * marked as soon as its fate is known, so an invocation that dies mid-batch leaves marks for what was
 * already settled and intents only for the calls in flight.
 */
import type { DeliveryMark, SendIntent } from '../core/dedup.ts';
import type { DedupStore } from '../ports/dedup-store.ts';

/** One invocation's writer of intents and marks. */
export class IntentWriter {
  readonly #dedup: DedupStore;
  readonly #owner: string;
  #intents: SendIntent[] = [];
  #marks: DeliveryMark[] = [];
  #flush: { intents: Promise<void>; marks: Promise<void> } | undefined;

  constructor(dedup: DedupStore, owner: string) {
    this.#dedup = dedup;
    this.#owner = owner;
  }

  /** Resolves once `intent` (and those written with it) is in the store; rejects if it could not be. */
  write(intent: SendIntent): Promise<void> {
    this.#intents.push(intent);
    return this.#scheduled().intents;
  }

  /** Resolves once `mark` is in the store; rejects if it could not be (the caller tries again). */
  mark(mark: DeliveryMark): Promise<void> {
    this.#marks.push(mark);
    return this.#scheduled().marks;
  }

  #scheduled(): { intents: Promise<void>; marks: Promise<void> } {
    if (this.#flush) return this.#flush;
    const turn = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const intents = this.#intents;
      const marks = this.#marks;
      this.#intents = [];
      this.#marks = [];
      this.#flush = undefined;
      return { intents, marks };
    });
    this.#flush = {
      intents: turn.then(({ intents }) =>
        intents.length > 0 ? this.#dedup.intend(intents, this.#owner) : undefined,
      ),
      marks: turn.then(({ marks }) => (marks.length > 0 ? this.#dedup.mark(marks, this.#owner) : undefined)),
    };
    // Why: a flush nobody awaits (only intents, or only marks, were asked for) must not be unhandled.
    this.#flush.intents.catch(() => undefined);
    this.#flush.marks.catch(() => undefined);
    return this.#flush;
  }
}
