/**
 * StatusStore on Redis, one compact record per request (lambdas/core/status-record.ts): no addresses,
 * no deliveryIds, about 7 bytes per delivery. Records share pages: one hash per (hash tag, time
 * bucket), the tag the requestId's first 4 hex digits (65,536 tags, so a page holds many requests and
 * a key's own overhead is shared), the bucket the acceptance time in spans of retention / 16. A page
 * expires whole at its bucket's end + the retention, so a status lives between the retention and the
 * retention + one span after its request was accepted. Every script declares all its keys (the pages
 * that may hold the request, one hash tag), so it runs unchanged on Redis Cluster.
 */
import { Cluster } from 'ioredis';
import { DependencyUnavailableError } from '../core/errors.ts';
import {
  canRebuild,
  clampText,
  clientTagOf,
  deliveryIdBytes,
  isRecordPosition,
  prefixWidthFor,
  STATE_CODES,
} from '../core/status-record.ts';
import type {
  AcceptedRequest,
  DeliveryState,
  RecipientStatus,
  RequestStatus,
  StatusStore,
  StatusUpdate,
} from '../ports/status-store.ts';
import type { RedisClient } from './redis-client.ts';
import { defineScript, queueScript, type RedisScript } from './redis-script.ts';
import { ACCEPT_LUA, READ_LUA, UPDATE_LUA } from './redis-status-scripts.ts';

/** Settings of the Redis status store. */
export interface RedisStatusStoreOptions {
  /** Prefix of every key, e.g. `herald:`. */
  readonly keyPrefix: string;
  /** How long statuses are kept after their request was accepted (plus up to one page span). */
  readonly retentionSeconds: number;
  /** Clock for page buckets. @default Date.now */
  readonly nowMs?: () => number;
  /**
   * Hex digits of the requestId in a page's hash tag: 16^digits pages per time bucket. Fewer pages
   * hold more requests each (the key's own ~200 B is shared by more); more spread better over shards.
   * @default 4 (65,536 tags)
   */
  readonly pageTagDigits?: number;
}

/** Time buckets (pages) per retention: a status outlives the retention by at most 1/16 of it. */
export const STATUS_PAGES_PER_RETENTION = 16;
/** Default hex digits of the requestId that make a page's hash tag: 16^4 = 65,536 tags. */
export const STATUS_PAGE_TAG_DIGITS = 4;

// Why V3: the scripts changed with partial (rebuilt) records; a name is one script for ioredis.
const UPDATE_SCRIPT = 'heraldStatusUpdateV3';
const STATE_OF: Readonly<Record<number, DeliveryState>> = Object.fromEntries(
  Object.entries(STATE_CODES).map(([state, code]) => [code, state as DeliveryState]),
);

/** Delivery statuses in Redis; every page expires a retention after its time bucket. */
export class RedisStatusStore implements StatusStore {
  readonly #client: RedisClient;
  readonly #keyPrefix: string;
  readonly #retentionSeconds: number;
  readonly #spanSeconds: number;
  readonly #nowMs: () => number;
  readonly #tagDigits: number;
  readonly #accept: RedisScript;
  readonly #read: RedisScript;

  constructor(client: RedisClient, options: RedisStatusStoreOptions) {
    this.#client = client;
    this.#keyPrefix = options.keyPrefix;
    this.#retentionSeconds = options.retentionSeconds;
    this.#spanSeconds = Math.max(1, Math.ceil(options.retentionSeconds / STATUS_PAGES_PER_RETENTION));
    this.#nowMs = options.nowMs ?? Date.now;
    this.#tagDigits = options.pageTagDigits ?? STATUS_PAGE_TAG_DIGITS;
    this.#accept = defineScript(client, 'heraldStatusAcceptV3', ACCEPT_LUA);
    this.#read = defineScript(client, 'heraldStatusReadV3', READ_LUA);
    defineScript(client, UPDATE_SCRIPT, UPDATE_LUA);
  }

  /**
   * The pages that may hold `requestId` now, newest first: the next bucket (clock skew between
   * writers), the current one (where an accept writes), and every older one still alive.
   */
  pagesOf(requestId: string): string[] {
    const tag = requestId.slice(0, this.#tagDigits);
    const current = this.#currentBucket();
    return Array.from(
      { length: STATUS_PAGES_PER_RETENTION + 3 },
      (_, i) => `${this.#keyPrefix}st:{${tag}}:${current + 1 - i}`,
    );
  }

  async recordAccepted(request: AcceptedRequest): Promise<void> {
    const width = prefixWidthFor(request.deliveries.map((d) => d.deliveryId));
    const positions = Math.max(0, ...request.deliveries.map((d) => d.position + 1));
    const prefixes = Array.from({ length: positions }, () => '');
    for (const { position, deliveryId } of request.deliveries) {
      prefixes[position] = deliveryIdBytes(deliveryId).subarray(0, width).toString('hex');
    }
    const args = [
      recordIdOf(request.requestId),
      clientTagOf(request.clientId),
      String(Date.parse(request.acceptedAt)),
      String(width),
      String(positions),
      String(this.#pageExpiry()),
      ...prefixes,
    ];
    await this.#run('record accepted', () => this.#accept(this.pagesOf(request.requestId), args));
  }

  async recordUpdates(updates: readonly StatusUpdate[]): Promise<void> {
    // Why drop malformed ids: no delivery of any request has one (the parser checks every record), and
    // a pending record must be 16 bytes of id.
    const valid = updates.filter((u) => deliveryIdBytes(u.deliveryId).length === 16);
    if (valid.length === 0) return;
    const byRequest = groupBy(valid, (u) => u.requestId);
    // Why one pipeline per request on a cluster: a cluster pipeline may only touch one slot; the
    // pipelines run concurrently, so a batch still costs one round trip of latency.
    const pipelines = this.#client instanceof Cluster ? byRequest.map((g) => [g]) : [byRequest];
    const expiry = String(this.#pageExpiry());
    await this.#run('record updates', () =>
      Promise.all(
        pipelines.map(async (groups) => {
          const pipeline = this.#client.pipeline();
          for (const group of groups) {
            const requestId = (group[0] as StatusUpdate).requestId;
            const rebuild = group.find(canRebuild);
            const args = [
              recordIdOf(requestId),
              expiry,
              ...(rebuild
                ? [
                    clientTagOf(rebuild.clientId),
                    String(Date.parse(rebuild.acceptedAt)),
                    String(rebuild.deliveryCount),
                  ]
                : ['', '', '']),
            ];
            for (const u of group) {
              args.push(
                deliveryIdBytes(u.deliveryId).toString('hex'),
                String(STATE_CODES[u.state]),
                clampText(u.vendor ?? ''),
                clampText(u.reason ?? ''),
                String(Date.parse(u.at)),
                isRecordPosition(u.position) ? String(u.position) : '',
              );
            }
            queueScript(pipeline, UPDATE_SCRIPT, this.pagesOf(requestId), args);
          }
          const results = (await pipeline.exec()) ?? [];
          const failure = results.find(([error]) => error);
          if (failure?.[0]) throw failure[0];
        }),
      ),
    );
  }

  async read(requestId: string, clientId: string): Promise<RequestStatus | undefined> {
    const read = await this.#readWithPrefixes(requestId, clientId);
    return read && { ...read.status, recipients: read.recipients.map(({ status }) => status) };
  }

  async readDelivery(
    requestId: string,
    clientId: string,
    deliveryId: string,
  ): Promise<RecipientStatus | undefined> {
    const read = await this.#readWithPrefixes(requestId, clientId);
    const hex = deliveryIdBytes(deliveryId).toString('hex');
    return read?.recipients.find(({ prefix }) => prefix !== '' && hex.startsWith(prefix))?.status;
  }

  /** The request's statuses, each with its slot's deliveryId prefix (hex). */
  async #readWithPrefixes(
    requestId: string,
    clientId: string,
  ): Promise<
    { status: RequestStatus; recipients: { status: RecipientStatus; prefix: string }[] } | undefined
  > {
    const reply = (await this.#run('read', () =>
      this.#read(this.pagesOf(requestId), [recordIdOf(requestId), clientTagOf(clientId)]),
    )) as Array<number | string> | null;
    if (!reply) return undefined;
    const acceptedAtMs = Number(reply[0]);
    const unseenDeliveries = Number(reply[1]);
    const recipients: { status: RecipientStatus; prefix: string }[] = [];
    for (let i = 2; i + 5 < reply.length; i += 6) {
      const [position, state, vendor, reason, offsetMs, prefix] = reply.slice(i, i + 6);
      recipients.push({
        prefix: String(prefix),
        status: {
          position: Number(position),
          state: STATE_OF[Number(state)] as DeliveryState,
          ...(vendor ? { vendor: String(vendor) } : {}),
          ...(reason ? { reason: String(reason) } : {}),
          updatedAt: new Date(acceptedAtMs + Number(offsetMs)).toISOString(),
        },
      });
    }
    const acceptedAt = new Date(acceptedAtMs).toISOString();
    const status: RequestStatus = {
      requestId,
      clientId,
      acceptedAt,
      recipients: [],
      ...(unseenDeliveries > 0 ? { unseenDeliveries } : {}),
    };
    return { status, recipients };
  }

  #currentBucket(): number {
    return Math.floor(this.#nowMs() / 1000 / this.#spanSeconds);
  }

  /** Unix time at which the current page expires: its bucket's end + the retention. */
  #pageExpiry(): number {
    return (this.#currentBucket() + 1) * this.#spanSeconds + this.#retentionSeconds;
  }

  async #run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new DependencyUnavailableError('redis', `status ${operation} failed`, { cause: error });
    }
  }
}

/**
 * A request's field in its page: the 6 bytes (12 hex digits) after the tag digits. Why 6: the field
 * fits jemalloc's 8-byte class; with the 4 tag digits that is 64 bits per page, and two requests of
 * one time bucket share both at a chance of n²/2⁶⁵ (6 × 10⁻⁶ per bucket at 15 M requests).
 */
function recordIdOf(requestId: string): string {
  return requestId.slice(STATUS_PAGE_TAG_DIGITS, STATUS_PAGE_TAG_DIGITS + 12);
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
