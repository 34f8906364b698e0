import { describe, expect, it } from 'vitest';
import type { Vendor, VendorMessage, VendorOutcome } from '../../../lambdas/ports/vendor.ts';
import { makeDelivery, mskEventOf } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

/** A vendor that records how many sends it had in flight at once. */
class PeakVendor implements Vendor {
  readonly name: string;
  inFlight = 0;
  peak = 0;
  sent = 0;
  constructor(name: string) {
    this.name = name;
  }
  async send(_message: VendorMessage): Promise<VendorOutcome> {
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight--;
    this.sent++;
    return { kind: 'accepted' };
  }
}

describe('maxInFlightSends', () => {
  it.each([1, 3, 7])('keeps at most %i deliveries of a batch at the vendors at once', async (limit) => {
    // Prepare: a vendor that would take 100 at once (its own bound is 100)
    const vendor = new PeakVendor('sms-a');
    const guard = { maxConcurrent: 100, failureThreshold: 1_000, halfOpenAfterMs: 30_000 };
    const { invoke } = fakeDispatch({
      maxInFlightSends: limit,
      vendors: ['sms-a', 'sms-b', 'sms-c'].map((name) => ({
        vendor: name === 'sms-a' ? vendor : new PeakVendor(name),
        timeoutMs: 1_000,
        guard,
      })),
    });
    const records = Array.from({ length: 30 }, (_, offset) => ({ offset, delivery: makeDelivery() }));

    // Act
    const response = await invoke(mskEventOf(records));

    // Assess: everything sent, never more than the bound at once
    expect(response.batchItemFailures).toEqual([]);
    expect(vendor.sent).toBe(30);
    expect(vendor.peak).toBe(limit);
  });
});
