/** The time-bucket arithmetic behind the dedup window (lambdas/core/dedup.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketExpiresAt, bucketLayout, bucketOf, bucketsToCheck } from '../../../lambdas/core/dedup.ts';

describe('dedup buckets', () => {
  it('never lets a mark be missed or expire within the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 * 86_400 }),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (window, buckets, writtenAt, fraction) => {
          const layout = bucketLayout(window, buckets);
          const lookupAt = writtenAt + Math.floor(fraction * window);
          const bucket = bucketOf(layout, writtenAt);
          expect(bucketsToCheck(layout, lookupAt)).toContain(bucket);
          expect(bucketExpiresAt(layout, bucket)).toBeGreaterThan(lookupAt);
        },
      ),
    );
  });

  it('keeps a mark at most one bucket span longer than the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 86_400 }),
        fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
        (window, writtenAt) => {
          const layout = bucketLayout(window, 8);
          const expiresAt = bucketExpiresAt(layout, bucketOf(layout, writtenAt));
          expect(expiresAt - writtenAt).toBeLessThanOrEqual(window + layout.spanSeconds);
        },
      ),
    );
  });

  it('checks window ÷ span + 1 buckets, newest first', () => {
    const layout = bucketLayout(86_400, 8);
    expect(layout.spanSeconds).toBe(10_800);
    const buckets = bucketsToCheck(layout, 1_800_000_000);
    expect(buckets).toHaveLength(9);
    expect(buckets[0]).toBe(bucketOf(layout, 1_800_000_000));
  });
});
