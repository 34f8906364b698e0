/**
 * A channel's vendor tiers and the failover policy. Each channel has three vendors (primary, secondary, tertiary), each with
 * a weight. The weights choose which vendor a delivery tries FIRST (deterministically from its
 * deliveryId, so a retried delivery goes back to the same vendor); the others follow in tier order as
 * failover, which moves a delivery on only when a vendor's answer proves nothing was sent there.
 * Weight 0 means "failover only".
 */
import { VendorOutcomeKind } from './vendor-outcome.ts';

/** The three tiers of a channel, in failover order. */
export const VendorTier = { primary: 'primary', secondary: 'secondary', tertiary: 'tertiary' } as const;
/** One of the tiers. */
export type VendorTier = (typeof VendorTier)[keyof typeof VendorTier];

/** A vendor's place in a channel's tiers. */
export interface TierVendor {
  readonly name: string;
  /** Share of first attempts, relative to the other tiers' weights. */
  readonly weight: number;
}

/** One channel's three vendors. */
export type ChannelTiers = Readonly<Record<VendorTier, TierVendor>>;

const TIERS = [VendorTier.primary, VendorTier.secondary, VendorTier.tertiary] as const;

/** Vendor names in the order a delivery tries them: the weighted first choice, then tier order. */
export function vendorOrder(channel: ChannelTiers, deliveryId: string): string[] {
  const tiers = TIERS.map((tier) => channel[tier]);
  const total = tiers.reduce((sum, vendor) => sum + Math.max(0, vendor.weight), 0);
  if (total <= 0) return tiers.map((vendor) => vendor.name);
  // Why the id's own bytes: deliveryIds are SHA-256 prefixes, so they are uniform; and deterministic.
  const point = Buffer.from(deliveryId, 'base64url').readUInt32BE(0) % total;
  let cumulative = 0;
  const first = tiers.find((vendor) => {
    cumulative += Math.max(0, vendor.weight);
    return point < cumulative;
  }) as TierVendor;
  return [first.name, ...tiers.filter((vendor) => vendor !== first).map((vendor) => vendor.name)];
}

/**
 * What to do with a delivery that may have been sent at vendor X: its answer was ambiguous (no answer,
 * reset, 409 still in progress, 500/502/504), or an earlier invocation died during the call (its send
 * intent was never cleared). The providers Herald fronts do not dedupe, so any second attempt, at X or
 * elsewhere, may be a second message on someone's phone. Set per channel.
 */
export const AmbiguousRetryPolicy = {
  /**
   * Default: never send it again. The delivery ends `maybe-sent` at X (status and metric say so), so a
   * recipient gets it at most once; an answer that was truly lost costs a missing message, not a double.
   */
  hold: 'hold',
  /**
   * Pinned to X: later attempts (a later invocation, after the lease) go only to X, never to another
   * vendor. Right for a vendor that dedupes on the Idempotency-Key (the deliveryId); elsewhere a second
   * message is possible when X did deliver.
   */
  sameVendor: 'same-vendor',
  /** Move on to the next vendor at once: lowest latency, and a second message whenever X delivered. */
  failover: 'failover',
} as const;
/** One of the ambiguous-outcome policies. */
export type AmbiguousRetryPolicy = (typeof AmbiguousRetryPolicy)[keyof typeof AmbiguousRetryPolicy];

/** The failover's next move after one attempt. */
export const NextStep = {
  /** Finished: sent (accepted) or failed for good (rejected). */
  done: 'done',
  /** Nothing was sent here: try the next vendor. */
  nextVendor: 'next-vendor',
  /** Stop now and retry the delivery in a later invocation (pinned to this vendor if possibly sent). */
  retryLater: 'retry-later',
  /** Possibly sent here: finish as maybe-sent, never send again. */
  hold: 'hold',
} as const;
/** One of the next steps. */
export type NextStep = (typeof NextStep)[keyof typeof NextStep];

/**
 * Decides after one attempt. `isPinned`: the delivery was possibly sent at this vendor before, so it may
 * go nowhere else (policy same-vendor).
 */
export function nextStep(
  result: VendorOutcomeKind,
  policy: AmbiguousRetryPolicy,
  isPinned: boolean,
): NextStep {
  switch (result) {
    case VendorOutcomeKind.accepted:
    case VendorOutcomeKind.rejected:
      return NextStep.done;
    case VendorOutcomeKind.throttled:
    case VendorOutcomeKind.unavailable:
    case VendorOutcomeKind.vendorFailed:
      return isPinned ? NextStep.retryLater : NextStep.nextVendor;
    case VendorOutcomeKind.ambiguous:
      if (policy === AmbiguousRetryPolicy.failover) return NextStep.nextVendor;
      return policy === AmbiguousRetryPolicy.hold ? NextStep.hold : NextStep.retryLater;
  }
}
