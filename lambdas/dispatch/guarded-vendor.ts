/**
 * Wraps a Vendor in cockatiel policies, built once per container so their state outlives an
 * invocation: a bulkhead (at most `maxConcurrent` calls in flight, the rest queue) around a circuit
 * breaker (consecutive failures open it; after `halfOpenAfterMs` one probe call decides). A
 * vendor-level failure (credential, endpoint, account) opens it at once: every later call would fail the
 * same way. A 429's Retry-After pauses the vendor for that long. Refusals come back as `unavailable`
 * outcomes (nothing sent), which the failover moves on from.
 */
import {
  type BulkheadPolicy,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
} from 'cockatiel';
import type { Vendor, VendorMessage, VendorOutcome } from '../ports/vendor.ts';

/** The send intent could not be written (the dedup store is unreachable): nothing was sent. */
export class IntentNotRecordedError extends Error {
  override name = 'IntentNotRecordedError';
  constructor(vendor: string, options?: ErrorOptions) {
    super(`${vendor}: send intent not recorded`, options);
  }
}

/** Resilience settings of one vendor. */
export interface VendorGuardOptions {
  readonly maxConcurrent: number;
  readonly failureThreshold: number;
  readonly halfOpenAfterMs: number;
  /** Longest pause a Retry-After may impose. @default 300_000 */
  readonly maxRetryAfterMs?: number;
  /** Called when the circuit opens, half-opens or closes. */
  readonly onCircuitChange?: (vendor: string, state: 'open' | 'half-open' | 'closed') => void;
  /** @default Date.now */
  readonly now?: () => number;
}

// Why queue so many: a batch's calls must wait for a slot, not be refused; the deadline signal
// cancels the ones still queued when time runs out.
const QUEUE_CAPACITY = 10_000;

// Timeouts, unavailability and vendor-level failures count against the vendor; throttling does not
// (the vendor is up, and Retry-After already pauses it), nor does a permanent rejection (it answered).
const isFailure = (result: unknown) => {
  const { kind } = result as VendorOutcome;
  return kind === 'ambiguous' || kind === 'unavailable' || kind === 'vendor-failed';
};

/** A Vendor behind a circuit breaker, a bulkhead and a Retry-After pause. */
export class GuardedVendor implements Vendor {
  readonly name: string;
  readonly #inner: Vendor;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #bulkhead: BulkheadPolicy;
  readonly #now: () => number;
  readonly #maxRetryAfterMs: number;
  #pausedUntilMs = 0;
  /** When the breaker last opened, while it is open (it half-opens on the first call after the wait). */
  #breakerOpenedAtMs: number | undefined;
  #pauseReason = 'Retry-After';
  readonly #halfOpenAfterMs: number;
  readonly #onCircuitChange: VendorGuardOptions['onCircuitChange'];

  constructor(inner: Vendor, options: VendorGuardOptions) {
    this.name = inner.name;
    this.#inner = inner;
    this.#now = options.now ?? Date.now;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
    this.#halfOpenAfterMs = options.halfOpenAfterMs;
    this.#onCircuitChange = options.onCircuitChange;
    this.#bulkhead = bulkhead(options.maxConcurrent, QUEUE_CAPACITY);
    this.#breaker = circuitBreaker(handleWhenResult(isFailure), {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.failureThreshold),
    });
    const names = {
      [CircuitState.Open]: 'open',
      [CircuitState.HalfOpen]: 'half-open',
      [CircuitState.Closed]: 'closed',
    } as const;
    this.#breaker.onStateChange((state) => {
      // Date.now, as cockatiel's own half-open timer uses.
      this.#breakerOpenedAtMs = state === CircuitState.Open ? Date.now() : undefined;
      if (state !== CircuitState.Isolated) options.onCircuitChange?.(this.name, names[state]);
    });
  }

  /** Whether the wrapped vendor can deliver to `recipient` at all. */
  serves(recipient: string): boolean {
    return this.#inner.serves?.(recipient) ?? true;
  }

  /** Whether calls are refused right now (circuit open, or opened at once by a vendor-level failure). */
  get isCircuitOpen(): boolean {
    return (
      this.#breaker.state === CircuitState.Open ||
      (this.#pauseReason === 'vendor-failed' && this.#now() < this.#pausedUntilMs)
    );
  }

  /** Whether the breaker is open and not yet due for its half-open probe. */
  #isBreakerRefusing(): boolean {
    return (
      this.#breakerOpenedAtMs !== undefined && Date.now() < this.#breakerOpenedAtMs + this.#halfOpenAfterMs
    );
  }

  /**
   * A vendor-level failure (expired credential, moved endpoint, suspended account) fails every call the
   * same way: stop calling for `halfOpenAfterMs`, then the next call probes it.
   */
  #openAtOnce(): void {
    const wasOpen = this.isCircuitOpen;
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, this.#now() + this.#halfOpenAfterMs);
    this.#pauseReason = 'vendor-failed';
    if (!wasOpen) this.#onCircuitChange?.(this.name, 'open');
  }

  /**
   * Sends unless paused or the circuit is open. `signal` (the batch deadline) only cancels a call still
   * waiting for a slot: a call in flight is never aborted, as that would make its outcome ambiguous.
   * `beforeCall` runs once the call has its slot and is about to go out (the send intent is written
   * there); if it throws, nothing is sent.
   */
  async send(
    message: VendorMessage,
    signal?: AbortSignal,
    beforeCall?: () => Promise<void>,
  ): Promise<VendorOutcome> {
    try {
      // Why the bulkhead outside: a call that waited for a slot checks the pause and the circuit when
      // its turn comes, so a batch's queued calls stop as soon as the vendor is known to be in trouble.
      return await this.#bulkhead.execute(async () => {
        if (this.#now() < this.#pausedUntilMs) {
          return { kind: 'unavailable', reason: `${this.name}: paused by ${this.#pauseReason}` } as const;
        }
        // Why checked before the intent is written: a call the breaker would refuse must leave no intent.
        if (this.#isBreakerRefusing())
          return { kind: 'unavailable', reason: `${this.name}: circuit open` } as const;
        try {
          await beforeCall?.();
        } catch (error) {
          // Not the vendor's fault, and no other vendor can do better: the caller retries the record.
          throw new IntentNotRecordedError(this.name, { cause: error });
        }
        const outcome = await this.#breaker.execute(() => this.#inner.send(message));
        if (outcome.kind === 'vendor-failed') this.#openAtOnce();
        if (
          (outcome.kind === 'throttled' || outcome.kind === 'unavailable') &&
          outcome.retryAfterMs !== undefined
        ) {
          const pause = Math.min(outcome.retryAfterMs, this.#maxRetryAfterMs);
          this.#pausedUntilMs = Math.max(this.#pausedUntilMs, this.#now() + pause);
          this.#pauseReason = 'Retry-After';
        }
        return outcome;
      }, signal);
    } catch (error) {
      if (error instanceof IntentNotRecordedError) throw error;
      if (isBrokenCircuitError(error)) return { kind: 'unavailable', reason: `${this.name}: circuit open` };
      if (isTaskCancelledError(error))
        return { kind: 'unavailable', reason: `${this.name}: batch deadline reached` };
      if (isBulkheadRejectedError(error))
        return { kind: 'unavailable', reason: `${this.name}: too many queued calls` };
      // A vendor adapter should never throw; if one does, the message may have gone out.
      return { kind: 'ambiguous', reason: `${this.name}: ${error instanceof Error ? error.name : 'error'}` };
    }
  }
}
