/**
 * Waiting out another owner's claim lease inside this invocation.
 *
 * Why: a crashed (killed, timed-out) invocation leaves its claims behind, and they hold its records
 * off until their lease ends. Every redelivery before then sees 'in-flight' and must report the records
 * for retry — and the event source mapping's retry budget is a count with undocumented backoff timing,
 * so a lease longer than the retries last sends the whole batch to the on-failure destination. A
 * redelivery that instead waits for the leases that end within its own time, then claims those ids
 * once more (one extra round trip), turns a crash into one retry.
 *
 * "Never sent in parallel" still holds: nothing is sent on the strength of the wait. The re-claim goes
 * through the store after the lease has run out, so a live holder that marked the delivery meanwhile
 * makes it a duplicate, one that released it lets us claim it, and a lease still held stays in flight.
 */
import type { ClaimResult } from '../core/dedup.ts';
import { LEASE_EXPIRY_SLACK_MS } from '../shared/timing.ts';

/** In-flight ids whose leases end soon enough, and how long to wait for the last of them. */
export interface LeaseWait {
  readonly ids: readonly string[];
  readonly waitMs: number;
}

/**
 * The in-flight ids of `claims` whose lease ends within `maxWaitMs` (with the slack), or undefined.
 * Ids whose lease ends later are left for a later redelivery: waiting for them would cut into the time
 * this invocation needs to send.
 */
export function leasesToWaitFor(
  claims: ReadonlyMap<string, ClaimResult>,
  maxWaitMs: number,
): LeaseWait | undefined {
  const ids: string[] = [];
  let waitMs = 0;
  for (const [id, claim] of claims) {
    if (claim.outcome !== 'in-flight') continue;
    const untilFreeMs = Math.max(0, claim.leaseRemainingMs) + LEASE_EXPIRY_SLACK_MS;
    if (untilFreeMs > maxWaitMs) continue;
    ids.push(id);
    waitMs = Math.max(waitMs, untilFreeMs);
  }
  return ids.length > 0 ? { ids, waitMs } : undefined;
}
