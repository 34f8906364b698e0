/**
 * Routing and failover policy. Each channel has three vendors (primary, secondary, tertiary), each with
 * a weight. The weights choose which vendor a delivery tries FIRST (deterministically from its
 * deliveryId, so a retried delivery goes back to the same vendor and can reuse its idempotency key);
 * the others follow in tier order as failover. Weight 0 means "failover only".
 */
import { VendorOutcomeKind } from './vendor-outcome.ts';

/** The three tiers of a channel's route, in failover order. */
export const VendorTier = { primary: 'primary', secondary: 'secondary', tertiary: 'tertiary' } as const;
/** One of the tiers. */
export type VendorTier = (typeof VendorTier)[keyof typeof VendorTier];

/** A vendor's place in a route. */
export interface RoutedVendor {
  readonly name: string;
  /** Share of first attempts, relative to the other tiers' weights. */
  readonly weight: number;
}

/** One channel's three vendors. */
export type ChannelRoute = Readonly<Record<VendorTier, RoutedVendor>>;

const TIERS = [VendorTier.primary, VendorTier.secondary, VendorTier.tertiary] as const;

/** Vendor names in the order a delivery tries them: the weighted first choice, then tier order. */
export function vendorOrder(route: ChannelRoute, deliveryId: string): string[] {
  const tiers = TIERS.map((tier) => route[tier]);
  const total = tiers.reduce((sum, vendor) => sum + Math.max(0, vendor.weight), 0);
  if (total <= 0) return tiers.map((vendor) => vendor.name);
  // Why the id's own bytes: deliveryIds are SHA-256 prefixes, so they are uniform; and deterministic.
  const point = Buffer.from(deliveryId, 'base64url').readUInt32BE(0) % total;
  let cumulative = 0;
  const first = tiers.find((vendor) => {
    cumulative += Math.max(0, vendor.weight);
    return point < cumulative;
  }) as RoutedVendor;
  return [first.name, ...tiers.filter((vendor) => vendor !== first).map((vendor) => vendor.name)];
}

/**
 * What to do when a vendor's outcome is ambiguous (the request may have been sent, but no answer came).
 * DUPLICATE RISK: the idempotency key (the deliveryId) only dedupes within ONE vendor. Retrying the
 * same vendor is safe when it honours keys; failing over to another vendor after an ambiguous outcome
 * may deliver the message twice (once by each vendor). Choose per channel what hurts more: a late
 * message or a duplicate one.
 */
export const AmbiguousRetryPolicy = {
  /** Default. Retry the same vendor with the same key, then fail over (small duplicate risk). */
  sameVendorThenFailover: 'same-vendor-then-failover',
  /** Retry the same vendor, never fail over within the invocation; else retry the record later. */
  sameVendorOnly: 'same-vendor-only',
  /** Fail over at once: lowest latency, highest duplicate risk. */
  failover: 'failover',
} as const;
/** One of the ambiguous-outcome policies. */
export type AmbiguousRetryPolicy = (typeof AmbiguousRetryPolicy)[keyof typeof AmbiguousRetryPolicy];

/** The router's next move. */
export const NextStep = {
  /** Finished: sent (accepted) or failed for good (rejected). */
  done: 'done',
  retrySameVendor: 'retry-same-vendor',
  nextVendor: 'next-vendor',
  /** Stop now and retry the whole delivery later. */
  retryLater: 'retry-later',
} as const;
/** One of the next steps. */
export type NextStep = (typeof NextStep)[keyof typeof NextStep];

/** Decides after one attempt. `sameVendorRetries` counts retries already made on this vendor. */
export function nextStep(
  result: VendorOutcomeKind,
  policy: AmbiguousRetryPolicy,
  sameVendorRetries: number,
): NextStep {
  switch (result) {
    case VendorOutcomeKind.accepted:
    case VendorOutcomeKind.rejected:
      return NextStep.done;
    case VendorOutcomeKind.throttled:
    case VendorOutcomeKind.unavailable:
    case VendorOutcomeKind.vendorFailed:
      return NextStep.nextVendor;
    case VendorOutcomeKind.ambiguous:
      if (policy === AmbiguousRetryPolicy.failover) return NextStep.nextVendor;
      if (sameVendorRetries < 1) return NextStep.retrySameVendor;
      return policy === AmbiguousRetryPolicy.sameVendorOnly ? NextStep.retryLater : NextStep.nextVendor;
  }
}
