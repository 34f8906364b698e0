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
