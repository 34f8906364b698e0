/**
 * IdempotencyStore on Redis. One hash per (client, Idempotency-Key) holding the request fingerprint,
 * the state, the holder's token and, once completed, the response. Each operation is one Lua script
 * on one key, so it is atomic, and the `{scopeId}` hash tag keeps it valid on Redis Cluster.
 */
import { randomUUID } from 'node:crypto';
import { DependencyUnavailableError } from '../core/errors.ts';
import type {
  IdempotencyStore,
  Reservation,
  ReserveResult,
  StoredResponse,
} from '../ports/idempotency-store.ts';
import type { RedisClient } from './redis-client.ts';
import { defineScript, type RedisScript } from './redis-script.ts';

/** Settings of the Redis idempotency store. */
export interface RedisIdempotencyStoreOptions {
  /** Prefix of every key, e.g. `herald:`. */
  readonly keyPrefix: string;
  /** How long a completed key is remembered: the idempotency window. */
  readonly windowSeconds: number;
  /**
   * How long an in-progress reservation lives. Why shorter than the window: if the Lambda dies while
   * accepting, the key must not answer 409 for a day; after the lease a retry is accepted again and
   * produces the same deliveryIds, which dispatch deduplicates on.
   * @default min(60, windowSeconds)
   */
  readonly leaseSeconds?: number;
}

const RESERVE = `
local entry = redis.call('HMGET', KEYS[1], 'fp', 'state', 'status', 'body')
if not entry[1] then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'in-progress', 'token', ARGV[2])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
  return {'reserved'}
end
if entry[1] ~= ARGV[1] then return {'mismatch'} end
if entry[2] == 'completed' then return {'completed', entry[3], entry[4]} end
return {'in-progress'}`;

// Completes only our own reservation, or re-creates it if the lease expired and nobody took it over.
const COMPLETE = `
local token = redis.call('HGET', KEYS[1], 'token')
if token and token ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'completed', 'token', ARGV[2], 'status', ARGV[3], 'body', ARGV[4])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return 1`;

const RELEASE = `
local entry = redis.call('HMGET', KEYS[1], 'token', 'state')
if entry[1] == ARGV[1] and entry[2] == 'in-progress' then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Idempotency-Key reservations in Redis; every key expires (lease while in progress, window once done). */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #keyPrefix: string;
  readonly #windowSeconds: number;
  readonly #leaseSeconds: number;
  readonly #reserve: RedisScript;
  readonly #complete: RedisScript;
  readonly #release: RedisScript;

  constructor(client: RedisClient, options: RedisIdempotencyStoreOptions) {
    this.#keyPrefix = options.keyPrefix;
    this.#windowSeconds = options.windowSeconds;
    this.#leaseSeconds = Math.min(options.leaseSeconds ?? 60, options.windowSeconds);
    this.#reserve = defineScript(client, 'heraldIdempotencyReserve', RESERVE);
    this.#complete = defineScript(client, 'heraldIdempotencyComplete', COMPLETE);
    this.#release = defineScript(client, 'heraldIdempotencyRelease', RELEASE);
  }

  /** The Redis key of a scope; the hash tag pins it to one cluster slot. */
  keyOf(scopeId: string): string {
    return `${this.#keyPrefix}idem:{${scopeId}}`;
  }

  async reserve(scopeId: string, fingerprint: string): Promise<ReserveResult> {
    const token = randomUUID();
    const reply = await this.#run('reserve', () =>
      this.#reserve([this.keyOf(scopeId)], [fingerprint, token, String(this.#leaseSeconds)]),
    );
    const [outcome, status, body] = reply as [string, string | null, string | null];
    switch (outcome) {
      case 'reserved':
        return { outcome, reservation: { scopeId, fingerprint, token } };
      case 'completed':
        return { outcome, response: { statusCode: Number(status), body: body ?? '' } };
      case 'in-progress':
      case 'mismatch':
        return { outcome };
      default:
        throw new DependencyUnavailableError('redis', `unexpected idempotency reply ${String(outcome)}`);
    }
  }

  async complete(reservation: Reservation, response: StoredResponse): Promise<void> {
    const args = [
      reservation.fingerprint,
      reservation.token,
      String(response.statusCode),
      response.body,
      String(this.#windowSeconds),
    ];
    await this.#run('complete', () => this.#complete([this.keyOf(reservation.scopeId)], args));
  }

  async release(reservation: Reservation): Promise<void> {
    await this.#run('release', () => this.#release([this.keyOf(reservation.scopeId)], [reservation.token]));
  }

  async #run(operation: string, command: () => Promise<unknown>): Promise<unknown> {
    try {
      return await command();
    } catch (error) {
      throw new DependencyUnavailableError('redis', `idempotency ${operation} failed`, { cause: error });
    }
  }
}
