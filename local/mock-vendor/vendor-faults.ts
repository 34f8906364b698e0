/** The faults a mock vendor injects and what it logs per accepted send (shared by the vendor and its admin endpoint). */

/** Faults the vendor injects; rates are fractions 0..1 of requests. */
export interface MockVendorFaults {
  readonly errorRate: number;
  readonly latencyMs: number;
  readonly timeoutRate: number;
  readonly throttleRate: number;
  readonly retryAfterSeconds: number;
  readonly down: boolean;
  readonly rejectTo: readonly string[];
  /** Share of requests whose connection is reset after the request arrived, before delivery. */
  readonly resetRate: number;
  /** Answer every request with this HTTP status (401, 403, 404, 301, 502 …) without delivering; 0: off. */
  readonly answerStatus: number;
  /**
   * The vendor's own rate limit: a send beyond this many accepted in the last second is answered
   * "throttled" (429 with Retry-After), as a provider enforcing its quota does; 0: no limit.
   */
  readonly maxPerSecond: number;
}

/** No faults. */
export const NO_FAULTS: MockVendorFaults = {
  errorRate: 0,
  latencyMs: 0,
  timeoutRate: 0,
  throttleRate: 0,
  retryAfterSeconds: 1,
  down: false,
  rejectTo: [],
  resetRate: 0,
  answerStatus: 0,
  maxPerSecond: 0,
};

/** The accepted sends of the last second, for the `maxPerSecond` fault. */
export class SendWindow {
  readonly #times: number[] = [];

  /** Whether one more send fits `maxPerSecond` now; counts it when it does. */
  admit(maxPerSecond: number, nowMs = Date.now()): boolean {
    if (maxPerSecond <= 0) return true;
    while (this.#times.length > 0 && nowMs - (this.#times[0] as number) >= 1_000) this.#times.shift();
    if (this.#times.length >= maxPerSecond) return false;
    this.#times.push(nowMs);
    return true;
  }
}

/** One accepted send, as logged. */
export interface VendorDelivery {
  readonly time: string;
  readonly vendor: string;
  readonly channel: string;
  readonly to: string;
  readonly deliveryId: string;
  readonly requestId: string;
  readonly vendorMessageId: string;
}
