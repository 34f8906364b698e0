/**
 * CallbackQueue on Redis: a sorted set of event ids by due time and a hash of the waiting callbacks,
 * under one hash tag (`{callbacks}`) so the scripts run in one cluster slot. Every key lives until its
 * callbacks are completed; a callback is given up by the deliverer after the retry policy's window.
 */
import { DependencyUnavailableError } from '../core/errors.ts';
import type { CallbackQueue, QueuedCallback } from '../ports/callback-queue.ts';
import type { RedisClient } from './redis-client.ts';
import { defineScript, type RedisScript } from './redis-script.ts';

// KEYS: due zset, entries hash. ARGV: dueMs, then id, json pairs. A waiting entry is kept (HSETNX).
const ADD = `
for i = 2, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
  end
end
return 1`;

// ARGV: nowMs, limit, leaseMs. Leases by pushing the due time forward, then returns the entries.
const TAKE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return {} end
local leased = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], leased, id) end
return redis.call('HMGET', KEYS[2], unpack(ids))`;

const RESCHEDULE = `
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** Settings of the Redis callback queue. */
export interface RedisCallbackQueueOptions {
  readonly keyPrefix: string;
}

/** Callbacks waiting for delivery, in Redis. */
export class RedisCallbackQueue implements CallbackQueue {
  readonly #client: RedisClient;
  readonly #keys: readonly [due: string, entries: string];
  readonly #add: RedisScript;
  readonly #take: RedisScript;
  readonly #reschedule: RedisScript;

  constructor(client: RedisClient, options: RedisCallbackQueueOptions) {
    this.#client = client;
    this.#keys = [`${options.keyPrefix}{callbacks}:due`, `${options.keyPrefix}{callbacks}:entries`];
    this.#add = defineScript(client, 'heraldCallbackAdd', ADD);
    this.#take = defineScript(client, 'heraldCallbackTake', TAKE);
    this.#reschedule = defineScript(client, 'heraldCallbackReschedule', RESCHEDULE);
  }

  async add(callbacks: readonly QueuedCallback[], dueMs: number): Promise<void> {
    if (callbacks.length === 0) return;
    const args = [String(dueMs), ...callbacks.flatMap((c) => [c.event.id, JSON.stringify(c)])];
    await this.#run('add', () => this.#add(this.#keys, args));
  }

  async takeDue(nowMs: number, limit: number, leaseMs: number): Promise<QueuedCallback[]> {
    const entries = (await this.#run('take', () =>
      this.#take(this.#keys, [String(nowMs), String(limit), String(leaseMs)]),
    )) as (string | null)[];
    return entries
      .filter((json): json is string => json !== null)
      .map((json) => JSON.parse(json) as QueuedCallback);
  }

  async reschedule(callback: QueuedCallback, dueMs: number): Promise<void> {
    await this.#run('reschedule', () =>
      this.#reschedule(this.#keys, [String(dueMs), callback.event.id, JSON.stringify(callback)]),
    );
  }

  async complete(eventId: string): Promise<void> {
    const [due, entries] = this.#keys;
    await this.#run('complete', async () => {
      const results = (await this.#client.pipeline().zrem(due, eventId).hdel(entries, eventId).exec()) ?? [];
      for (const [error] of results) if (error) throw error;
    });
  }

  async #run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new DependencyUnavailableError('redis', `callback ${operation} failed`, { cause: error });
    }
  }
}
