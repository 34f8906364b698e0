/**
 * StatusStore on Redis. Per request, two keys in one cluster slot (hash tag `{requestId}`):
 * `…:meta` (owner client id, acceptance time) and `…:deliveries` (deliveryId → JSON status).
 * Writes are Lua scripts so that a late `queued` never overwrites what dispatch already recorded.
 */
import { Cluster } from 'ioredis';
import { DependencyUnavailableError } from '../core/errors.ts';
import type { RecipientStatus, RequestStatus, StatusStore, StatusUpdate } from '../ports/status-store.ts';
import type { RedisClient } from './redis-client.ts';
import { defineScript, queueScript, type RedisScript } from './redis-script.ts';

/** Settings of the Redis status store. */
export interface RedisStatusStoreOptions {
  /** Prefix of every key, e.g. `herald:`. */
  readonly keyPrefix: string;
  /** How long statuses are kept after the last write. */
  readonly retentionSeconds: number;
}

// Why ranks: ingest writes `queued` after Kafka acks, but dispatch may already have consumed the
// record and written `sent`. An update applies when its rank is higher, or equal and not older; one of
// the same state keeps the stored vendor and reason it does not carry (a redelivery repeating a dedup
// mark's state knows neither): see core/status-precedence.ts.
const RANKS = `local rank = {queued = 0, suppressed = 1, failed = 2, ['maybe-sent'] = 3, sent = 4}`;

const ACCEPT = `${RANKS}
redis.call('HSETNX', KEYS[1], 'clientId', ARGV[1])
redis.call('HSETNX', KEYS[1], 'acceptedAt', ARGV[2])
local ttl = tonumber(ARGV[3])
for i = 4, #ARGV, 2 do
  local current = redis.call('HGET', KEYS[2], ARGV[i])
  local entry = cjson.decode(ARGV[i + 1])
  if current then
    -- a dispatch update got here first: keep its state, add who and where
    local existing = cjson.decode(current)
    existing.index = entry.index
    existing.recipient = entry.recipient
    entry = existing
  end
  redis.call('HSET', KEYS[2], ARGV[i], cjson.encode(entry))
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
return 1`;

const UPDATE = `${RANKS}
local current = redis.call('HGET', KEYS[2], ARGV[1])
local entry = current and cjson.decode(current) or {}
local incoming = rank[ARGV[2]]
if not incoming then return redis.error_reply('unknown delivery state ' .. ARGV[2]) end
local existing = entry.state and rank[entry.state] or -1
if incoming > existing or (incoming == existing and ARGV[5] >= (entry.updatedAt or '')) then
  local isSameState = entry.state == ARGV[2]
  entry.state = ARGV[2]
  entry.vendor = ARGV[3] ~= '' and ARGV[3] or (isSameState and entry.vendor or nil)
  entry.reason = ARGV[4] ~= '' and ARGV[4] or (isSameState and entry.reason or nil)
  entry.updatedAt = ARGV[5]
  redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(entry))
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6])) end
return 1`;

interface StoredEntry {
  index?: number;
  recipient?: string;
  state: RecipientStatus['state'];
  vendor?: string;
  reason?: string;
  updatedAt: string;
}

const UPDATE_SCRIPT = 'heraldStatusUpdate';

/** Delivery statuses in Redis; every key expires after the status retention. */
export class RedisStatusStore implements StatusStore {
  readonly #client: RedisClient;
  readonly #options: RedisStatusStoreOptions;
  readonly #accept: RedisScript;

  constructor(client: RedisClient, options: RedisStatusStoreOptions) {
    this.#client = client;
    this.#options = options;
    this.#accept = defineScript(client, 'heraldStatusAccept', ACCEPT);
    defineScript(client, UPDATE_SCRIPT, UPDATE);
  }

  /** The keys of one request: meta and deliveries, in one cluster slot. */
  keysOf(requestId: string): readonly [meta: string, deliveries: string] {
    const base = `${this.#options.keyPrefix}status:{${requestId}}`;
    return [`${base}:meta`, `${base}:deliveries`];
  }

  async recordAccepted(status: RequestStatus): Promise<void> {
    const args = [status.clientId, status.acceptedAt, String(this.#options.retentionSeconds)];
    status.recipients.forEach((recipient, index) => {
      const entry: StoredEntry = {
        index,
        recipient: recipient.recipient,
        state: recipient.state,
        updatedAt: recipient.updatedAt,
      };
      args.push(recipient.deliveryId, JSON.stringify(entry));
    });
    await this.#run('record accepted', () => this.#accept(this.keysOf(status.requestId), args));
  }

  async recordUpdates(updates: readonly StatusUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    // Why grouped: a cluster pipeline may only touch one slot; a request's keys share one, and the
    // per-request pipelines run concurrently, so a batch still costs one round trip of latency.
    const groups = this.#client instanceof Cluster ? groupBy(updates, (u) => u.requestId) : [updates];
    await this.#run('record updates', () =>
      Promise.all(
        groups.map(async (group) => {
          const pipeline = this.#client.pipeline();
          for (const update of group) {
            queueScript(pipeline, UPDATE_SCRIPT, this.keysOf(update.requestId), [
              update.deliveryId,
              update.state,
              update.vendor ?? '',
              update.reason ?? '',
              update.at,
              String(this.#options.retentionSeconds),
            ]);
          }
          const results = (await pipeline.exec()) ?? [];
          const failure = results.find(([error]) => error);
          if (failure?.[0]) throw failure[0];
        }),
      ),
    );
  }

  async read(requestId: string, clientId: string): Promise<RequestStatus | undefined> {
    const [metaKey, deliveriesKey] = this.keysOf(requestId);
    const [meta, deliveries] = await this.#run('read', async () => {
      const results = (await this.#client.pipeline().hgetall(metaKey).hgetall(deliveriesKey).exec()) ?? [];
      for (const [error] of results) if (error) throw error;
      return results.map(([, value]) => value as Record<string, string>);
    });
    if (!meta || meta.clientId !== clientId || meta.acceptedAt === undefined) return undefined;
    const recipients = Object.entries(deliveries ?? {})
      .map(([deliveryId, json]) => ({ deliveryId, entry: JSON.parse(json) as StoredEntry }))
      .filter(({ entry }) => entry.recipient !== undefined)
      .sort((a, b) => (a.entry.index ?? 0) - (b.entry.index ?? 0))
      .map(({ deliveryId, entry }) => toRecipientStatus(deliveryId, entry));
    return { requestId, clientId, acceptedAt: meta.acceptedAt, recipients };
  }

  async #run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new DependencyUnavailableError('redis', `status ${operation} failed`, { cause: error });
    }
  }
}

function toRecipientStatus(deliveryId: string, entry: StoredEntry): RecipientStatus {
  return {
    deliveryId,
    recipient: entry.recipient ?? '',
    state: entry.state,
    updatedAt: entry.updatedAt,
    ...(entry.vendor ? { vendor: entry.vendor } : {}),
    ...(entry.reason ? { reason: entry.reason } : {}),
  };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}
