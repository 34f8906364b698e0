/**
 * The Vendor contract, run against HttpVendor + the real mock vendor HTTP server and against
 * FakeVendor, so the fake cannot drift. The harness exposes the vendor's fault switches and what it
 * actually delivered.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Vendor, VendorMessage } from '../../../lambdas/ports/vendor.ts';
import type { MockVendorFaults } from '../../../local/mock-vendor/mock-vendor.ts';

/** A vendor under test with its controls. */
export interface VendorHarness {
  readonly vendor: Vendor;
  setFaults(faults: Partial<MockVendorFaults>): Promise<void>;
  /** deliveryIds the vendor delivered, once per delivery. */
  deliveredIds(): string[];
  close(): Promise<void>;
}

/** A message with fresh ids (an SMS, what the generic HTTP vendor is tested with). */
export function vendorMessage(overrides: Partial<VendorMessage> = {}): VendorMessage {
  return {
    deliveryId: randomBytes(16).toString('base64url'),
    requestId: `req-${randomBytes(4).toString('hex')}`,
    channel: 'sms',
    to: '+15550000001',
    body: 'Your code is 123456',
    priority: 'normal',
    ...overrides,
  };
}

/** How a vendor under contract differs from the generic HTTP vendor (the defaults). */
export interface VendorProfile {
  /** A message this vendor can deliver, with fresh ids. @default vendorMessage */
  readonly message?: (overrides?: Partial<VendorMessage>) => VendorMessage;
  /** A recipient the vendor is told to reject (rejectTo). @default +15550009999 */
  readonly rejectedRecipient?: string;
  /** What a rejection's reason names. @default /invalid_recipient/ */
  readonly rejectedReason?: RegExp;
  /**
   * Whether a repeated deliveryId is acknowledged without a second delivery (the generic HTTP vendor,
   * which honours Idempotency-Key) or delivered again (real providers, which do not dedupe).
   * @default true
   */
  readonly isIdempotent?: boolean;
}

const defaultMessage = (overrides?: Partial<VendorMessage>) => vendorMessage(overrides);

/** Registers the contract suite; `makeHarness(timeoutMs)` builds a vendor answering within timeoutMs. */
export function describeVendorContract(
  name: string,
  makeHarness: (timeoutMs: number) => Promise<VendorHarness>,
  profile: VendorProfile = {},
): void {
  const vendorMessage = profile.message ?? defaultMessage;
  const rejectedRecipient = profile.rejectedRecipient ?? '+15550009999';
  const isIdempotent = profile.isIdempotent ?? true;
  describe(`Vendor contract: ${name}`, () => {
    let harness: VendorHarness | undefined;
    const start = async (timeoutMs = 2_000) => {
      harness = await makeHarness(timeoutMs);
      return harness;
    };
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    it('accepts a message and delivers it once', async () => {
      const { vendor, deliveredIds } = await start();
      const message = vendorMessage();
      expect((await vendor.send(message)).kind).toBe('accepted');
      expect(deliveredIds()).toEqual([message.deliveryId]);
    });

    if (isIdempotent) {
      it('acknowledges a repeated idempotency key without delivering again', async () => {
        const { vendor, deliveredIds } = await start();
        const message = vendorMessage();
        await vendor.send(message);
        expect((await vendor.send(message)).kind).toBe('accepted');
        expect(deliveredIds()).toEqual([message.deliveryId]);
      });
    } else {
      it('delivers a repeated message again (the provider does not dedupe)', async () => {
        const { vendor, deliveredIds } = await start();
        const message = vendorMessage();
        expect((await vendor.send(message)).kind).toBe('accepted');
        expect((await vendor.send(message)).kind).toBe('accepted');
        expect(deliveredIds()).toEqual([message.deliveryId, message.deliveryId]);
      });
    }

    it('is unavailable while down, and delivers again once up', async () => {
      const { vendor, setFaults, deliveredIds } = await start();
      await setFaults({ down: true });
      const message = vendorMessage();
      expect((await vendor.send(message)).kind).toBe('unavailable');
      await setFaults({ down: false });
      expect((await vendor.send(message)).kind).toBe('accepted');
      expect(deliveredIds()).toEqual([message.deliveryId]);
    });

    it('is unavailable on server errors, delivering nothing', async () => {
      const { vendor, setFaults, deliveredIds } = await start();
      await setFaults({ errorRate: 1 });
      expect((await vendor.send(vendorMessage())).kind).toBe('unavailable');
      expect(deliveredIds()).toEqual([]);
    });

    it('is throttled when the vendor says so and passes Retry-After on', async () => {
      const { vendor, setFaults } = await start();
      await setFaults({ throttleRate: 1, retryAfterSeconds: 7 });
      expect(await vendor.send(vendorMessage())).toMatchObject({ kind: 'throttled', retryAfterMs: 7_000 });
    });

    it('rejects an invalid recipient for good, with a reason that does not echo the recipient', async () => {
      const { vendor, setFaults, deliveredIds } = await start();
      await setFaults({ rejectTo: [rejectedRecipient] });
      const outcome = await vendor.send(vendorMessage({ to: rejectedRecipient }));
      expect(outcome.kind).toBe('rejected');
      expect(outcome.kind === 'rejected' && outcome.reason).toMatch(
        profile.rejectedReason ?? /invalid_recipient/,
      );
      expect(JSON.stringify(outcome)).not.toContain(
        rejectedRecipient.slice(rejectedRecipient.indexOf(':') + 1),
      );
      expect(deliveredIds()).toEqual([]);
    });

    it('reports a delivery whose answer never came as ambiguous; a retry is acknowledged', async () => {
      const { vendor, setFaults, deliveredIds } = await start(300);
      await setFaults({ timeoutRate: 1 });
      const message = vendorMessage();
      expect((await vendor.send(message)).kind).toBe('ambiguous');
      await setFaults({ timeoutRate: 0 });
      expect((await vendor.send(message)).kind).toBe('accepted');
      // The first send was delivered although its answer was lost; only an idempotent vendor
      // recognises the retry, which is why an ambiguous delivery is never failed over.
      expect(deliveredIds()).toEqual(
        isIdempotent ? [message.deliveryId] : [message.deliveryId, message.deliveryId],
      );
    });
  });
}
