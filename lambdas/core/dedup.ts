/**
 * The dedup protocol, per deliveryId: claim (a lease, so a crashed invocation's claim expires and the
 * delivery becomes retryable) → intent (written ahead of each vendor call: "possibly sent at vendor X",
 * kept until the delivery is marked or released, so neither a crash nor an ambiguous answer is ever
 * forgotten) → send → mark (kept at least the dedup window) or release on a retryable failure. Also the layout of the time buckets marks are kept in (the bucket arithmetic itself runs in
 * the store's Lua, lambdas/adapters/redis-dedup-scripts.ts, on Redis time).
 */

/** What a claim found. A duplicate is an outcome, never an error. */
export const ClaimOutcome = {
  /** This owner holds the lease now: it may send. */
  claimed: 'claimed',
  /** Already marked done within the window: suppress. */
  duplicate: 'duplicate',
  /** Another owner holds a live lease: wait for it or retry later, never send in parallel. */
  inFlight: 'in-flight',
} as const;
/** One of the claim outcomes. */
export type ClaimOutcome = (typeof ClaimOutcome)[keyof typeof ClaimOutcome];

/**
 * How a delivery was finalised; whichever, it is never sent again within the window. `maybe-sent`: a
 * vendor may have delivered it (no answer, or a crash mid-call) and the channel's ambiguity policy is to
 * hold it rather than risk a second message.
 */
export const MarkKind = { sent: 'sent', failed: 'failed', maybeSent: 'maybe-sent' } as const;
/** One of the mark kinds. */
export type MarkKind = (typeof MarkKind)[keyof typeof MarkKind];

/** The result of claiming one deliveryId. */
export type ClaimResult =
  | {
      readonly outcome: typeof ClaimOutcome.claimed;
      /**
       * The vendor an earlier attempt may have sent this delivery through: its intent was written and
       * never cleared (an ambiguous answer, or the invocation died mid-call). Absent: never tried.
       */
      readonly sendingAt?: string;
    }
  | { readonly outcome: typeof ClaimOutcome.duplicate; readonly mark: MarkKind }
  | {
      readonly outcome: typeof ClaimOutcome.inFlight;
      /**
       * How long the holder's lease still runs, in ms, as the store measured it when answering. The
       * delivery becomes claimable by then at the latest (earlier if the holder marks or releases it).
       */
      readonly leaseRemainingMs: number;
    };

/** A finalised delivery to mark. */
export interface DeliveryMark {
  readonly deliveryId: string;
  readonly kind: MarkKind;
}

/** Written ahead of a vendor call: the delivery may be sent through `vendor` from now on. */
export interface SendIntent {
  readonly deliveryId: string;
  readonly vendor: string;
}

/** How marks are bucketed in time. */
export interface BucketLayout {
  readonly windowSeconds: number;
  /** Width of one time bucket; a bucket's marks expire together. */
  readonly spanSeconds: number;
}

/** Splits the window into `bucketsPerWindow` buckets (≥ 1 s each). More buckets: less over-retention. */
export function bucketLayout(windowSeconds: number, bucketsPerWindow: number): BucketLayout {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1)
    throw new RangeError('windowSeconds must be ≥ 1');
  if (!Number.isInteger(bucketsPerWindow) || bucketsPerWindow < 1)
    throw new RangeError('bucketsPerWindow must be ≥ 1');
  return { windowSeconds, spanSeconds: Math.max(1, Math.ceil(windowSeconds / bucketsPerWindow)) };
}
