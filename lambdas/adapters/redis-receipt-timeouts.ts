/**
 * ReceiptTimeouts on Redis, compact because it holds 72 h of a webhook client's sends: each entry is a
 * 56-byte record appended to one string per (time bucket, shard); the shard is the deliveryId's first
 * byte modulo the shard count, and a shard's keys share a hash tag, so one bucket spans `shards`
 * cluster slots and each add or take costs one script call per shard touched. The client is kept as 4
 * bytes of SHA-256(clientId), resolved against the webhook registry when taken. A sweep reads a shard
 * from its cursor and acks by moving the cursor, deleting the buckets it passed; every key expires
 * (bucket end + grace), so nothing outlives the status retention when no sweep runs.
 */
import { createHash } from 'node:crypto';
import { DependencyUnavailableError } from '../core/errors.ts';
import type { ReceiptTimeoutBatch, ReceiptTimeoutEntry, ReceiptTimeouts } from '../ports/receipt-timeouts.ts';
import type { RedisClient } from './redis-client.ts';
import { ACK, ADD, RECORD_BYTES, TAKE } from './redis-receipt-timeout-scripts.ts';
import { defineScript, type RedisScript } from './redis-script.ts';

/** Settings of the Redis receipt-timeout store. */
/** Shards per time bucket by default: each is its own hash tag, so a bucket spans that many slots. */
export const RECEIPT_TIMEOUT_SHARDS = 16;

/** The hash tag (without braces) of shard `shard`'s keys. */
export function receiptTimeoutTag(shard: number): string {
  return `rt:${shard}`;
}

export interface RedisReceiptTimeoutsOptions {
  readonly keyPrefix: string;
  /** The clients whose entries a take resolves (the webhook registry's); others are orphaned. */
  readonly clientIds: Iterable<string>;
  /** Shards per bucket; writers and the sweep must agree. @default 16 */
  readonly shards?: number;
  /** Width of a time bucket, a whole number of seconds. @default 3_600_000 (1 h) */
  readonly bucketMs?: number;
  /** How long a bucket outlives its end unswept (and a cursor unused). @default 7 days (the status retention) */
  readonly graceMs?: number;
}

/** A shard's position after a take, when it moved. */
interface ShardPosition {
  readonly shard: number;
  readonly to: string;
  readonly passed: string;
}

/** The 4-byte client reference kept in a record, as hex. */
export function clientRef(clientId: string): string {
  return createHash('sha256').update(clientId).digest().subarray(0, 4).toString('hex');
}

/** Deliveries awaiting their receipt timeout, in Redis. */
export class RedisReceiptTimeouts implements ReceiptTimeouts {
  readonly #prefix: string;
  readonly #shards: number;
  readonly #bucketMs: number;
  readonly #graceMs: number;
  readonly #clients = new Map<string, string>();
  readonly #add: RedisScript;
  readonly #take: RedisScript;
  readonly #ack: RedisScript;

  constructor(client: RedisClient, options: RedisReceiptTimeoutsOptions) {
    this.#prefix = options.keyPrefix;
    this.#shards = options.shards ?? RECEIPT_TIMEOUT_SHARDS;
    this.#bucketMs = options.bucketMs ?? 3_600_000;
    this.#graceMs = options.graceMs ?? 7 * 86_400_000;
    if (this.#bucketMs % 1000 !== 0) throw new Error('bucketMs must be a whole number of seconds');
    for (const clientId of options.clientIds) {
      const ref = clientRef(clientId);
      const other = this.#clients.get(ref);
      if (other !== undefined && other !== clientId)
        throw new Error(`clients ${other} and ${clientId} share a reference; rename one`);
      this.#clients.set(ref, clientId);
    }
    this.#add = defineScript(client, 'heraldReceiptTimeoutAdd', ADD);
    this.#take = defineScript(client, 'heraldReceiptTimeoutTake', TAKE);
    this.#ack = defineScript(client, 'heraldReceiptTimeoutAck', ACK);
  }

  async add(entries: readonly ReceiptTimeoutEntry[]): Promise<void> {
    const byShard = new Map<number, string[]>();
    for (const entry of entries) {
      const deliveryId = Buffer.from(entry.deliveryId, 'base64url');
      const requestId = Buffer.from(entry.requestId, 'hex');
      if (deliveryId.length !== 16 || requestId.length !== 32)
        throw new Error(`malformed ids of delivery ${entry.deliveryId}`);
      const dueSeconds = Math.ceil(entry.dueMs / 1000);
      const due = Buffer.alloc(4);
      due.writeUInt32BE(dueSeconds);
      const shard = (deliveryId[0] ?? 0) % this.#shards;
      const record = `${due.toString('hex')}${deliveryId.toString('hex')}${requestId.toString('hex')}${clientRef(entry.clientId)}`;
      const args = byShard.get(shard) ?? [];
      args.push(String(Math.floor((dueSeconds * 1000) / this.#bucketMs)), record);
      byShard.set(shard, args);
    }
    await this.#run('add', () =>
      Promise.all(
        [...byShard].map(([shard, args]) =>
          this.#add([this.#cursor(shard)], [this.#base(shard), ...this.#timing(), ...args]),
        ),
      ),
    );
  }

  async takeDue(nowMs: number, limit: number): Promise<ReceiptTimeoutBatch> {
    const perShard = String(Math.max(1, Math.ceil(limit / this.#shards)));
    const firstBucket = String(Math.floor((nowMs - this.#graceMs) / this.#bucketMs));
    const shards = [...Array(this.#shards).keys()];
    const replies = await this.#run('take', () =>
      Promise.all(
        shards.map(async (shard) => {
          const reply = (await this.#take(
            [this.#cursor(shard)],
            [this.#base(shard), String(nowMs), perShard, String(this.#bucketMs), firstBucket],
          )) as [string, string, string, string];
          return { shard, reply };
        }),
      ),
    );
    const entries: ReceiptTimeoutEntry[] = [];
    const position: ShardPosition[] = [];
    let orphaned = 0;
    for (const { shard, reply } of replies) {
      const [from, to, passed, hex] = reply;
      if (to !== from || passed !== '') position.push({ shard, to, passed });
      const records = Buffer.from(hex, 'hex');
      for (let at = 0; at + RECORD_BYTES <= records.length; at += RECORD_BYTES) {
        const clientId = this.#clients.get(records.toString('hex', at + 52, at + 56));
        if (clientId === undefined) {
          orphaned += 1;
          continue;
        }
        entries.push({
          clientId,
          dueMs: records.readUInt32BE(at) * 1000,
          deliveryId: records.toString('base64url', at + 4, at + 20),
          requestId: records.toString('hex', at + 20, at + 52),
        });
      }
    }
    return { entries, orphaned, position };
  }

  async ack(batch: ReceiptTimeoutBatch): Promise<void> {
    const positions = batch.position as readonly ShardPosition[];
    await this.#run('ack', () =>
      Promise.all(
        positions.map(({ shard, to, passed }) =>
          this.#ack(
            [this.#cursor(shard)],
            [this.#base(shard), to, String(this.#bucketMs), String(this.#graceMs), passed],
          ),
        ),
      ),
    );
  }

  #base(shard: number): string {
    return `${this.#prefix}{${receiptTimeoutTag(shard)}}:`;
  }

  #cursor(shard: number): string {
    return `${this.#base(shard)}c`;
  }

  #timing(): [string, string] {
    return [String(this.#bucketMs), String(this.#graceMs)];
  }

  async #run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new DependencyUnavailableError('redis', `receipt timeout ${operation} failed`, { cause: error });
    }
  }
}
