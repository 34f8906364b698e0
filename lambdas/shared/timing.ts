/**
 * The dispatcher's timing rules, in one place for lambdas/ and lib/ (which checks a stage's settings
 * against them): the claim lease, how long a batch may keep starting vendor calls, how long it may wait
 * for a crashed invocation's leases, and what one crash costs the event source mapping's retry budget.
 */

/**
 * Default claim lease. Why 25 s, well under the function timeout: the lease bounds how long a batch
 * sends (no vendor call starts that the lease would not cover: 25 − 5 s vendor timeout − 2 s margin =
 * 18 s for 100 records), and it is how long a crashed invocation's claims hold its records off. The
 * retry after a crash waits that out only if the lease leaves a whole lease of its time to send:
 * 2 × 25 s + start-up fits the 60 s dev timeout. lib/ sets it per stage (claimLeaseSeconds).
 */
export const DEFAULT_CLAIM_LEASE_MS = 25_000;

/**
 * Kept free at the end of the send budget. Why: calls started just before the deadline still need
 * their own timeout to finish, and the claims must outlive them; the slowest vendor timeout is
 * subtracted too.
 */
export const SEND_SAFETY_MARGIN_MS = 2_000;

/**
 * Extra wait past the lease end the store reported. Why: Redis expires a key only once its time is
 * strictly past, and PTTL rounds to whole milliseconds; the reply's transit only adds to our side.
 */
export const LEASE_EXPIRY_SLACK_MS = 50;

/** What a retried dispatch invocation may spend before it claims: cold start, secrets, connections. */
export const RETRY_STARTUP_SECONDS = 5;

/** Retries one crash may cost: the retry that waits out its leases, and one more should that one crash. */
export const RETRIES_PER_CRASH = 2;

/**
 * Longest a delivery waits for its vendor's rate-limit slot within an invocation. Why 2 s: well inside
 * the send budget (18 s with the default lease), so a waiting delivery still has time to be sent;
 * what does not fit is retried by a later invocation, not failed over to a vendor nobody rationed.
 */
export const RATE_WAIT_MS = 2_000;

/** How long an invocation may keep starting vendor calls. */
export function sendBudgetMs(
  claimLeaseMs: number,
  remainingMs: number,
  slowestVendorTimeoutMs: number,
): number {
  return Math.max(0, Math.min(claimLeaseMs, remainingMs) - slowestVendorTimeoutMs - SEND_SAFETY_MARGIN_MS);
}

/**
 * How long a batch may wait for another owner's lease: the invocation's remaining time less one whole
 * lease, so deliveries re-claimed after the wait still get the send budget of a fresh claim.
 */
export function leaseWaitBudgetMs(claimLeaseMs: number, remainingMs: number): number {
  return Math.max(0, remainingMs - claimLeaseMs);
}

/** The longest claim lease a retry can wait out and still send for a whole lease of its own. */
export function longestClaimLeaseSeconds(timeoutSeconds: number): number {
  return Math.floor((timeoutSeconds - RETRY_STARTUP_SECONDS) / 2);
}
