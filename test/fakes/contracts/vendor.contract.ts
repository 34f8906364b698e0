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
  /**
   * Whether the vendor dedupes a repeated deliveryId (the mock started with `idempotent: true`).
   * Real providers (EUM, SES, FCM, APNs …) and the default mock do not: a repeat is delivered again.
   * @default false
   */
  readonly isIdempotent?: boolean;

  /** Whether the vendor's throttling answer says when to come back (Retry-After). @default true */
  readonly hasRetryAfter?: boolean;
  /** What the reason of a recipient rejection names. @default /invalid_recipient/ */
  readonly rejectionReason?: RegExp;
  /** The channel, a recipient address it takes and one to refuse. @default sms, +15550000001, +15550009999 */
  readonly recipient?: {
    readonly channel: VendorMessage['channel'];
    readonly to: string;
    readonly refusedTo: string;
  };
  setFaults(faults: Partial<MockVendorFaults>): Promise<void>;
  /** deliveryIds the vendor delivered, once per delivery it made (a repeat delivered twice is listed twice). */
  deliveredIds(): string[];
  close(): Promise<void>;
}

/** A message with fresh ids. */
export function vendorMessage(overrides: Partial<VendorMessage> = {}): VendorMessage {
  return {
    deliveryId: randomBytes(16).toString('base64url'),
    requestId: `req-${randomBytes(4).toString('hex')}`,
    clientId: 'arn:aws:iam::123456789012:role/checkout',
    channel: 'sms',
    to: '+15550000001',
    body: 'Your code is 123456',
    priority: 'normal',
    ...overrides,
  };
}

/** What a vendor under contract speaks beyond the common cases. */
export interface VendorTraits {
  /**
   * The generic HTTP protocol's extras: 409 for a repeat still in progress, and the `answerStatus`
   * and `resetRate` faults of the mock vendor.
   */
  readonly isGenericProtocol: boolean;
}

/** Registers the contract suite; `makeHarness(timeoutMs)` builds a vendor answering within timeoutMs. */
export function describeVendorContract(
  name: string,
  makeHarness: (timeoutMs: number) => Promise<VendorHarness>,
  traits: VendorTraits = { isGenericProtocol: false },
): void {
  describe(`Vendor contract: ${name}`, () => {
    let harness: VendorHarness | undefined;
    const start = async (timeoutMs = 2_000) => {
      harness = await makeHarness(timeoutMs);
      return harness;
    };
    /** A fresh message on the harness's channel. */
    const message = (overrides: Partial<VendorMessage> = {}) =>
      vendorMessage({
        ...(harness?.recipient ? { channel: harness.recipient.channel, to: harness.recipient.to } : {}),
        ...overrides,
      });
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    it('accepts a message and delivers it once', async () => {
      const { vendor, deliveredIds } = await start();
      const sent = message();
      expect((await vendor.send(sent)).kind).toBe('accepted');
      expect(deliveredIds()).toEqual([sent.deliveryId]);
    });

    it('delivers a repeated message again, as real providers do (unless started idempotent)', async () => {
      const { vendor, deliveredIds, isIdempotent = false } = await start();
      const sent = message();
      await vendor.send(sent);
      expect((await vendor.send(sent)).kind).toBe('accepted');
      expect(deliveredIds()).toEqual(Array(isIdempotent ? 1 : 2).fill(sent.deliveryId));
    });

    if (traits.isGenericProtocol) {
      it('answers a repeat while the first send is in progress as ambiguous (409), delivering once', async () => {
        const { vendor, setFaults, deliveredIds } = await start();
        await setFaults({ latencyMs: 300 });
        const sent = message();
        const [first, second] = await Promise.all([
          vendor.send(sent),
          new Promise((resolve) => setTimeout(resolve, 50)).then(() => vendor.send(sent)),
        ]);
        expect(first.kind).toBe('accepted');
        expect(second.kind).toBe('ambiguous');
        expect(deliveredIds()).toEqual([sent.deliveryId]);
      });

      it('is vendor-failed on a credential or endpoint answer, delivering nothing', async () => {
        const { vendor, setFaults, deliveredIds } = await start();
        await setFaults({ answerStatus: 401 });
        expect((await vendor.send(message())).kind).toBe('vendor-failed');
        expect(deliveredIds()).toEqual([]);
      });

      it('reports a reset connection as ambiguous, with nothing delivered', async () => {
        const { vendor, setFaults, deliveredIds } = await start();
        await setFaults({ resetRate: 1 });
        expect((await vendor.send(message())).kind).toBe('ambiguous');
        expect(deliveredIds()).toEqual([]);
      });
    }

    it('is unavailable while down, and delivers again once up', async () => {
      const { vendor, setFaults, deliveredIds } = await start();
      await setFaults({ down: true });
      const sent = message();
      expect((await vendor.send(sent)).kind).toBe('unavailable');
      await setFaults({ down: false });
      expect((await vendor.send(sent)).kind).toBe('accepted');
      expect(deliveredIds()).toEqual([sent.deliveryId]);
    });

    it('is unavailable on server errors, delivering nothing', async () => {
      const { vendor, setFaults, deliveredIds } = await start();
      await setFaults({ errorRate: 1 });
      expect((await vendor.send(message())).kind).toBe('unavailable');
      expect(deliveredIds()).toEqual([]);
    });

    it('is throttled when the vendor says so and passes Retry-After on, delivering nothing', async () => {
      const { vendor, setFaults, deliveredIds, hasRetryAfter = true } = await start();
      await setFaults({ throttleRate: 1, ...(hasRetryAfter ? { retryAfterSeconds: 7 } : {}) });
      const outcome = await vendor.send(message());
      expect(outcome.kind).toBe('throttled');
      expect(outcome.kind === 'throttled' && outcome.retryAfterMs).toBe(hasRetryAfter ? 7_000 : undefined);
      expect(deliveredIds()).toEqual([]);
    });

    it('throttles sends beyond its own rate (maxPerSecond), delivering only those within it', async () => {
      const { vendor, setFaults, deliveredIds } = await start();
      await setFaults({ maxPerSecond: 3 });
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push((await vendor.send(message())).kind);
      expect(outcomes).toEqual(['accepted', 'accepted', 'accepted', 'throttled', 'throttled']);
      expect(deliveredIds()).toHaveLength(3);
    });

    it('rejects an invalid recipient for good, with a reason that does not echo the recipient', async () => {
      const { vendor, setFaults, deliveredIds, rejectionReason = /invalid_recipient/ } = await start();
      const refused = harness?.recipient?.refusedTo ?? '+15550009999';
      await setFaults({ rejectTo: [refused] });
      const outcome = await vendor.send(message({ to: refused }));
      expect(outcome.kind).toBe('rejected');
      expect(outcome.kind === 'rejected' && outcome.reason).toMatch(rejectionReason);
      expect(JSON.stringify(outcome)).not.toContain(refused);
      expect(deliveredIds()).toEqual([]);
    });

    it('reports a delivery whose answer never came as ambiguous, though it was delivered', async () => {
      const { vendor, setFaults, deliveredIds } = await start(300);
      await setFaults({ timeoutRate: 1 });
      const sent = message();
      expect((await vendor.send(sent)).kind).toBe('ambiguous');
      expect(deliveredIds()).toEqual([sent.deliveryId]);
    });
  });
}
