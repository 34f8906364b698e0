/**
 * The dispatcher's claim lease against the event source mapping's retry budget. A crashed (killed,
 * timed-out) dispatch invocation leaves claims that hold its records off for up to one lease; the
 * mapping retries those records meanwhile. Herald's answer: the retry waits out the leases inside its
 * own time (lambdas/dispatch/lease-wait.ts) — which works only if a lease fits in a retry next to the
 * lease the retry needs to send — and the retry count is large, bounded in time by the record age.
 */
import {
  longestClaimLeaseSeconds,
  RETRIES_PER_CRASH,
  RETRY_STARTUP_SECONDS,
} from '../../lambdas/shared/timing.ts';
import type { DispatchSettings } from './stage-config.ts';

export {
  longestClaimLeaseSeconds,
  RETRIES_PER_CRASH,
  RETRY_STARTUP_SECONDS,
} from '../../lambdas/shared/timing.ts';

/**
 * Whether the mapping's retry budget covers the claim lease. Why: a crashed invocation's claims hold
 * its records off for up to one lease; every retry that cannot wait that out fails fast, and AWS's
 * backoff between retries is undocumented, so only a retry that waits inside its own time reliably
 * outlasts the lease (lambdas/dispatch/lease-wait.ts).
 */
export function retryBudgetIssues(settings: DispatchSettings): string[] {
  const issues: string[] = [];
  const { claimLeaseSeconds: lease, timeoutSeconds: timeout, retryAttempts, maxRecordAgeSeconds } = settings;
  const longest = longestClaimLeaseSeconds(timeout);
  if (lease > longest) {
    issues.push(
      `dispatch.claimLeaseSeconds (${lease}) is longer than the retry budget can cover: after a crash the ` +
        `next invocation waits out the crashed one's leases and then needs a whole lease to send, so with ` +
        `timeoutSeconds ${timeout} the lease may be at most (${timeout} − ${RETRY_STARTUP_SECONDS}) / 2 = ${longest} s; ` +
        'a longer lease makes each retry before it ends fail, until retryAttempts run out',
    );
  }
  if (retryAttempts === -1) {
    issues.push(
      'dispatch.retryAttempts must be an explicit count, not -1: with an on-failure destination Lambda ' +
        'applies at most 10 retries; use several hundred and bound retrying with maxRecordAgeSeconds',
    );
  } else if (retryAttempts >= 0 && retryAttempts < RETRIES_PER_CRASH) {
    issues.push(
      `dispatch.retryAttempts (${retryAttempts}) cannot cover a crash: its records need a retry to wait ` +
        `out the crashed invocation's leases, and that retry may crash too; use at least ${RETRIES_PER_CRASH}`,
    );
  }
  const recovery = lease + RETRIES_PER_CRASH * timeout;
  if (maxRecordAgeSeconds !== -1 && maxRecordAgeSeconds < recovery) {
    issues.push(
      `dispatch.maxRecordAgeSeconds (${maxRecordAgeSeconds}) must outlast a crash's recovery: one lease ` +
        `plus ${RETRIES_PER_CRASH} invocations (${lease} + ${RETRIES_PER_CRASH} × ${timeout} = ${recovery} s)`,
    );
  }
  return issues;
}
