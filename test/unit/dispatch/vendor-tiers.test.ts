/** Routing order by weight and the failover decision table. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ChannelTiers, nextStep, vendorOrder } from '../../../lambdas/core/vendor-tiers.ts';

const tiers = (a: number, b: number, c: number): ChannelTiers => ({
  primary: { name: 'a', weight: a },
  secondary: { name: 'b', weight: b },
  tertiary: { name: 'c', weight: c },
});
const someIds = (n: number) => Array.from({ length: n }, () => randomBytes(16).toString('base64url'));

describe('vendorOrder', () => {
  it('tries the primary first when only it has weight, then the others in tier order', () => {
    for (const id of someIds(50)) expect(vendorOrder(tiers(100, 0, 0), id)).toEqual(['a', 'b', 'c']);
  });

  it('spreads first attempts by weight, failing over in tier order', () => {
    const firsts = new Map<string, number>();
    for (const id of someIds(6_000)) {
      const order = vendorOrder(tiers(60, 30, 10), id);
      firsts.set(order[0] as string, (firsts.get(order[0] as string) ?? 0) + 1);
      if (order[0] === 'b') expect(order).toEqual(['b', 'a', 'c']);
      if (order[0] === 'c') expect(order).toEqual(['c', 'a', 'b']);
    }
    expect((firsts.get('a') ?? 0) / 6_000).toBeCloseTo(0.6, 1);
    expect((firsts.get('b') ?? 0) / 6_000).toBeCloseTo(0.3, 1);
    expect((firsts.get('c') ?? 0) / 6_000).toBeCloseTo(0.1, 1);
  });

  it('gives a delivery the same order every time, so retries reuse the same vendor and key', () => {
    for (const id of someIds(20))
      expect(vendorOrder(tiers(1, 1, 1), id)).toEqual(vendorOrder(tiers(1, 1, 1), id));
  });
});

describe('nextStep', () => {
  it.each([
    ['accepted', 'hold', false, 'done'],
    ['rejected', 'hold', false, 'done'],
    ['unavailable', 'hold', false, 'next-vendor'],
    ['throttled', 'hold', false, 'next-vendor'],
    ['vendor-failed', 'hold', false, 'next-vendor'],
    ['ambiguous', 'hold', false, 'hold'],
    ['ambiguous', 'same-vendor', false, 'retry-later'],
    ['ambiguous', 'same-vendor', true, 'retry-later'],
    ['unavailable', 'same-vendor', true, 'retry-later'],
    ['throttled', 'same-vendor', true, 'retry-later'],
    ['vendor-failed', 'same-vendor', true, 'retry-later'],
    ['ambiguous', 'failover', false, 'next-vendor'],
  ] as const)('%s under %s (pinned: %s) → %s', (result, policy, isPinned, expected) => {
    expect(nextStep(result, policy, isPinned)).toBe(expected);
  });
});
