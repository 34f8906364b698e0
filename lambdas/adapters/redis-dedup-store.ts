/**
 * DedupStore on Redis (single node or cluster mode). Claims, marks and releases for a whole batch take
 * one script call on a single node, and one per slot group in cluster mode (at most 2^slotGroupBits,
 * sent together, so one round trip per node). Sent marks cost ~20-30 bytes each:
 * raw 16-byte ids in small listpack hashes per time bucket (see redis-dedup-scripts.ts).
 * Fail-closed: any Redis error becomes DependencyUnavailableError, and the batch is retried.
 */
import {
  type BucketLayout,
  bucketLayout,
  type ClaimResult,
  type CompletionMark,
  MarkKind,
  type SendIntent,
} from '../core/dedup.ts';
import { DependencyUnavailableError } from '../core/errors.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { RedisClient } from './redis-client.ts';
import { CLAIM_LUA, MARK_LUA, RELEASE_LUA } from './redis-dedup-scripts.ts';
import { CLEAR_INTENTS_LUA, INTEND_LUA } from './redis-intent-scripts.ts';

/** Settings of the store. */
export interface RedisDedupStoreOptions {
  /** Key prefix (HERALD_KEY_PREFIX); must not contain `{` or `}`. */
  readonly keyPrefix: string;
  /** Marks are found for at least this long after they were written. */
  readonly windowSeconds: number;
  /** Claim lease: longer than one invocation can spend sending, shorter than the retry delay you accept. */
  readonly leaseMs: number;
  /** Time buckets per window; a mark may outlive the window by one bucket. @default 4 */
  readonly bucketsPerWindow?: number;
  /** Average marks per hash before one is split; keep 2×maxLoad well under 128. @default 48 */
  readonly maxLoad?: number;
  /** Ids spread over 2^bits hash slots (cluster shards). @default 4 (16 slot groups) */
  readonly slotGroupBits?: number;
}

/**
 * Why 4 buckets per window: a claim looks a new id up in every live bucket (buckets per window + 1),
 * the dominant cost of the claim script once the window is full; a mark outlives the window by up to
 * one bucket (window ÷ 4), which the capacity planner adds to the marks it expects.
 */
export const DEFAULT_BUCKETS_PER_WINDOW = 4;

type ScriptRunner = (numKeys: number, ...args: (string | Buffer)[]) => Promise<unknown>;

/** One script call: group bases (KEYS), then the ids of each group in KEYS order, as blobs. */
interface ScriptCall {
  readonly bases: readonly string[];
  /** How many ids each base has, in KEYS order (the last arguments of every script). */
  readonly counts: readonly string[];
  /** The ids in blob order; script replies follow it. */
  readonly ids: readonly string[];
  /** 16 raw bytes per id. */
  readonly raws: Buffer;
  /** 22 base64url characters per id. */
  readonly texts: string;
}

const CODES: Record<string, ClaimResult> = {
  c: { outcome: 'claimed' },
  s: { outcome: 'duplicate', mark: MarkKind.sent },
  f: { outcome: 'duplicate', mark: MarkKind.failed },
  m: { outcome: 'duplicate', mark: MarkKind.maybeSent },
};

/** The one-character code a mark is stored as (CLAIM_LUA reads it back). */
const MARK_CODES: Record<MarkKind, string> = { sent: '1', failed: '2', 'maybe-sent': '3' };

/** One reply of the claim script: a code, or `i<ms>` for an id in flight with the holder's PTTL. */
function claimResultOf(code: unknown): ClaimResult {
  const text = String(code);
  const known = CODES[text];
  if (known) return known;
  const inFlight = /^i(\d+)$/.exec(text);
  if (inFlight) return { outcome: 'in-flight', leaseRemainingMs: Number(inFlight[1]) };
  throw new Error(`unexpected claim reply ${text.slice(0, 24)}`);
}

/** Redis-backed DedupStore. */
export class RedisDedupStore implements DedupStore {
  readonly #client: RedisClient;
  readonly #layout: BucketLayout;
  readonly #options: Required<RedisDedupStoreOptions>;
  /** Group base by group number, computed once. */
  readonly #bases: readonly string[];

  constructor(client: RedisClient, options: RedisDedupStoreOptions) {
    if (/[{}]/.test(options.keyPrefix)) throw new RangeError('keyPrefix must not contain { or }');
    this.#client = client;
    this.#options = {
      bucketsPerWindow: DEFAULT_BUCKETS_PER_WINDOW,
      maxLoad: 48,
      slotGroupBits: 4,
      ...options,
    };
    this.#layout = bucketLayout(options.windowSeconds, this.#options.bucketsPerWindow);
    const { keyPrefix, slotGroupBits } = this.#options;
    this.#bases = Array.from(
      { length: 2 ** slotGroupBits },
      (_, g) => `${keyPrefix}dedup{${g.toString(16)}}`,
    );
    for (const [name, lua] of [
      ['heraldDedupClaim', CLAIM_LUA],
      ['heraldDedupMark', MARK_LUA],
      ['heraldDedupRelease', RELEASE_LUA],
      ['heraldDedupIntend', INTEND_LUA],
      ['heraldDedupClearIntents', CLEAR_INTENTS_LUA],
    ] as const) {
      // defineCommand: EVALSHA with a transparent EVAL fallback after a script cache flush or failover.
      if (typeof (client as unknown as Record<string, unknown>)[name] !== 'function')
        client.defineCommand(name, { lua });
    }
  }

  async claim(deliveryIds: readonly string[], owner: string): Promise<ReadonlyMap<string, ClaimResult>> {
    const results = new Map<string, ClaimResult>();
    const lease = String(this.#options.leaseMs);
    await this.#perCall('claim', unique(deliveryIds), async (call) => {
      // Why together: sent back to back on one connection, the intents cost no extra round trip; only
      // the claimer writes an intent, so reading it right after the claim is consistent.
      const [reply, intents] = await Promise.all([
        this.#run('heraldDedupClaim', call, [owner, lease, call.raws, call.texts]),
        this.#client.mget(...call.ids.map((id) => this.#intentKey(id))),
      ]);
      const codes = String(reply).split(',');
      call.ids.forEach((id, index) => {
        const result = claimResultOf(codes[index]);
        const vendor = intents[index];
        results.set(id, result.outcome === 'claimed' && vendor ? { ...result, sendingAt: vendor } : result);
      });
    });
    return results;
  }

  async intend(intents: readonly SendIntent[], _owner: string): Promise<void> {
    const vendors = new Map(intents.map((intent) => [intent.deliveryId, intent.vendor]));
    const ttlMs = String(this.#options.windowSeconds * 1000);
    await this.#perCall('intent', [...vendors.keys()], (call) =>
      this.#script(
        'heraldDedupIntend',
        call.ids.map((id) => this.#intentKey(id)),
        [ttlMs, ...call.ids.map((id) => vendors.get(id) as string)],
      ),
    );
  }

  /** Clears the intents of settled ids; sent right after the mark or release of the same ids. */
  #clearIntents(call: ScriptCall): Promise<unknown> {
    return this.#script(
      'heraldDedupClearIntents',
      [
        ...call.ids.map((id) => `${this.groupBase(id)}:c:${id}`),
        ...call.ids.map((id) => this.#intentKey(id)),
      ],
      [],
    );
  }

  #intentKey(deliveryId: string): string {
    return `${this.groupBase(deliveryId)}:a:${deliveryId}`;
  }

  /**
   * The mark drops each id's claim whoever holds it (see MARK_LUA: a marked id is never claimed again),
   * so the owner is not needed.
   */
  async complete(marks: readonly CompletionMark[], _owner: string): Promise<void> {
    const kinds = new Map(marks.map((mark) => [mark.deliveryId, mark.kind]));
    const { windowSeconds, spanSeconds } = this.#layout;
    const header = [String(windowSeconds), String(spanSeconds), String(this.#options.maxLoad)];
    await this.#perCall('mark', [...kinds.keys()], (call) => {
      const kindCodes = call.ids.map((id) => MARK_CODES[kinds.get(id) ?? MarkKind.sent]).join('');
      return Promise.all([
        this.#run('heraldDedupMark', call, [...header, call.raws, kindCodes, call.texts]),
        this.#clearIntents(call),
      ]);
    });
  }

  async release(
    deliveryIds: readonly string[],
    owner: string,
    options: { readonly keepIntents?: boolean } = {},
  ): Promise<void> {
    await this.#perCall('release', unique(deliveryIds), (call) =>
      Promise.all([
        this.#run('heraldDedupRelease', call, [owner, call.texts]),
        options.keepIntents ? undefined : this.#clearIntents(call),
      ]),
    );
  }

  /** The key every key of a slot group starts with; `{…}` is the cluster hash tag. */
  groupBase(deliveryId: string): string {
    return this.#bases[this.#groupOf(rawId(deliveryId))] as string;
  }

  #groupOf(raw: Buffer): number {
    return (raw[0] as number) >> (8 - this.#options.slotGroupBits);
  }

  /**
   * Splits ids into script calls. Cluster mode: one call per slot group (its keys share one slot);
   * the calls run concurrently, so ioredis writes them back to back and each node costs one round trip.
   * Single node: no slot rule applies, so one call carries every touched group.
   */
  async #perCall(
    operation: string,
    ids: readonly string[],
    run: (call: ScriptCall) => Promise<unknown>,
  ): Promise<void> {
    if (ids.length === 0) return;
    const groups = new Map<number, { ids: string[]; raws: Buffer[] }>();
    for (const id of ids) {
      const raw = rawId(id);
      const group = this.#groupOf(raw);
      const entry = groups.get(group) ?? { ids: [], raws: [] };
      if (entry.ids.length === 0) groups.set(group, entry);
      entry.ids.push(id);
      entry.raws.push(raw);
    }
    const sorted = [...groups].sort(([a], [b]) => a - b);
    const parts = this.#client.isCluster ? sorted.map((group) => [group]) : [sorted];
    const calls = parts.map((part) =>
      run({
        bases: part.map(([group]) => this.#bases[group] as string),
        counts: part.map(([, entry]) => String(entry.ids.length)),
        ids: part.flatMap(([, entry]) => entry.ids),
        raws: Buffer.concat(part.flatMap(([, entry]) => entry.raws)),
        texts: part.map(([, entry]) => entry.ids.join('')).join(''),
      }),
    );
    try {
      await Promise.all(calls);
    } catch (error) {
      throw new DependencyUnavailableError('redis', `dedup ${operation} failed`, { cause: error });
    }
  }

  /** Runs a script on exactly `keys` with `args`. */
  #script(name: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const command = (this.#client as unknown as Record<string, ScriptRunner>)[name] as ScriptRunner;
    return command.call(this.#client, keys.length, ...keys, ...args);
  }

  /** Runs a script: KEYS = the call's bases; ARGV = `args`, then one id count per base. */
  #run(name: string, call: ScriptCall, args: readonly (string | Buffer)[]): Promise<unknown> {
    const command = (this.#client as unknown as Record<string, ScriptRunner>)[name] as ScriptRunner;
    return command.call(this.#client, call.bases.length, ...call.bases, ...args, ...call.counts);
  }
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * The 16 raw bytes of a 22-character base64url deliveryId. Both lengths are checked: 16 bytes from 22
 * characters means every character was base64url, so the text blob has 22 ASCII bytes per id.
 */
function rawId(deliveryId: string): Buffer {
  const raw = Buffer.from(deliveryId, 'base64url');
  if (raw.length !== 16 || deliveryId.length !== 22)
    throw new RangeError(`not a deliveryId: ${deliveryId.slice(0, 24)}`);
  return raw;
}
