/**
 * Failover: delivers one message through its channel's vendors in tier order (lambdas/core/routing.ts):
 * fail over on `unavailable`, stop on `accepted` or `rejected`, and on `ambiguous` follow the
 * configured policy (by default: the same vendor once more with the same idempotency key, then the
 * next vendor — see AmbiguousRetryPolicy for the duplicate risk).
 */
import { type AmbiguousRetryPolicy, NextStep, nextStep } from '../core/routing.ts';
import type { Vendor, VendorMessage } from '../ports/vendor.ts';
import type { Attempt, SendResult } from './batch-types.ts';

/** Tries `order`'s vendors in turn; never throws. `deadline` stops new calls, not calls in flight. */
export async function sendWithFailover(
  message: VendorMessage,
  order: readonly string[],
  vendors: ReadonlyMap<string, Vendor>,
  policy: AmbiguousRetryPolicy,
  deadline: AbortSignal,
): Promise<SendResult> {
  const attempts: Attempt[] = [];
  for (const name of order) {
    const vendor = vendors.get(name);
    if (!vendor) {
      attempts.push({ vendor: name, kind: 'unavailable', reason: `${name}: not configured` });
      continue;
    }
    for (let sameVendorRetries = 0; ; sameVendorRetries++) {
      if (deadline.aborted) return { kind: 'retry', reason: 'batch deadline reached', attempts };
      const outcome = await vendor.send(message, deadline);
      if (outcome.kind === 'accepted') {
        attempts.push({ vendor: name, kind: outcome.kind });
        return { kind: 'sent', vendor: name, attempts };
      }
      attempts.push({ vendor: name, kind: outcome.kind, reason: outcome.reason });
      if (outcome.kind === 'rejected')
        return { kind: 'failed', vendor: name, reason: outcome.reason, attempts };
      const step = nextStep(outcome.kind, policy, sameVendorRetries);
      if (step === NextStep.retryLater) {
        return { kind: 'retry', reason: `ambiguous outcome at ${name}; policy ${policy}`, attempts };
      }
      if (step !== NextStep.retrySameVendor) break;
    }
  }
  const reasons = attempts.map((attempt) => attempt.reason).join('; ');
  return { kind: 'retry', reason: `no vendor accepted: ${reasons}`, attempts };
}
