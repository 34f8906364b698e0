/**
 * Callbacks: the JSON event Herald POSTs to a client's webhook for each final state, its signature and
 * the retry schedule. The event id is stable (a hash of deliveryId and state), so every retry and
 * every repeat of the same final state carries the same id and the receiver can dedupe on it.
 *
 * Signature: `Herald-Signature: v1=<hex HMAC-SHA256(secret, "<Herald-Timestamp>.<raw body>")>`,
 * `Herald-Timestamp` in Unix seconds. A receiver recomputes it over the raw body, compares in constant
 * time and refuses timestamps older than its tolerance (5 min) to stop replays.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FinalState } from './status-precedence.ts';

/** Header names of a callback request. */
export const CallbackHeader = {
  eventId: 'herald-event-id',
  timestamp: 'herald-timestamp',
  signature: 'herald-signature',
} as const;

/** The body of a callback. */
export interface CallbackEvent {
  readonly id: string;
  readonly type: 'delivery.status';
  readonly requestId: string;
  readonly deliveryId: string;
  readonly state: FinalState;
  readonly reason?: string;
  readonly vendor?: string;
  /** ISO-8601 time the state was reached. */
  readonly occurredAt: string;
}

/** The stable id of the event for `deliveryId` reaching `state`. */
export function callbackEventId(deliveryId: string, state: FinalState): string {
  return `evt_${createHash('sha256').update(`${deliveryId}\n${state}`).digest().subarray(0, 16).toString('base64url')}`;
}

/** Builds the event for a delivery that reached a final state. */
export function callbackEventFor(input: Omit<CallbackEvent, 'id' | 'type'>): CallbackEvent {
  return { id: callbackEventId(input.deliveryId, input.state), type: 'delivery.status', ...input };
}

/** The `Herald-Signature` value for `body` sent at `timestampSeconds`. */
export function signCallback(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** Whether a received callback is authentic and fresh (what a receiver does; the README shows it). */
export function verifyCallback(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signCallback(secret, timestamp, body));
  const given = Buffer.from(headers.signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** How callbacks are retried. */
export interface CallbackRetryPolicy {
  /** First retry delay; doubles per attempt. */
  readonly initialDelayMs: number;
  /** Longest delay between attempts. */
  readonly maxDelayMs: number;
  /** Attempts stop this long after the first one (at least 24 h in production). */
  readonly giveUpAfterMs: number;
}

/** Why these: seconds at first, then at most an hour apart, for 26 hours (over the promised 24). */
export const DEFAULT_CALLBACK_RETRY: CallbackRetryPolicy = {
  initialDelayMs: 5_000,
  maxDelayMs: 3_600_000,
  giveUpAfterMs: 26 * 3_600_000,
};

/**
 * When to try again after failed attempt number `attempt` (1-based) of an event first tried at
 * `firstAttemptMs`, or undefined to give up. Jitter (0..20 %) spreads a fleet of retries.
 */
export function nextAttemptAt(
  policy: CallbackRetryPolicy,
  attempt: number,
  firstAttemptMs: number,
  nowMs: number,
  random: () => number = Math.random,
): number | undefined {
  if (nowMs - firstAttemptMs >= policy.giveUpAfterMs) return undefined;
  const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(nowMs + delay * (1 + 0.2 * random()), firstAttemptMs + policy.giveUpAfterMs);
}
