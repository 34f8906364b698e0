/**
 * Callbacks waiting to be delivered: a durable schedule keyed by event id. Adding an event already
 * waiting keeps the one there (a repeated final state is one callback). Taking hands out due
 * entries with a lease: an entry neither completed nor rescheduled before the lease ends is due again
 * (at-least-once when a deliverer dies).
 */
import type { CallbackEvent } from '../core/callback.ts';

/** One waiting callback. */
export interface QueuedCallback {
  readonly clientId: string;
  readonly event: CallbackEvent;
  /** Attempts made so far. */
  readonly attempts: number;
  /** When the first attempt was made or due (ms since epoch). */
  readonly firstAttemptMs: number;
}

/** The callback schedule. */
export interface CallbackQueue {
  /** Schedules new callbacks due at `dueMs`; ones already waiting are kept. */
  add(callbacks: readonly QueuedCallback[], dueMs: number): Promise<void>;
  /** Up to `limit` callbacks due at `nowMs`, each leased for `leaseMs`. */
  takeDue(nowMs: number, limit: number, leaseMs: number): Promise<QueuedCallback[]>;
  /** Schedules the next attempt of a taken callback. */
  reschedule(callback: QueuedCallback, dueMs: number): Promise<void>;
  /** Forgets a callback (delivered, or given up). */
  complete(eventId: string): Promise<void>;
}
