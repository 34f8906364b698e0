/**
 * In-memory ReceiptTimeouts for unit tests: the contract suite (contracts/receipt-timeouts.contract.ts)
 * holds it to RedisReceiptTimeouts' behaviour: due times kept to the second (rounded up), take-then-ack,
 * entries of clients outside the registry orphaned.
 */
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import type {
  ReceiptTimeoutBatch,
  ReceiptTimeoutEntry,
  ReceiptTimeouts,
} from '../../lambdas/ports/receipt-timeouts.ts';

/** Receipt timeouts in a list. */
export class InMemoryReceiptTimeouts implements ReceiptTimeouts {
  /** When true, every call fails as Redis being down would. */
  isUnavailable = false;
  readonly #clients: ReadonlySet<string>;
  #entries: ReceiptTimeoutEntry[] = [];

  constructor(options: { clientIds: Iterable<string> }) {
    this.#clients = new Set(options.clientIds);
  }

  /** Entries not yet acked. */
  get size(): number {
    return this.#entries.length;
  }

  async add(entries: readonly ReceiptTimeoutEntry[]): Promise<void> {
    this.#check();
    for (const entry of entries)
      this.#entries.push({ ...entry, dueMs: Math.ceil(entry.dueMs / 1000) * 1000 });
  }

  async takeDue(nowMs: number, limit: number): Promise<ReceiptTimeoutBatch> {
    this.#check();
    const taken = this.#entries.filter((entry) => entry.dueMs <= nowMs).slice(0, limit);
    const entries = taken.filter((entry) => this.#clients.has(entry.clientId));
    return { entries, orphaned: taken.length - entries.length, position: taken };
  }

  async ack(batch: ReceiptTimeoutBatch): Promise<void> {
    this.#check();
    const taken = new Set(batch.position as readonly ReceiptTimeoutEntry[]);
    this.#entries = this.#entries.filter((entry) => !taken.has(entry));
  }

  #check(): void {
    if (this.isUnavailable) throw new DependencyUnavailableError('redis', 'receipt timeouts unavailable');
  }
}
