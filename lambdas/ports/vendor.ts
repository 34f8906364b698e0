/**
 * A message vendor (SMS gateway, push service, email provider) behind one port. `send` never throws
 * for vendor trouble: it returns what happened, and the router decides (lambdas/core/routing.ts).
 */
import type { Channel, Priority } from '../core/delivery.ts';

/** What a vendor is asked to deliver. */
export interface VendorMessage {
  /** Vendor-side idempotency key: a repeat with the same key must not be delivered again. */
  readonly deliveryId: string;
  readonly requestId: string;
  readonly channel: Channel;
  /** Recipient address: never log it above debug. */
  readonly to: string;
  readonly body: string;
  readonly title?: string;
  readonly priority: Priority;
}

/** How a send ended. */
export const VendorOutcomeKind = {
  /** The vendor took the message (or had already taken it under this idempotency key). */
  accepted: 'accepted',
  /** The vendor refused it for good (invalid recipient, say): do not retry, do not fail over. */
  rejected: 'rejected',
  /** Nothing was sent (connection refused, 5xx, 429, open circuit): fail over or retry later. */
  unavailable: 'unavailable',
  /** The request may have been sent, but no answer came (timeout after sending). */
  ambiguous: 'ambiguous',
} as const;
/** One of the outcome kinds. */
export type VendorOutcomeKind = (typeof VendorOutcomeKind)[keyof typeof VendorOutcomeKind];

/** The outcome of one send. `reason` never contains the recipient or the message. */
export type VendorOutcome =
  | { readonly kind: typeof VendorOutcomeKind.accepted; readonly vendorMessageId?: string }
  | { readonly kind: typeof VendorOutcomeKind.rejected; readonly reason: string }
  | {
      readonly kind: typeof VendorOutcomeKind.unavailable;
      readonly reason: string;
      readonly retryAfterMs?: number;
    }
  | { readonly kind: typeof VendorOutcomeKind.ambiguous; readonly reason: string };

/** One vendor. */
export interface Vendor {
  /** Unique name, used in config, metrics and statuses. */
  readonly name: string;
  /** Sends one message; resolves with the outcome, aborts early when `signal` fires. */
  send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome>;
}
