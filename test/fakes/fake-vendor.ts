/**
 * In-memory Vendor for unit tests, with the mock vendor's fault model (local/mock-vendor) and
 * idempotency semantics (a repeat while the first send is in progress is a 409: ambiguous). Passes the same contract suite as HttpVendor against the mock vendor
 * (test/fakes/contracts/vendor.contract.ts).
 */
import type { Vendor, VendorMessage, VendorOutcome } from '../../lambdas/ports/vendor.ts';
import { type MockVendorFaults, NO_FAULTS } from '../../local/mock-vendor/mock-vendor.ts';

/** In-memory vendor. `deliveries` holds every message it accepted, once per idempotency key. */
export class FakeVendor implements Vendor {
  readonly name: string;
  readonly deliveries: VendorMessage[] = [];
  /** Every send call, including repeats and refusals. */
  readonly calls: VendorMessage[] = [];
  faults: MockVendorFaults;
  readonly #keys = new Set<string>();
  /** Keys whose first send has not been answered yet. */
  readonly #inProgress = new Set<string>();

  constructor(name: string, faults: Partial<MockVendorFaults> = {}) {
    this.name = name;
    this.faults = { ...NO_FAULTS, ...faults };
  }

  setFaults(faults: Partial<MockVendorFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  async send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    this.calls.push(message);
    const faults = this.faults;
    const id = message.deliveryId;
    if (faults.down) return { kind: 'unavailable', reason: `${this.name}: ECONNREFUSED` };
    // As the mock vendor: a key still being processed is answered 409, which is ambiguous.
    if (this.#inProgress.has(id)) return { kind: 'ambiguous', reason: `${this.name}: HTTP 409 in_progress` };
    this.#inProgress.add(id);
    try {
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      return this.#decide(message, faults, signal);
    } finally {
      this.#inProgress.delete(id);
    }
  }

  #decide(message: VendorMessage, faults: MockVendorFaults, signal?: AbortSignal): VendorOutcome {
    if (signal?.aborted) return { kind: 'ambiguous', reason: `${this.name}: AbortError` };
    if (this.#keys.has(message.deliveryId))
      return { kind: 'accepted', vendorMessageId: `${this.name}-${message.deliveryId}` };
    if (Math.random() < faults.throttleRate) {
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
    this.#keys.add(message.deliveryId);
    this.deliveries.push(message);
    if (Math.random() < faults.timeoutRate) return { kind: 'ambiguous', reason: `${this.name}: no answer` };
    return { kind: 'accepted', vendorMessageId: `${this.name}-${message.deliveryId}` };
  }
}
