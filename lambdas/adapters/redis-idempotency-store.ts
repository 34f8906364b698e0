/**
 * IdempotencyStore on Redis, one small string per (client, Idempotency-Key), about 125 bytes with
 * the key itself. While in progress: `p` + fingerprint (12 hex digits) + holder token (32). Once
 * completed: one integer, fingerprint × 2¹⁴ + accepted × 2⁷ + collapsedDuplicates, which Redis keeps
 * inside the value object itself (int encoding, no string allocation). The key is the scope id's first
 * 96 bits in base64url in a `{…}` hash tag. Each operation is one Lua script on that one key, so it is
 * atomic and valid on Redis Cluster. Why so few bits: 96 bits keep 17 M live keys apart (collision
 * chance ~10⁻¹⁵); the 48-bit fingerprint tells another body under the same key apart but for 2⁻⁴⁸.
 */
import { createHash, randomBytes } from 'node:crypto';
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

// ARGV: fingerprint (12 hex), token (32 hex), lease seconds. A completed value is returned whole
// (its fingerprint is compared by the caller: Lua numbers cannot hold 62 bits).
const RESERVE = `
local entry = redis.call('GET', KEYS[1])
if not entry then
  redis.call('SET', KEYS[1], 'p' .. ARGV[1] .. ARGV[2], 'EX', tonumber(ARGV[3]))
  return {'reserved'}
end
if entry:sub(1, 1) ~= 'p' then return {'completed', entry} end
if entry:sub(2, 13) ~= ARGV[1] then return {'mismatch'} end
return {'in-progress'}`;

// Completes only our own reservation, or re-creates it if the lease expired and nobody took it over.
// ARGV: token, completed value, window seconds.
const COMPLETE = `
local entry = redis.call('GET', KEYS[1])
if entry and (entry:sub(1, 1) ~= 'p' or entry:sub(14) ~= ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1`;

// ARGV: token.
const RELEASE = `
local entry = redis.call('GET', KEYS[1])
if entry and entry:sub(1, 1) == 'p' and entry:sub(14) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
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
    this.#reserve = defineScript(client, 'heraldIdempotencyReserveV2', RESERVE);
    this.#complete = defineScript(client, 'heraldIdempotencyCompleteV2', COMPLETE);
    this.#release = defineScript(client, 'heraldIdempotencyReleaseV2', RELEASE);
  }

  /** The Redis key of a scope (hex): its first 96 bits in base64url, in a hash tag. */
  keyOf(scopeId: string): string {
    return `${this.#keyPrefix}i:{${Buffer.from(leadingHex(scopeId, 24), 'hex').toString('base64url')}}`;
  }

  async reserve(scopeId: string, fingerprint: string): Promise<ReserveResult> {
    const token = randomBytes(16).toString('hex');
    const fingerprintHex = leadingHex(fingerprint, 12);
    const reply = await this.#run('reserve', () =>
      this.#reserve([this.keyOf(scopeId)], [fingerprintHex, token, String(this.#leaseSeconds)]),
    );
    const [outcome, value] = reply as [string, string | undefined];
    switch (outcome) {
      case 'reserved':
        return { outcome, reservation: { scopeId, fingerprint, token } };
      case 'completed': {
        const completed = BigInt(value ?? '0');
        if (completed >> 14n !== BigInt(`0x${fingerprintHex}`)) return { outcome: 'mismatch' };
        return {
          outcome,
          response: {
            accepted: Number((completed >> 7n) & 127n),
            collapsedDuplicates: Number(completed & 127n),
          },
        };
      }
      case 'in-progress':
      case 'mismatch':
        return { outcome };
      default:
        throw new DependencyUnavailableError('redis', `unexpected idempotency reply ${String(outcome)}`);
    }
  }

  async complete(reservation: Reservation, response: StoredResponse): Promise<void> {
    // Why 7 bits: a request has at most 100 recipients (MAX_RECIPIENTS).
    if (response.accepted > 127 || response.collapsedDuplicates > 127)
      throw new RangeError('idempotency counts above 127 do not fit the record');
    const completed =
      (BigInt(`0x${leadingHex(reservation.fingerprint, 12)}`) << 14n) |
      (BigInt(response.accepted) << 7n) |
      BigInt(response.collapsedDuplicates);
    const args = [reservation.token, completed.toString(), String(this.#windowSeconds)];
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

/** The first `digits` hex digits of a SHA-256 digest (anything that is not one is hashed first). */
function leadingHex(digest: string, digits: number): string {
  const hex = /^[0-9a-f]{64}$/.test(digest) ? digest : createHash('sha256').update(digest).digest('hex');
  return hex.slice(0, digits);
}
