/**
 * Failover: delivers one message through its channel's vendors in tier order (lambdas/core/vendor-tiers.ts).
 * A delivery moves to the next vendor only when the answer proves nothing was sent (unavailable,
 * throttled, vendor-failed); it stops on accepted or rejected. An ambiguous answer — the vendor may have
 * delivered — follows the channel's policy (hold, same-vendor or failover). Before every call the send
 * intent is written (intent-writer.ts), so a crash mid-call is as ambiguous as a lost answer. A call to a
 * rate-limited vendor first waits for its slot (rate-gate.ts); a vendor with no slot in time is not
 * called, and the delivery moves on or is retried per the vendor's rate overflow policy.
 */
import { type AmbiguousRetryPolicy, NextStep, nextStep } from '../core/vendor-tiers.ts';
import type { VendorMessage } from '../ports/vendor.ts';
import type { Attempt, DispatchVendor, SendResult } from './batch-types.ts';
import { IntentNotRecordedError } from './guarded-vendor.ts';
import type { IntentWriter } from './intent-writer.ts';
import { type RateGate, RateOverflow } from './rate-gate.ts';

/** What one delivery's failover needs. */
export interface FailoverInput {
  readonly message: VendorMessage;
  /** The channel's vendors in the delivery's order. */
  readonly order: readonly string[];
  /** The vendor an earlier attempt may have sent it through (its intent was never cleared). */
  readonly sendingAt?: string;
  readonly policy: AmbiguousRetryPolicy;
  readonly vendors: ReadonlyMap<string, DispatchVendor>;
  readonly intents: IntentWriter;
  readonly gate: RateGate;
  /** Stops new calls, not calls in flight. */
  readonly deadline: AbortSignal;
}

/** Tries the vendors in turn; never throws. */
export async function sendWithFailover(input: FailoverInput): Promise<SendResult> {
  const { message, sendingAt, policy } = input;
  const attempts: Attempt[] = [];
  if (sendingAt !== undefined && policy === 'hold') {
    const reason = `possibly sent at ${sendingAt} by an earlier attempt; held (policy hold)`;
    return { kind: 'maybe-sent', vendor: sendingAt, reason, attempts };
  }
  // Pinned: possibly sent at one vendor already, so under same-vendor it may go nowhere else.
  const isPinned = sendingAt !== undefined && policy === 'same-vendor';
  const order = isPinned ? [sendingAt] : input.order;
  for (const name of order) {
    const vendor = input.vendors.get(name);
    if (!vendor) {
      attempts.push({ vendor: name, kind: 'unavailable', reason: `${name}: not configured` });
      continue;
    }
    // A push tier may mix services: a vendor of another one is passed over, nothing was sent there.
    if (vendor.serves?.(message.to) === false) {
      attempts.push({ vendor: name, kind: 'unavailable', reason: `${name}: does not serve this recipient` });
      continue;
    }
    if (!(await input.gate.admit(message, name))) {
      const reason = `${name}: at its rate limit, no slot in time; not called`;
      attempts.push({ vendor: name, kind: 'throttled', reason });
      if (!isPinned && input.gate.overflowOf(name) === RateOverflow.failover) continue;
      return { kind: 'retry', reason, attempts, isPossiblySent: isPinned };
    }
    if (input.deadline.aborted)
      return { kind: 'retry', reason: 'batch deadline reached', attempts, isPossiblySent: isPinned };
    let outcome: Awaited<ReturnType<DispatchVendor['send']>>;
    try {
      outcome = await vendor.send(message, input.deadline, () =>
        input.intents.write({ deliveryId: message.deliveryId, vendor: name }),
      );
    } catch (error) {
      // The dedup store, not the vendor, failed: nothing was sent, and failing over would not help.
      if (!(error instanceof IntentNotRecordedError)) throw error;
      const reason = 'send intent not recorded (dedup store unreachable)';
      return { kind: 'retry', reason, attempts, isPossiblySent: isPinned };
    }
    if (outcome.kind === 'accepted') {
      attempts.push({ vendor: name, kind: outcome.kind });
      return { kind: 'sent', vendor: name, attempts };
    }
    attempts.push({ vendor: name, kind: outcome.kind, reason: outcome.reason });
    if (outcome.kind === 'throttled') input.gate.throttled(name, outcome.retryAfterMs);
    if (outcome.kind === 'rejected')
      return { kind: 'failed', vendor: name, reason: outcome.reason, attempts };
    const step = nextStep(outcome.kind, policy, isPinned);
    if (step === NextStep.hold) {
      const reason = `ambiguous answer from ${name} (${outcome.reason}); held (policy hold)`;
      return { kind: 'maybe-sent', vendor: name, reason, attempts };
    }
    if (step === NextStep.retryLater) {
      const isPossiblySent = isPinned || outcome.kind === 'ambiguous';
      const reason = `${outcome.reason}; retried later at ${name} only (policy ${policy})`;
      return { kind: 'retry', reason, attempts, isPossiblySent };
    }
  }
  const reasons = attempts.map((attempt) => attempt.reason).join('; ');
  return { kind: 'retry', reason: `no vendor accepted: ${reasons}`, attempts, isPossiblySent: isPinned };
}
