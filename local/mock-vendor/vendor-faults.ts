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
};

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
