/**
 * IdempotencyStore on Redis, one small string per (client, Idempotency-Key), about 140 bytes with
 * the key itself: `p` + fingerprint (16 bytes) + holder token (16 bytes) while in progress, `c` +
 * fingerprint + the two counts (1 byte each) once completed. The key is the scope id's first 128 bits
 * in base64url in a `{…}` hash tag. Each operation is one Lua script on that one key, so it is atomic
 * and valid on Redis Cluster.
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

const HEX = `local function hexbytes(h) return (h:gsub('..', function(c) return string.char(tonumber(c, 16)) end)) end`;

// ARGV: fingerprint (32 hex), token (32 hex), lease seconds.
const RESERVE = `${HEX}
local entry = redis.call('GET', KEYS[1])
if not entry then
  redis.call('SET', KEYS[1], 'p' .. hexbytes(ARGV[1]) .. hexbytes(ARGV[2]), 'EX', tonumber(ARGV[3]))
  return {'reserved'}
end
if entry:sub(2, 17) ~= hexbytes(ARGV[1]) then return {'mismatch'} end
if entry:sub(1, 1) == 'c' then return {'completed', entry:byte(18), entry:byte(19)} end
return {'in-progress'}`;

// Completes only our own reservation, or re-creates it if the lease expired and nobody took it over.
// ARGV: fingerprint, token, accepted, collapsed, window seconds.
const COMPLETE = `${HEX}
local entry = redis.call('GET', KEYS[1])
if entry and (entry:sub(1, 1) == 'c' or entry:sub(18, 33) ~= hexbytes(ARGV[2])) then return 0 end
local counts = string.char(tonumber(ARGV[3]), tonumber(ARGV[4]))
redis.call('SET', KEYS[1], 'c' .. hexbytes(ARGV[1]) .. counts, 'EX', tonumber(ARGV[5]))
return 1`;

// ARGV: token.
const RELEASE = `${HEX}
local entry = redis.call('GET', KEYS[1])
if entry and entry:sub(1, 1) == 'p' and entry:sub(18, 33) == hexbytes(ARGV[1]) then return redis.call('DEL', KEYS[1]) end
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

  /** The Redis key of a scope (hex): its first 128 bits in base64url, in a hash tag. */
  keyOf(scopeId: string): string {
    return `${this.#keyPrefix}i:{${Buffer.from(bits128(scopeId), 'hex').toString('base64url')}}`;
  }

  async reserve(scopeId: string, fingerprint: string): Promise<ReserveResult> {
    const token = randomBytes(16).toString('hex');
    const reply = await this.#run('reserve', () =>
      this.#reserve([this.keyOf(scopeId)], [bits128(fingerprint), token, String(this.#leaseSeconds)]),
    );
    const [outcome, accepted, collapsed] = reply as [string, number | null, number | null];
    switch (outcome) {
      case 'reserved':
        return { outcome, reservation: { scopeId, fingerprint, token } };
      case 'completed':
        return { outcome, response: { accepted: Number(accepted), collapsedDuplicates: Number(collapsed) } };
      case 'in-progress':
      case 'mismatch':
        return { outcome };
      default:
        throw new DependencyUnavailableError('redis', `unexpected idempotency reply ${String(outcome)}`);
    }
  }

  async complete(reservation: Reservation, response: StoredResponse): Promise<void> {
    const args = [
      bits128(reservation.fingerprint),
      reservation.token,
      String(response.accepted),
      String(response.collapsedDuplicates),
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

/**
 * 128 bits (32 hex digits) of a SHA-256 digest such as a fingerprint or scope id: enough to tell
 * another body or key apart. Anything that is not a hex digest is hashed first.
 */
function bits128(digest: string): string {
  const hex = /^[0-9a-f]{64}$/.test(digest) ? digest : createHash('sha256').update(digest).digest('hex');
  return hex.slice(0, 32);
}
