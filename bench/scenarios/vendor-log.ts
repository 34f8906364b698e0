/**
 * Follows the mock vendors' JSONL log (one line per accepted send) and counts the deliveries of the
 * requests a round sent, so the round knows when every recipient has been delivered.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/** Deliveries seen for a set of requests. */
export interface DeliveryCount {
  readonly deliveries: number;
  /** Sends of a deliveryId already seen: must stay 0 (exactly once). */
  readonly duplicates: number;
}

/** Reads the log from where it ends now; `poll` reads what was appended since. */
export class VendorLogFollower {
  readonly #path: string;
  #offset: number;
  #rest = '';
  readonly #seen = new Map<string, Set<string>>();
  #duplicates = 0;

  constructor(path: string) {
    this.#path = path;
    this.#offset = existsSync(path) ? statSync(path).size : 0;
  }

  /** Reads appended lines; returns the counts for `requestIds`. */
  poll(requestIds: ReadonlySet<string>): DeliveryCount {
    if (existsSync(this.#path)) {
      const size = statSync(this.#path).size;
      if (size > this.#offset) {
        const buffer = Buffer.alloc(size - this.#offset);
        const fd = openSync(this.#path, 'r');
        try {
          readSync(fd, buffer, 0, buffer.length, this.#offset);
        } finally {
          closeSync(fd);
        }
        this.#offset = size;
        const lines = (this.#rest + buffer.toString('utf8')).split('\n');
        this.#rest = lines.pop() ?? '';
        for (const line of lines) this.#record(line);
      }
    }
    let deliveries = 0;
    for (const requestId of requestIds) deliveries += this.#seen.get(requestId)?.size ?? 0;
    return { deliveries, duplicates: this.#duplicates };
  }

  #record(line: string): void {
    if (line.trim() === '') return;
    const entry = JSON.parse(line) as { requestId?: string; deliveryId?: string };
    if (!entry.requestId || !entry.deliveryId) return;
    const ids = this.#seen.get(entry.requestId) ?? new Set<string>();
    if (ids.has(entry.deliveryId)) this.#duplicates++;
    ids.add(entry.deliveryId);
    this.#seen.set(entry.requestId, ids);
  }
}

/** Resolves once `isDone()` holds, polling every `intervalMs`; rejects after `timeoutMs`. */
export async function waitUntil(
  isDone: () => boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isDone()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
