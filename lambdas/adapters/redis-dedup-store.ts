/**
 * DedupStore on Redis (single node or cluster mode). Claims, marks and releases for a whole batch take
 * one script call on a single node, and one per slot group in cluster mode (at most 2^slotGroupBits,
 * sent together, so one round trip per node). Every script call declares every key it may touch
 * (redis-dedup-keys.ts plans them from the meta of the previous answer), so cluster redirects during
 * a slot migration happen before a script runs. Sent marks cost ~20-30 bytes each: raw 16-byte ids in
 * small listpack hashes per time bucket (see redis-dedup-scripts.ts).
 * Where the cache has replicas, each claim and mark call is followed by WAIT in the same pipeline, and
 * a call no replica acknowledged is a failure: a failover cannot drop a claim or mark the caller
 * acted on. Fail-closed: any Redis error becomes DependencyUnavailableError, and the batch is retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import {
  type BucketLayout,
  bucketLayout,
  type ClaimResult,
  type DeliveryMark,
  MarkKind,
  type SendIntent,
} from '../core/dedup.ts';
import { DependencyUnavailableError } from '../core/errors.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { RedisClient } from './redis-client.ts';
import { claimHashKeys, type GroupMeta, hashOf, markHashKeys, parseMeta } from './redis-dedup-keys.ts';
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
  /**
   * Replicas that must acknowledge each claim and mark call (WAIT) before it counts; 0 sends no WAIT.
   * @default 0
   */
  readonly waitReplicas?: number;
  /** How long WAIT waits for them, in ms; a call short of `waitReplicas` then fails. @default 200 */
  readonly waitTimeoutMs?: number;
}

/**
 * Why 4 buckets per window: a claim looks a new id up in every live bucket (buckets per window + 1),
 * the dominant cost of the claim script once the window is full; a mark outlives the window by up to
 * one bucket (window ÷ 4), which the capacity planner adds to the marks it expects.
 */
export const DEFAULT_BUCKETS_PER_WINDOW = 4;

/**
 * Why slack: other writers add marks to a group between two calls of this store; the plan covers
 * this many more (splits they may cause) before a call comes back `stale`. Costs a few keys per call.
 */
const SLACK_MARKS_PER_MAX_LOAD = 4;
/** A call whose plan went stale is planned again from the meta in its answer; this many times in all. */
const MAX_PLANS = 4;
/** Cluster redirects (slot moving, failover) on a pipelined call: retries with a doubling delay. */
const REDIRECT_RETRIES = 6;
const REDIRECT_FIRST_DELAY_MS = 50;

type ScriptRunner = (numKeys: number, ...args: (string | Buffer)[]) => Promise<unknown>;

/** The ids of one slot group in one call. */
interface GroupPart {
  readonly group: number;
  readonly ids: readonly string[];
  readonly raws: readonly Buffer[];
}

/** One script call: its groups, in KEYS order. */
interface ScriptCall {
  readonly parts: readonly GroupPart[];
  /** The ids in blob order; script replies follow it. */
  readonly ids: readonly string[];
  /** 16 raw bytes per id. */
  readonly raws: Buffer;
}

/** What a claim or mark script answers: status, Redis time (Unix s), the value, each group's meta. */
interface ScriptAnswer {
  readonly isStale: boolean;
  readonly nowSeconds: number;
  readonly value: unknown;
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

/** A Redis Cluster answer that a retry after a short wait can get past. */
function isRedirect(error: unknown): boolean {
  return error instanceof Error && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/.test(error.message);
}

/** Redis-backed DedupStore. */
export class RedisDedupStore implements DedupStore {
  readonly #client: RedisClient;
  readonly #layout: BucketLayout;
  readonly #options: Required<RedisDedupStoreOptions>;
  /** Group base by group number, computed once. */
  readonly #bases: readonly string[];
  /** The meta of each group as the last answer showed it: what the next call's keys are planned from. */
  readonly #metas = new Map<number, GroupMeta>();
  /** Redis time minus local time, in s, from the last answer: plans the mark's bucket. */
  #clockOffsetSeconds = 0;

  constructor(client: RedisClient, options: RedisDedupStoreOptions) {
    if (/[{}]/.test(options.keyPrefix)) throw new RangeError('keyPrefix must not contain { or }');
    this.#client = client;
    this.#options = {
      bucketsPerWindow: DEFAULT_BUCKETS_PER_WINDOW,
      maxLoad: 48,
      slotGroupBits: 4,
      waitReplicas: 0,
      waitTimeoutMs: 200,
      ...options,
    };
    if (!Number.isInteger(this.#options.waitReplicas) || this.#options.waitReplicas < 0)
      throw new RangeError('waitReplicas must be an integer ≥ 0');
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
    const slackSteps = SLACK_MARKS_PER_MAX_LOAD;
    const claiming = this.#perCall('claim', unique(deliveryIds), async (call) => {
      // Why together: sent back to back on one connection, the intents cost no extra round trip; only
      // the claimer writes an intent, so reading it beside the claim is consistent.
      const intentsRead = this.#client.mget(...call.ids.map((id) => this.#intentKey(id)));
      intentsRead.catch(() => undefined); // awaited below; a failed claim must not leave it unhandled
      const answer = await this.#planned(
        call,
        (part) =>
          claimHashKeys(
            this.#bases[part.group] as string,
            this.#metaOf(part.group),
            part.raws.map(hashOf),
            slackSteps,
          ),
        (keys, counts) => this.#runScript('heraldDedupClaim', keys, [owner, lease, call.raws, ...counts]),
      );
      const codes = String(answer.value).split(',');
      const intents = await intentsRead;
      call.ids.forEach((id, index) => {
        const result = claimResultOf(codes[index]);
        const vendor = intents[index];
        results.set(id, result.outcome === 'claimed' && vendor ? { ...result, sendingAt: vendor } : result);
      });
    });
    try {
      await claiming;
    } catch (error) {
      // Why: in cluster mode some slot groups may have been claimed before another failed. The caller
      // sends none of them, so give those back at once (best effort: else their leases run out), and
      // a retry of the batch need not wait a lease for ids nobody is sending.
      const claimed = [...results].filter(([, result]) => result.outcome === 'claimed').map(([id]) => id);
      if (claimed.length > 0) await this.release(claimed, owner).catch(() => undefined);
      throw error;
    }
    return results;
  }

  /**
   * The mark drops each id's claim whoever holds it (see MARK_LUA: a marked id is never claimed again),
   * so the owner is not needed.
   */
  async mark(marks: readonly DeliveryMark[], _owner: string): Promise<void> {
    const kinds = new Map(marks.map((mark) => [mark.deliveryId, mark.kind]));
    const { windowSeconds, spanSeconds } = this.#layout;
    const { maxLoad } = this.#options;
    const slackMarks = SLACK_MARKS_PER_MAX_LOAD * maxLoad;
    await this.#perCall('mark', [...kinds.keys()], async (call) => {
      const kindCodes = call.ids.map((id) => MARK_CODES[kinds.get(id) ?? MarkKind.sent]).join('');
      let field = '';
      await this.#planned(
        call,
        (part) => {
          const hashes = part.raws.map(hashOf);
          return markHashKeys(
            this.#bases[part.group] as string,
            this.#metaOf(part.group),
            field,
            hashes,
            maxLoad,
            slackMarks,
          );
        },
        (keys, counts) => {
          const header = [String(windowSeconds), String(spanSeconds), String(maxLoad), field, kindCodes];
          return this.#runScript('heraldDedupMark', keys, [...header, call.raws, ...counts]);
        },
        () => {
          // The bucket by Redis time as last seen; the script answers stale when it is another one.
          const now = Math.floor(Date.now() / 1000 + this.#clockOffsetSeconds);
          field = String((Math.floor(now / spanSeconds) + 1) * spanSeconds + windowSeconds);
        },
      );
      // Why not awaited: a marked id is found as a duplicate before its intent is ever read, so a
      // left-over intent is only memory until its TTL; the caller need not wait a round trip for it.
      this.#clearIntents(call).catch(() => undefined);
    });
  }

  async intend(intents: readonly SendIntent[], _owner: string): Promise<void> {
    const vendors = new Map(intents.map((intent) => [intent.deliveryId, intent.vendor]));
    const ttlMs = String(this.#options.windowSeconds * 1000);
    try {
      await this.#perCall('intent', [...vendors.keys()], async (call) => {
        const keys = call.ids.map((id) => this.#intentKey(id));
        const names = call.ids.map((id) => vendors.get(id) as string);
        // With WAIT where replicas exist, as claims and marks: a failover must not drop an intent whose
        // call then went out.
        await this.#runScript('heraldDedupIntend', keys, [ttlMs, ...names]);
      });
    } catch (error) {
      // Why: in cluster mode some slot groups may have been written before another failed. None of
      // these calls goes out, so take those intents back (best effort), or a later attempt would hold
      // a delivery that was never sent as maybe-sent.
      const keys = [...vendors.keys()].map((id) => this.#intentKey(id));
      await Promise.all(keys.map((key) => this.#client.del(key))).catch(() => undefined);
      throw error;
    }
  }

  async release(
    deliveryIds: readonly string[],
    owner: string,
    options: { readonly keepIntents?: boolean } = {},
  ): Promise<void> {
    await this.#perCall('release', unique(deliveryIds), async (call) => {
      const keys = call.parts.flatMap((part) => this.#claimKeys(part));
      await this.#command('heraldDedupRelease').call(this.#client, keys.length, ...keys, owner);
      // After the release, never beside it: the clear drops an intent only once its claim is gone.
      if (!options.keepIntents) await this.#clearIntents(call);
    });
  }

  /** Clears the intents of the call's ids whose claim is gone (marked, or released by its owner). */
  #clearIntents(call: ScriptCall): Promise<unknown> {
    const keys = [
      ...call.ids.map((id) => `${this.groupBase(id)}:c:${id}`),
      ...call.ids.map((id) => this.#intentKey(id)),
    ];
    return this.#command('heraldDedupClearIntents').call(this.#client, keys.length, ...keys);
  }

  #intentKey(deliveryId: string): string {
    return `${this.groupBase(deliveryId)}:a:${deliveryId}`;
  }

  /** The key every key of a slot group starts with; `{…}` is the cluster hash tag. */
  groupBase(deliveryId: string): string {
    return this.#bases[this.#groupOf(rawId(deliveryId))] as string;
  }

  #groupOf(raw: Buffer): number {
    return (raw[0] as number) >> (8 - this.#options.slotGroupBits);
  }

  #metaOf(group: number): GroupMeta {
    return this.#metas.get(group) ?? new Map();
  }

  #claimKeys(part: GroupPart): string[] {
    const base = this.#bases[part.group] as string;
    return part.ids.map((id) => `${base}:c:${id}`);
  }

  /**
   * Plans the call's KEYS (meta, claim keys, hash keys per group), runs it, and plans again from the
   * answer's meta while the script finds a key it needs undeclared (`stale`: nothing was written).
   */
  async #planned(
    call: ScriptCall,
    hashKeysOf: (part: GroupPart) => string[],
    run: (keys: string[], counts: string[]) => Promise<unknown>,
    beforePlan: () => void = () => undefined,
  ): Promise<ScriptAnswer> {
    for (let plan = 1; ; plan++) {
      beforePlan();
      const keys: string[] = [];
      const counts: string[] = [];
      for (const part of call.parts) {
        const hashKeys = hashKeysOf(part);
        keys.push(`${this.#bases[part.group] as string}:m`, ...this.#claimKeys(part), ...hashKeys);
        counts.push(String(part.ids.length), String(hashKeys.length));
      }
      const answer = this.#read(call, await run(keys, counts));
      if (!answer.isStale) return answer;
      if (plan >= MAX_PLANS) throw new Error(`dedup key plan still stale after ${plan} tries`);
    }
  }

  /** Reads a claim or mark answer and keeps its time and meta for the next plan. */
  #read(call: ScriptCall, reply: unknown): ScriptAnswer {
    if (!Array.isArray(reply) || reply.length !== 3 + call.parts.length)
      throw new Error('unexpected dedup script answer');
    const nowSeconds = Number(reply[1]);
    this.#clockOffsetSeconds = nowSeconds - Date.now() / 1000;
    call.parts.forEach((part, index) => {
      this.#metas.set(part.group, parseMeta(reply[3 + index]));
    });
    return { isStale: String(reply[0]) === 'stale', nowSeconds, value: reply[2] };
  }

  #command(name: string): ScriptRunner {
    return (this.#client as unknown as Record<string, ScriptRunner>)[name] as ScriptRunner;
  }

  /**
   * Runs a claim or mark script. With `waitReplicas`, WAIT follows it in the same pipeline (one round
   * trip) and an answer fewer replicas acknowledged is an error: its writes may not survive a failover.
   * Why redirects are retried here: ioredis retries a cluster pipeline only when its other commands
   * are read-only, and WAIT is not.
   */
  async #runScript(
    name: string,
    keys: readonly string[],
    args: readonly (string | Buffer)[],
  ): Promise<unknown> {
    const { waitReplicas, waitTimeoutMs } = this.#options;
    if (waitReplicas === 0) return this.#command(name).call(this.#client, keys.length, ...keys, ...args);
    for (let attempt = 0; ; attempt++) {
      const pipeline = this.#client.pipeline() as unknown as Record<string, ScriptRunner> & {
        wait(replicas: number, timeoutMs: number): unknown;
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      (pipeline[name] as ScriptRunner).call(pipeline, keys.length, ...keys, ...args);
      pipeline.wait(waitReplicas, waitTimeoutMs);
      const [script, wait] = (await pipeline.exec()) ?? [];
      const error = script?.[0] ?? wait?.[0];
      // Why a slot refresh on any error: after a failover the pipeline may still aim at the dead
      // primary; the next call (this retry, or the batch's retry) then goes to the promoted replica.
      if (error && this.#client.isCluster) (this.#client as Cluster).refreshSlotsCache();
      if (error && isRedirect(error) && attempt < REDIRECT_RETRIES) {
        await sleep(REDIRECT_FIRST_DELAY_MS * 2 ** attempt);
        continue;
      }
      if (error) throw error;
      const acknowledged = Number(wait?.[1]);
      if (!(acknowledged >= waitReplicas))
        throw new Error(
          `WAIT: ${acknowledged} of ${waitReplicas} replicas acknowledged within ${waitTimeoutMs} ms`,
        );
      return script?.[1];
    }
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
    const sorted: GroupPart[] = [...groups]
      .sort(([a], [b]) => a - b)
      .map(([group, entry]) => ({ group, ids: entry.ids, raws: entry.raws }));
    const parts = this.#client.isCluster ? sorted.map((part) => [part]) : [sorted];
    const calls = parts.map((part) =>
      run({
        parts: part,
        ids: part.flatMap((entry) => entry.ids),
        raws: Buffer.concat(part.flatMap((entry) => entry.raws)),
      }),
    );
    // Why allSettled: every call finishes (or fails) before the caller hears of it, so a retry
    // never overlaps a call still in flight.
    const settled = await Promise.allSettled(calls);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed)
      throw new DependencyUnavailableError('redis', `dedup ${operation} failed`, { cause: failed.reason });
  }
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * The 16 raw bytes of a 22-character base64url deliveryId. Both lengths are checked: 16 bytes from 22
 * characters means every character was base64url, so the claim key names are plain ASCII.
 */
function rawId(deliveryId: string): Buffer {
  const raw = Buffer.from(deliveryId, 'base64url');
  if (raw.length !== 16 || deliveryId.length !== 22)
    throw new RangeError(`not a deliveryId: ${deliveryId.slice(0, 24)}`);
  return raw;
}
