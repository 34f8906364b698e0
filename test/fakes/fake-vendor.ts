/**
 * In-memory Vendor for unit tests, with the mock vendor's fault model and semantics (local/mock-vendor):
 * not idempotent unless asked (a repeated message is delivered again, as real providers do), 409
 * (ambiguous) for a repeat while the first send of the same deliveryId is in progress. Passes the same
 * contract suite as HttpVendor against the mock vendor (test/fakes/contracts/vendor.contract.ts).
 */
import type { Vendor, VendorMessage, VendorOutcome } from '../../lambdas/ports/vendor.ts';
import { type MockVendorFaults, NO_FAULTS } from '../../local/mock-vendor/mock-vendor.ts';
import { SendWindow } from '../../local/mock-vendor/vendor-faults.ts';

/** How the fake behaves beyond its faults. */
export interface FakeVendorOptions {
  /** Drop repeated deliveryIds (acknowledged, not delivered). @default false */
  readonly idempotent?: boolean;
}

/** In-memory vendor. `deliveries` holds every message it delivered, repeats included. */
export class FakeVendor implements Vendor {
  readonly name: string;
  readonly deliveries: VendorMessage[] = [];
  /** Every send call, including repeats and refusals. */
  readonly calls: VendorMessage[] = [];
  faults: MockVendorFaults;
  readonly #isIdempotent: boolean;
  readonly #done = new Set<string>();
  readonly #inProgress = new Set<string>();
  readonly #window = new SendWindow();

  constructor(name: string, faults: Partial<MockVendorFaults> = {}, options: FakeVendorOptions = {}) {
    this.name = name;
    this.faults = { ...NO_FAULTS, ...faults };
    this.#isIdempotent = options.idempotent ?? false;
  }

  setFaults(faults: Partial<MockVendorFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  async send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    this.calls.push(message);
    const faults = this.faults;
    const key = message.deliveryId;
    if (faults.down) return { kind: 'unavailable', reason: `${this.name}: ECONNREFUSED` };
    if (faults.answerStatus > 0) return outcomeOfStatus(this.name, faults.answerStatus);
    if (this.#inProgress.has(key)) return { kind: 'ambiguous', reason: `${this.name}: HTTP 409 in_progress` };
    if (this.#isIdempotent && this.#done.has(key))
      return { kind: 'accepted', vendorMessageId: `${this.name}-${key}` };
    this.#inProgress.add(key);
    try {
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      if (signal?.aborted) return { kind: 'ambiguous', reason: `${this.name}: AbortError` };
      if (Math.random() < faults.resetRate) return { kind: 'ambiguous', reason: `${this.name}: ECONNRESET` };
      if (Math.random() < faults.throttleRate || !this.#window.admit(faults.maxPerSecond)) {
        return {
          kind: 'throttled',
          reason: `${this.name}: HTTP 429 throttled`,
          retryAfterMs: faults.retryAfterSeconds * 1000,
        };
      }
      if (Math.random() < faults.errorRate)
        return { kind: 'unavailable', reason: `${this.name}: HTTP 503 unavailable` };
      if (faults.rejectTo.includes(message.to))
        return { kind: 'rejected', reason: `${this.name}: HTTP 400 invalid_recipient` };
      this.#done.add(key);
      this.deliveries.push(message);
      if (Math.random() < faults.timeoutRate) return { kind: 'ambiguous', reason: `${this.name}: no answer` };
      return { kind: 'accepted', vendorMessageId: `${this.name}-${key}` };
    } finally {
      this.#inProgress.delete(key);
    }
  }
}

/** What HttpVendor makes of a fixed answer status (see lambdas/adapters/http-vendor.ts). */
function outcomeOfStatus(name: string, status: number): VendorOutcome {
  const reason = `${name}: HTTP ${status} fault`;
  if (status === 408 || status === 503) return { kind: 'unavailable', reason };
  if (status === 409 || status >= 500) return { kind: 'ambiguous', reason };
  if ((status >= 300 && status < 400) || [401, 403, 404, 405].includes(status))
    return { kind: 'vendor-failed', reason };
  if (status === 429) return { kind: 'throttled', reason };
  if (status >= 200 && status < 300) return { kind: 'accepted' };
  return { kind: 'rejected', reason };
}
