/**
 * A message vendor (SMS gateway, push service, email provider) behind one port. `send` never throws
 * for vendor trouble: it returns what happened, and the router decides (lambdas/core/vendor-tiers.ts).
 */
import type { Channel, Priority } from '../core/delivery.ts';
import type { VendorOutcome } from '../core/vendor-outcome.ts';

export type { VendorOutcome, VendorOutcomeKind } from '../core/vendor-outcome.ts';

/** What a vendor is asked to deliver. */
export interface VendorMessage {
  /**
   * Correlation id the adapter passes to the provider (Context, EmailTags, a header). Real providers do
   * NOT dedupe on it: a repeated send is a second message. Herald's dedup is the only guard.
   */
  readonly deliveryId: string;
  readonly requestId: string;
  /** The client that sent the request: receipts need it to find the status and the client's webhook. */
  readonly clientId: string;
  readonly channel: Channel;
  /** Recipient address: never log it above debug. */
  readonly to: string;
  readonly body: string;
  readonly title?: string;
  readonly priority: Priority;
}

/** One vendor. */
export interface Vendor {
  /** Unique name, used in config, metrics and statuses. */
  readonly name: string;
  /** Sends one message; resolves with the outcome, aborts early when `signal` fires. */
  send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome>;
  /**
   * Whether it can deliver to this recipient at all (an FCM vendor takes `fcm:` tokens, APNs `apns:`
   * ones); a vendor that cannot is passed over, not failed. @default every recipient
   */
  serves?(recipient: string): boolean;
}
