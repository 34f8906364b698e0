/**
 * The rate gate of one round: every call to a rate-limited vendor waits here for its slot in the shared
 * schedule (ports/rate-limiter.ts), so all invocations together keep each vendor to its rate, failover
 * traffic included.
 * - First calls: one reservation per limited vendor for the whole round, made before sending (open).
 * - Failover calls to a limited vendor: reserved as they come, coalesced per event-loop turn into one
 *   reservation per vendor.
 * - A throttling answer from a limited vendor lowers its shared rate (slowDown, once per vendor per
 *   round); this round's calls to it that have not started give up their slots and reserve again
 *   together, at once, at the lowered rate.
 * A vendor whose rate counts SMS message parts (End User Messaging's MPS) takes one slot per part, and
 * a multi-part message starts at its last slot.
 * A call that gets no slot within RATE_WAIT_MS is not made: the delivery goes to the next vendor when
 * the vendor's `rateOverflow` is `failover`, else it is retried by a later invocation. An unreachable
 * limiter grants nothing (fail closed): nothing is sent over a rate nobody counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type RateLimit, SlowDown } from '../core/rate-schedule.ts';
import { smsPartsOf } from '../core/sms-parts.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import { RATE_WAIT_MS } from '../shared/timing.ts';

/** What a delivery does when its vendor has no slot within RATE_WAIT_MS. */
export const RateOverflow = { wait: 'wait', failover: 'failover' } as const;
/** One of the overflow policies. */
export type RateOverflow = (typeof RateOverflow)[keyof typeof RateOverflow];

/** A rate-limited vendor's rate and its overflow policy. */
export interface VendorRate extends RateLimit {
  readonly overflow: RateOverflow;
  /** The rate counts SMS message parts, not messages (End User Messaging SMS: MPS). */
  readonly countsParts: boolean;
}

/** What the gate needs of a call: which delivery, and its body (for the parts it takes). */
export interface GatedCall {
  readonly deliveryId: string;
  readonly body: string;
}

/** A reserved start: when (epoch ms), or null when the reservation had no room for it. */
type Slot = { readonly vendor: string; readonly startAtMs: number | null };

interface Waiter {
  readonly call: GatedCall;
  readonly resolve: (startAtMs: number | null) => void;
}

/** One round's gate. */
export class RateGate {
  readonly #limiter: RateLimiter | undefined;
  readonly #rates: ReadonlyMap<string, VendorRate>;
  /** Slots reserved up front for each delivery's first call. */
  readonly #slots = new Map<string, Slot>();
  /** Vendors that answered "throttled" in this round, with their slow-down call. */
  readonly #slowing = new Map<string, Promise<void>>();
  /** Aborted when the vendor answers "throttled": wakes the calls waiting for slots taken before. */
  readonly #throttledSignals = new Map<string, AbortController>();
  readonly #pending = new Map<string, Waiter[]>();

  private constructor(limiter: RateLimiter | undefined, rates: ReadonlyMap<string, VendorRate>) {
    this.#limiter = rates.size > 0 ? limiter : undefined;
    this.#rates = rates;
  }

  /** A gate with one reservation per limited vendor for the deliveries whose first call goes there. */
  static async open(
    limiter: RateLimiter | undefined,
    rates: ReadonlyMap<string, VendorRate>,
    firstCalls: ReadonlyMap<string, readonly GatedCall[]>,
  ): Promise<RateGate> {
    const gate = new RateGate(limiter, rates);
    await Promise.all(
      [...firstCalls].map(async ([vendor, calls]) => {
        if (!gate.isLimited(vendor)) return;
        const starts = await gate.#reserve(vendor, calls);
        calls.forEach((call, i) => {
          gate.#slots.set(call.deliveryId, { vendor, startAtMs: starts[i] ?? null });
        });
      }),
    );
    return gate;
  }

  /** Whether calls to `vendor` need a slot. */
  isLimited(vendor: string): boolean {
    return this.#limiter !== undefined && this.#rates.has(vendor);
  }

  /** What a delivery does when `vendor` has no slot for it. */
  overflowOf(vendor: string): RateOverflow {
    return this.#rates.get(vendor)?.overflow ?? RateOverflow.wait;
  }

  /**
   * Waits for this delivery's slot at `vendor`; resolves false, at once, when it has none within
   * RATE_WAIT_MS (the call must not be made). A slot reserved before the vendor answered "throttled"
   * is given up, and the delivery reserves again at the lowered rate.
   */
  async admit(call: GatedCall, vendor: string): Promise<boolean> {
    if (!this.isLimited(vendor)) return true;
    const slot = this.#slots.get(call.deliveryId);
    this.#slots.delete(call.deliveryId);
    let reserved = slot?.vendor === vendor ? slot.startAtMs : undefined;
    for (;;) {
      const wasSlowing = this.#slowing.has(vendor);
      if (reserved === undefined || wasSlowing) {
        await this.#slowing.get(vendor);
        reserved = await new Promise<number | null>((resolve) => this.#enqueue(vendor, { call, resolve }));
      }
      if (reserved === null) return false;
      const waitMs = reserved - Date.now();
      if (waitMs > 0) {
        const signal = wasSlowing ? undefined : this.#throttledSignal(vendor);
        await sleep(waitMs, undefined, { signal }).catch(() => undefined); // woken by a throttling answer
      }
      if (wasSlowing || !this.#slowing.has(vendor)) return true;
    }
  }

  /** `vendor` answered "throttled": lowers its shared rate, once per round. */
  throttled(vendor: string, retryAfterMs: number | undefined): void {
    const rate = this.#rates.get(vendor);
    if (!this.#limiter || !rate || this.#slowing.has(vendor)) return;
    const pauseMs = retryAfterMs ?? SlowDown.defaultPauseMs;
    // A failure here shows in the next reservation, which fails closed.
    this.#slowing.set(
      vendor,
      this.#limiter.slowDown(vendor, rate, { pauseMs }).catch(() => undefined),
    );
    this.#throttledSignals.get(vendor)?.abort();
  }

  #throttledSignal(vendor: string): AbortSignal {
    let controller = this.#throttledSignals.get(vendor);
    if (!controller) {
      controller = new AbortController();
      this.#throttledSignals.set(vendor, controller);
    }
    return controller.signal;
  }

  #enqueue(vendor: string, waiter: Waiter): void {
    const waiters = this.#pending.get(vendor);
    if (waiters) {
      waiters.push(waiter);
      return;
    }
    this.#pending.set(vendor, [waiter]);
    // Why the next turn: the calls that fail over together reach here in one turn; one round trip serves them.
    setImmediate(() => {
      const batch = this.#pending.get(vendor) ?? [];
      this.#pending.delete(vendor);
      void this.#reserve(
        vendor,
        batch.map((w) => w.call),
      ).then((starts) => {
        batch.forEach((w, i) => {
          w.resolve(starts[i] ?? null);
        });
      });
    });
  }

  /**
   * Reserves slots at `vendor` for `calls` in one round trip: each call's start (epoch ms: its last
   * slot's), or null when its slots did not all fit; never throws.
   */
  async #reserve(vendor: string, calls: readonly GatedCall[]): Promise<readonly (number | null)[]> {
    const rate = this.#rates.get(vendor);
    if (!this.#limiter || !rate || calls.length === 0) return [];
    const costs = calls.map((call) => (rate.countsParts ? smsPartsOf(call.body) : 1));
    const total = costs.reduce((sum, cost) => sum + cost, 0);
    try {
      const grant = await this.#limiter.reserve(vendor, total, rate, RATE_WAIT_MS);
      const now = Date.now();
      let used = 0;
      return costs.map((cost) => {
        used += cost;
        const last = grant.delaysMs[used - 1];
        return used <= grant.granted && last !== undefined ? now + last : null;
      });
    } catch {
      return [];
    }
  }
}
