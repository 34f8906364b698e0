/**
 * In-memory IdempotencyStore for unit tests, with the same semantics as RedisIdempotencyStore
 * (checked by test/fakes/contracts/idempotency-store.contract.ts), expiry on real time.
 */
import { randomUUID } from 'node:crypto';
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import type {
  IdempotencyStore,
  Reservation,
  ReserveResult,
  StoredResponse,
} from '../../lambdas/ports/idempotency-store.ts';

interface Entry {
  fingerprint: string;
  token: string;
  response?: StoredResponse;
  expiresAtMs: number;
}

/** Settings mirroring RedisIdempotencyStoreOptions. */
export interface InMemoryIdempotencyStoreOptions {
  readonly windowSeconds: number;
  /** @default min(60, windowSeconds) */
  readonly leaseSeconds?: number;
}

/** A fake idempotency store. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #windowMs: number;
  readonly #leaseMs: number;
  /** Makes every call fail as RedisIdempotencyStore does when Redis is down, while true. */
  isUnavailable = false;

  constructor(options: InMemoryIdempotencyStoreOptions = { windowSeconds: 86_400 }) {
    this.#windowMs = options.windowSeconds * 1000;
    this.#leaseMs = Math.min(options.leaseSeconds ?? 60, options.windowSeconds) * 1000;
  }

  #check(operation: string): void {
    if (this.isUnavailable)
      throw new DependencyUnavailableError('redis', `idempotency ${operation} failed`, {
        cause: new Error('simulated: Redis unavailable'),
      });
  }

  #live(scopeId: string): Entry | undefined {
    const entry = this.#entries.get(scopeId);
    if (entry && entry.expiresAtMs <= Date.now()) {
      this.#entries.delete(scopeId);
      return undefined;
    }
    return entry;
  }

  async reserve(scopeId: string, fingerprint: string): Promise<ReserveResult> {
    this.#check('reserve');
    const entry = this.#live(scopeId);
    if (!entry) {
      const token = randomUUID();
      this.#entries.set(scopeId, { fingerprint, token, expiresAtMs: Date.now() + this.#leaseMs });
      return { outcome: 'reserved', reservation: { scopeId, fingerprint, token } };
    }
    if (entry.fingerprint !== fingerprint) return { outcome: 'mismatch' };
    if (entry.response) return { outcome: 'completed', response: entry.response };
    return { outcome: 'in-progress' };
  }

  async complete(reservation: Reservation, response: StoredResponse): Promise<void> {
    this.#check('complete');
    const entry = this.#live(reservation.scopeId);
    // Why a completed key is never overwritten: its counts are what every repeat was already told.
    if (entry && (entry.token !== reservation.token || entry.response)) return;
    this.#entries.set(reservation.scopeId, {
      fingerprint: reservation.fingerprint,
      token: reservation.token,
      response,
      expiresAtMs: Date.now() + this.#windowMs,
    });
  }

  async release(reservation: Reservation): Promise<void> {
    this.#check('release');
    const entry = this.#live(reservation.scopeId);
    if (entry && entry.token === reservation.token && !entry.response)
      this.#entries.delete(reservation.scopeId);
  }
}
