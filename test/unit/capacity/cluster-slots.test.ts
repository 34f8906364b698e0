import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crc16,
  evenSlotRanges,
  keySlot,
  parseSlotRanges,
  SLOT_COUNT,
  shardOfSlot,
  slotSharesPerShard,
  tagSharesPerShard,
} from '../../../capacity/cluster-slots.ts';

describe('keySlot', () => {
  // Reference values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
  it.each([
    ['foo', 12_182],
    ['bar', 5_061],
    ['hello', 866],
  ])('puts %s in slot %i as Redis does', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });

  it('computes CRC16/XMODEM of the specification check string as 0x31C3', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });

  it('hashes only the first non-empty hash tag', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('herald:dedup{a}:s:42:7')).toBe(keySlot('a'));
    expect(keySlot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) % SLOT_COUNT);
  });
});

describe('evenSlotRanges', () => {
  it('gives every slot to exactly one shard, for any shard count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: SLOT_COUNT - 1 }),
        (n, slot) => {
          const shards = evenSlotRanges(n);
          const owners = shards.filter((ranges) => ranges.some(([a, b]) => slot >= a && slot <= b));
          expect(owners).toHaveLength(1);
          expect(slotSharesPerShard(shards).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        },
      ),
    );
  });

  it('rejects a non-positive shard count', () => {
    expect(() => evenSlotRanges(0)).toThrow(RangeError);
  });
});

describe('parseSlotRanges', () => {
  it('reads ElastiCache Slots text with several ranges and single slots', () => {
    expect(parseSlotRanges('0-5461')).toEqual([[0, 5461]]);
    expect(parseSlotRanges('0-100, 200-300,16383')).toEqual([
      [0, 100],
      [200, 300],
      [16_383, 16_383],
    ]);
  });

  it.each(['10-5', 'a-b', '1-2-x'])('rejects %s', (text) => {
    expect(() => parseSlotRanges(text)).toThrow(RangeError);
  });
});

describe('tagSharesPerShard', () => {
  const tags = Array.from({ length: 16 }, (_, g) => g.toString(16));

  it('puts all tags on the single shard of a one-shard cluster', () => {
    expect(tagSharesPerShard(evenSlotRanges(1), tags)).toEqual([1]);
  });

  it('counts tags by the shard that owns their slot', () => {
    const shards = evenSlotRanges(3);
    const shares = tagSharesPerShard(shards, tags);
    const expected = shards.map(
      (_, shard) => tags.filter((tag) => shardOfSlot(shards, keySlot(`{${tag}}`)) === shard).length / 16,
    );
    expect(shares).toEqual(expected);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('fails when a tag falls into a slot no shard owns', () => {
    expect(() => tagSharesPerShard([[[0, 0]]], ['a'])).toThrow(/not owned/);
  });
});
