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
} from '../core/dedup.ts';
import { DependencyUnavailableError } from '../core/errors.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { RedisClient } from './redis-client.ts';
import { CLAIM_LUA, MARK_LUA, RELEASE_LUA } from './redis-dedup-scripts.ts';

/** Settings of the store. */
export interface RedisDedupStoreOptions {
  /** Key prefix (HERALD_KEY_PREFIX); must not contain `{` or `}`. */
  readonly keyPrefix: string;
  /** Marks are found for at least this long after they were written. */
  readonly windowSeconds: number;
  /** Claim lease: longer than one invocation can spend sending, shorter than the retry delay you accept. */
  readonly leaseMs: number;
  /** Time buckets per window; a mark may outlive the window by one bucket. @default 8 */
  readonly bucketsPerWindow?: number;
  /** Average marks per hash before one is split; keep 2×maxLoad well under 128. @default 48 */
  readonly maxLoad?: number;
  /** Ids spread over 2^bits hash slots (cluster shards). @default 4 (16 slot groups) */
  readonly slotGroupBits?: number;
}

type ScriptRunner = (numKeys: number, ...args: (string | Buffer)[]) => Promise<unknown>;

const CODES: Record<string, ClaimResult> = {
  c: { outcome: 'claimed' },
  s: { outcome: 'duplicate', mark: MarkKind.sent },
  f: { outcome: 'duplicate', mark: MarkKind.failed },
};

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

  constructor(client: RedisClient, options: RedisDedupStoreOptions) {
    if (/[{}]/.test(options.keyPrefix)) throw new RangeError('keyPrefix must not contain { or }');
    this.#client = client;
    this.#options = { bucketsPerWindow: 8, maxLoad: 48, slotGroupBits: 4, ...options };
    this.#layout = bucketLayout(options.windowSeconds, this.#options.bucketsPerWindow);
    for (const [name, lua] of [
      ['heraldDedupClaim', CLAIM_LUA],
      ['heraldDedupMark', MARK_LUA],
      ['heraldDedupRelease', RELEASE_LUA],
    ] as const) {
      // defineCommand: EVALSHA with a transparent EVAL fallback after a script cache flush or failover.
      if (typeof (client as unknown as Record<string, unknown>)[name] !== 'function')
        client.defineCommand(name, { lua });
    }
  }

  async claim(deliveryIds: readonly string[], owner: string): Promise<ReadonlyMap<string, ClaimResult>> {
    const { windowSeconds, spanSeconds } = this.#layout;
    const results = new Map<string, ClaimResult>();
    const header = [owner, String(this.#options.leaseMs), String(windowSeconds), String(spanSeconds)];
    await this.#perCall('claim', unique(deliveryIds), async (bases, ids) => {
      const args = ids.flatMap((id) => [String(bases.indexOf(this.groupBase(id)) + 1), rawId(id), id]);
      const codes = (await this.#run('heraldDedupClaim', bases, [...header, ...args])) as string[];
      ids.forEach((id, index) => {
        results.set(id, claimResultOf(codes[index]));
      });
    });
    return results;
  }

  async complete(marks: readonly CompletionMark[], owner: string): Promise<void> {
    const kinds = new Map(marks.map((mark) => [mark.deliveryId, mark.kind]));
    const { windowSeconds, spanSeconds } = this.#layout;
    const header = [owner, String(windowSeconds), String(spanSeconds), String(this.#options.maxLoad)];
    await this.#perCall('mark', [...kinds.keys()], (bases, ids) => {
      const args = ids.flatMap((id) => [
        String(bases.indexOf(this.groupBase(id)) + 1),
        rawId(id),
        id,
        kinds.get(id) === MarkKind.failed ? '2' : '1',
      ]);
      return this.#run('heraldDedupMark', bases, [...header, ...args]);
    });
  }

  async release(deliveryIds: readonly string[], owner: string): Promise<void> {
    await this.#perCall('release', unique(deliveryIds), (bases, ids) =>
      this.#run('heraldDedupRelease', bases, [
        owner,
        ...ids.flatMap((id) => [String(bases.indexOf(this.groupBase(id)) + 1), id]),
      ]),
    );
  }

  /** The key every key of a slot group starts with; `{…}` is the cluster hash tag. */
  groupBase(deliveryId: string): string {
    const group = rawId(deliveryId)[0] as number;
    return `${this.#options.keyPrefix}dedup{${(group >> (8 - this.#options.slotGroupBits)).toString(16)}}`;
  }

  /**
   * Splits ids into script calls. Cluster mode: one call per slot group (its keys share one slot);
   * the calls run concurrently, so ioredis writes them back to back and each node costs one round trip.
   * Single node: no slot rule applies, so one call carries every group.
   */
  async #perCall(
    operation: string,
    ids: readonly string[],
    run: (bases: string[], ids: string[]) => Promise<unknown>,
  ): Promise<void> {
    if (ids.length === 0) return;
    const groups = new Map<string, string[]>();
    for (const id of ids) {
      const base = this.groupBase(id);
      groups.set(base, [...(groups.get(base) ?? []), id]);
    }
    const calls = this.#client.isCluster
      ? [...groups].map(([base, groupIds]) => run([base], groupIds))
      : [run([...groups.keys()], ids.slice())];
    try {
      await Promise.all(calls);
    } catch (error) {
      throw new DependencyUnavailableError('redis', `dedup ${operation} failed`, { cause: error });
    }
  }

  #run(name: string, bases: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown> {
    const command = (this.#client as unknown as Record<string, ScriptRunner>)[name] as ScriptRunner;
    return command.call(this.#client, bases.length, ...bases, ...args);
  }
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** The 16 raw bytes of a 22-character base64url deliveryId. */
function rawId(deliveryId: string): Buffer {
  const raw = Buffer.from(deliveryId, 'base64url');
  if (raw.length !== 16) throw new RangeError(`not a deliveryId: ${deliveryId.slice(0, 24)}`);
  return raw;
}
