/**
 * Plans the keys a dedup script call declares (see redis-dedup-scripts.ts): the meta key, one claim
 * key per id and every bucket hash the script may read or write, computed from the meta the store
 * saw last. The arithmetic mirrors the Lua (addressOf, pathOf, stepsFor); a plan that misses a key
 * is not a risk, only a retry: the script answers `stale` and writes nothing.
 */

/** One time bucket of a group, as its meta field says. */
export interface BucketState {
  readonly level: number;
  readonly split: number;
  readonly count: number;
}

/** A group's meta: bucket expiry (Unix s, as text) → state. */
export type GroupMeta = ReadonlyMap<string, BucketState>;

/** Parses an HGETALL reply of a meta key (flat field, value list). */
export function parseMeta(flat: unknown): GroupMeta {
  const meta = new Map<string, BucketState>();
  if (!Array.isArray(flat)) return meta;
  for (let f = 0; f + 1 < flat.length; f += 2) {
    const match = /^(\d+),(\d+),(\d+)$/.exec(String(flat[f + 1]));
    if (match)
      meta.set(String(flat[f]), {
        level: Number(match[1]),
        split: Number(match[2]),
        count: Number(match[3]),
      });
  }
  return meta;
}

/** The 32-bit hash the scripts address by: bytes 1..4 of the raw id. */
export function hashOf(raw: Buffer): number {
  return raw.readUInt32BE(1);
}

/** The address of hash `h` in a bucket of 2^level + split hashes (linear hashing). */
export function addressOf(h: number, level: number, split: number): number {
  const a = h % 2 ** level;
  return a < split ? h % 2 ** (level + 1) : a;
}

/** Splits a bucket at (level, split) needs before `count` marks fit at `maxLoad` per hash. */
export function stepsFor(level: number, split: number, count: number, maxLoad: number): number {
  return Math.max(0, Math.ceil(count / maxLoad) - (2 ** level + split));
}

/**
 * Every address `h` has while a bucket grows by `steps` splits, and (`withSplits`: what a mark needs)
 * each split's source and target.
 */
export function pathOf(
  h: number,
  level: number,
  split: number,
  steps: number,
  into: Set<number>,
  withSplits = true,
): void {
  let a = addressOf(h, level, split);
  into.add(a);
  for (let step = 0; step < steps; step++) {
    const size = 2 ** level;
    if (withSplits) into.add(split).add(split + size);
    if (a === split && h % (size * 2) === split + size) a = split + size;
    into.add(a);
    split += 1;
    if (split === size) {
      level += 1;
      split = 0;
    }
  }
}

/** The hash keys a claim reads: each listed bucket's address of every id; the newest with room to grow. */
export function claimHashKeys(
  base: string,
  meta: GroupMeta,
  hashes: readonly number[],
  slackSteps: number,
): string[] {
  const newest = Math.max(0, ...[...meta.keys()].map(Number));
  const keys: string[] = [];
  for (const [field, state] of meta) {
    const addresses = new Set<number>();
    const steps = Number(field) === newest ? slackSteps : 0;
    for (const h of hashes) pathOf(h, state.level, state.split, steps, addresses, false);
    for (const a of addresses) keys.push(`${base}:s:${field}:${a}`);
  }
  return keys;
}

/**
 * The hash keys a mark into bucket `field` may touch, assuming every id is new and up to `slackMarks`
 * more arrived from other writers since `meta` was read.
 */
export function markHashKeys(
  base: string,
  meta: GroupMeta,
  field: string,
  hashes: readonly number[],
  maxLoad: number,
  slackMarks: number,
): string[] {
  const state = meta.get(field) ?? { level: 0, split: 0, count: 0 };
  const steps = stepsFor(state.level, state.split, state.count + hashes.length + slackMarks, maxLoad);
  const addresses = new Set<number>();
  for (const h of hashes) pathOf(h, state.level, state.split, steps, addresses);
  return [...addresses].map((a) => `${base}:s:${field}:${a}`);
}
