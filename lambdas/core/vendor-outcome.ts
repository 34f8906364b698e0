/**
 * What a vendor's answer to one send means, classified once in its adapter. The router decides the
 * next move from the kind alone (vendor-tiers.ts).
 */

/**
 * How a send ended, classified once in the adapter from the provider's answer. What the router may do
 * next follows from the kind alone (lambdas/core/vendor-tiers.ts): only `unavailable`, `throttled` and
 * `vendor-failed` prove that nothing was sent, so only they may move a delivery to another vendor.
 */
export const VendorOutcomeKind = {
  /** The vendor took the message. */
  accepted: 'accepted',
  /** The vendor refused it for this recipient, for good (invalid or opted-out address): never retried. */
  rejected: 'rejected',
  /** The vendor asked to slow down; nothing was sent. Retry later (after `retryAfterMs`) or elsewhere. */
  throttled: 'throttled',
  /** Nothing was sent (connection refused, 503 before processing, open circuit): fail over or retry. */
  unavailable: 'unavailable',
  /**
   * The message may have been sent (timeout after sending, reset, 502/504, 409 still processing): the
   * vendor may deliver it. Providers do not dedupe, so only this vendor may be tried again.
   */
  ambiguous: 'ambiguous',
  /**
   * The vendor cannot send anything now (credentials, endpoint moved, account suspended, spend limit):
   * nothing was sent; its circuit opens and the delivery fails over.
   */
  vendorFailed: 'vendor-failed',
} as const;
/** One of the outcome kinds. */
export type VendorOutcomeKind = (typeof VendorOutcomeKind)[keyof typeof VendorOutcomeKind];

/** The outcome of one send. `reason` never contains the recipient or the message. */
export type VendorOutcome =
  | { readonly kind: typeof VendorOutcomeKind.accepted; readonly vendorMessageId?: string }
  | { readonly kind: typeof VendorOutcomeKind.rejected; readonly reason: string }
  | {
      readonly kind: typeof VendorOutcomeKind.throttled | typeof VendorOutcomeKind.unavailable;
      readonly reason: string;
      /** When the vendor said to come back (Retry-After), in ms from now. */
      readonly retryAfterMs?: number;
    }
  | { readonly kind: typeof VendorOutcomeKind.ambiguous; readonly reason: string }
  | { readonly kind: typeof VendorOutcomeKind.vendorFailed; readonly reason: string };
