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

/** Emission interval in µs, rounded up so the rate is never exceeded. */
export function intervalMicros(limit: RateLimit): number {
  return Math.ceil(1_000_000 / limit.perSecond);
}

/** The outcome of one reservation: how many, the first start offset (µs, may be < 0) and the new tat. */
export interface Reservation {
  readonly granted: number;
  readonly firstOffsetMicros: number;
  readonly newTatMicros: number;
}

/** One reservation at `nowMicros` against the stored `tatMicros` (0 if none). */
export function reserveSlots(
  tatMicros: number,
  nowMicros: number,
  count: number,
  limit: RateLimit,
  maxWaitMs: number,
): Reservation {
  const interval = intervalMicros(limit);
  const tolerance = (limit.burst - 1) * interval;
  const tat = Math.max(tatMicros, nowMicros);
  const room = Math.floor((nowMicros + maxWaitMs * 1_000 - (tat - tolerance)) / interval) + 1;
  const granted = Math.max(0, Math.min(count, room));
  return { granted, firstOffsetMicros: tat - tolerance - nowMicros, newTatMicros: tat + granted * interval };
}

/** The grant a reservation means, in ms from `now`. */
export function grantOf(reservation: Reservation, limit: RateLimit): RateGrant {
  const interval = intervalMicros(limit);
  const delaysMs = Array.from(
    { length: reservation.granted },
    (_, j) => Math.max(0, reservation.firstOffsetMicros + j * interval) / 1_000,
  );
  const nextFreeMicros = reservation.firstOffsetMicros + reservation.granted * interval;
  return { granted: reservation.granted, delaysMs, nextFreeInMs: Math.max(0, nextFreeMicros) / 1_000 };
}

/** The tat after a pause of `pauseMs` from `nowMicros`: no send starts before now + pause. */
export function pausedTat(tatMicros: number, nowMicros: number, pauseMs: number, limit: RateLimit): number {
  const tolerance = (limit.burst - 1) * intervalMicros(limit);
  return Math.max(tatMicros, nowMicros + pauseMs * 1_000 + tolerance);
}
