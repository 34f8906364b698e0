/**
 * Where keys land in a Redis Cluster: the CRC16 key slot (with `{hash tag}` rule) and the slot ranges
 * of the shards. Why the planner needs it: RedisDedupStore puts every claim and sent mark under one of
 * a few hash tags (slot groups), so those keys do not spread evenly over shards; the fullest shard,
 * not the average one, decides when the memory alarm fires.
 */

/** Number of hash slots in Redis Cluster. */
export const SLOT_COUNT = 16_384;

/** CRC16/XMODEM (polynomial 0x1021), the checksum Redis Cluster uses for key slots. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The hash slot of `key`: only the first non-empty `{…}` section counts when there is one. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(Buffer.from(key.slice(open + 1, close))) % SLOT_COUNT;
  }
  return crc16(Buffer.from(key)) % SLOT_COUNT;
}

/** Inclusive slot ranges owned by one shard. */
export type SlotRanges = ReadonlyArray<readonly [first: number, last: number]>;

/** ElastiCache's default layout: the slots split into `shards` contiguous, (nearly) equal ranges. */
export function evenSlotRanges(shards: number): SlotRanges[] {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError('shards must be a positive integer');
  return Array.from({ length: shards }, (_, shard) => [
    [Math.floor((shard * SLOT_COUNT) / shards), Math.floor(((shard + 1) * SLOT_COUNT) / shards) - 1] as const,
  ]);
}

/** Parses ElastiCache's `Slots` text of a node group, e.g. `0-5461` or `0-100,200-300`. */
export function parseSlotRanges(text: string): SlotRanges {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
      const first = Number(match?.[1]);
      const last = Number(match?.[2] ?? match?.[1]);
      if (!match || first > last || last >= SLOT_COUNT) throw new RangeError(`bad slot range "${part}"`);
      return [first, last] as const;
    });
}

/** Index of the shard whose ranges contain `slot`, or -1 when no shard owns it. */
export function shardOfSlot(shards: readonly SlotRanges[], slot: number): number {
  return shards.findIndex((ranges) => ranges.some(([first, last]) => slot >= first && slot <= last));
}

/**
 * The share of `tags` (equally loaded hash tags) that each shard holds. Example: 16 dedup slot groups
 * on 3 even shards may split 6/5/5 or 7/5/4 depending on their CRC16, i.e. a max share of 7/16.
 */
export function tagSharesPerShard(shards: readonly SlotRanges[], tags: readonly string[]): number[] {
  const counts = shards.map(() => 0);
  for (const tag of tags) {
    const shard = shardOfSlot(shards, keySlot(`{${tag}}`));
    if (shard < 0) throw new RangeError(`slot of {${tag}} is not owned by any shard`);
    counts[shard] = (counts[shard] ?? 0) + 1;
  }
  return counts.map((count) => count / tags.length);
}

/** The share of all slots each shard owns (keys with random hash tags spread in this proportion). */
export function slotSharesPerShard(shards: readonly SlotRanges[]): number[] {
  return shards.map(
    (ranges) => ranges.reduce((sum, [first, last]) => sum + last - first + 1, 0) / SLOT_COUNT,
  );
}
