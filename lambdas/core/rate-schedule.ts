/**
 * GCRA (generic cell rate algorithm) arithmetic for RateLimiter implementations, in integer
 * microseconds. Core: pure arithmetic, no clock. One state per vendor: the theoretical arrival time `tat` of the next send. With the
 * emission interval T = 1/rate and the burst tolerance τ = (burst − 1)·T, send j of a reservation may
 * start at max(now, tat − τ + j·T); granting k sends moves tat by k·T. The Redis script
 * (adapters/redis-rate-limiter.ts) runs the same steps atomically; the in-memory fake calls these.
 */
/** A vendor's configured rate. */
export interface RateLimit {
  /** Sustained sends per second (EUM: message parts per second per origination identity; SES: max send rate). */
  readonly perSecond: number;
  /** Sends that may start at once after an idle spell (1 = strictly spaced). */
  readonly burst: number;
}

/** What one reservation got. Granted sends are consumed whether or not the caller makes them. */
export interface RateGrant {
  /** How many of the requested sends may go (0..count). */
  readonly granted: number;
  /** For each granted send, when it may start, in ms from the answer (non-decreasing, the first ones 0). */
  readonly delaysMs: readonly number[];
  /** When a send after these could start, in ms from the answer. */
  readonly nextFreeInMs: number;
}

/**
 * How a throttling answer lowers a vendor's rate: each one (at most one a second counts) doubles the
 * emission interval, up to MAX_SLOW_FACTOR (an eighth of the configured rate), for SLOW_DOWN_MS after
 * the latest; then the configured rate is back. No send starts during the pause the answer asked for
 * (Retry-After), or THROTTLE_PAUSE_MS when it named none.
 */
export const SlowDown = {
  forMs: 30_000,
  maxFactor: 8,
  /** Throttling answers closer together than this count once (many invocations see the same wave). */
  recountAfterMs: 1_000,
  defaultPauseMs: 1_000,
} as const;

/** A throttling answer's effect on the shared schedule. */
export interface SlowDownRequest {
  /** No send starts before now + pauseMs. */
  readonly pauseMs: number;
  /** How long the lowered rate lasts after this answer. @default SlowDown.forMs */
  readonly forMs?: number;
}

/** Emission interval in µs, rounded up so the rate is never exceeded; `factor` > 1 while slowed down. */
export function intervalMicros(limit: RateLimit, factor = 1): number {
  return Math.ceil(1_000_000 / limit.perSecond) * factor;
}

/** The outcome of one reservation: how many, the first start offset (µs, may be < 0), the new tat and the interval used. */
export interface Reservation {
  readonly granted: number;
  readonly firstOffsetMicros: number;
  readonly newTatMicros: number;
  readonly intervalMicros: number;
}

/** One reservation at `nowMicros` against the stored `tatMicros` (0 if none), `factor` times slower. */
export function reserveSlots(
  tatMicros: number,
  nowMicros: number,
  count: number,
  limit: RateLimit,
  maxWaitMs: number,
  factor = 1,
): Reservation {
  const interval = intervalMicros(limit, factor);
  const tolerance = (limit.burst - 1) * interval;
  const tat = Math.max(tatMicros, nowMicros);
  const room = Math.floor((nowMicros + maxWaitMs * 1_000 - (tat - tolerance)) / interval) + 1;
  const granted = Math.max(0, Math.min(count, room));
  return {
    granted,
    firstOffsetMicros: tat - tolerance - nowMicros,
    newTatMicros: tat + granted * interval,
    intervalMicros: interval,
  };
}

/** The grant a reservation means, in ms from `now`. */
export function grantOf(reservation: Reservation): RateGrant {
  const interval = reservation.intervalMicros;
  const delaysMs = Array.from(
    { length: reservation.granted },
    (_, j) => Math.max(0, reservation.firstOffsetMicros + j * interval) / 1_000,
  );
  const nextFreeMicros = reservation.firstOffsetMicros + reservation.granted * interval;
  return { granted: reservation.granted, delaysMs, nextFreeInMs: Math.max(0, nextFreeMicros) / 1_000 };
}

/** The factor after a throttling answer, given the current one and how long ago it was last raised. */
export function nextSlowFactor(factor: number, sinceRaisedMs: number): number {
  return sinceRaisedMs < SlowDown.recountAfterMs ? factor : Math.min(factor * 2, SlowDown.maxFactor);
}

/** The tat after a pause of `pauseMs` from `nowMicros`: no send starts before now + pause. */
export function pausedTat(
  tatMicros: number,
  nowMicros: number,
  pauseMs: number,
  limit: RateLimit,
  factor = 1,
): number {
  const tolerance = (limit.burst - 1) * intervalMicros(limit, factor);
  return Math.max(tatMicros, nowMicros + pauseMs * 1_000 + tolerance);
}
