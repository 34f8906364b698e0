import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clampText,
  MAX_TEXT_BYTES,
  offsetMsOf,
  prefixWidthFor,
  timeCodeOf,
} from '../../../lambdas/core/status-record.ts';

const ids = (count: number) => Array.from({ length: count }, () => randomBytes(16).toString('base64url'));

describe('timeCodeOf', () => {
  it('keeps seconds for 9 h, then minutes, and never moves a later update before an earlier one', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 40 * 86_400_000 }),
          fc.integer({ min: 32_700_000, max: 32_800_000 }),
        ),
        fc.integer({ min: 0, max: 600_000 }),
        (ms, later) => {
          const code = timeCodeOf(ms);
          expect(code).toBeLessThanOrEqual(65_535);
          if (ms < 22 * 86_400_000) expect(offsetMsOf(code)).toBeLessThanOrEqual(ms);
          expect(offsetMsOf(timeCodeOf(ms + later))).toBeGreaterThanOrEqual(offsetMsOf(code));
        },
      ),
    );
    expect(offsetMsOf(timeCodeOf(32_767_999))).toBe(32_767_000);
    expect(offsetMsOf(timeCodeOf(32_768_000))).toBe(32_768_000);
    expect(offsetMsOf(timeCodeOf(32_768_000 + 119_999))).toBe(32_768_000 + 60_000);
    expect(timeCodeOf(-5_000)).toBe(0);
  });
});

describe('prefixWidthFor', () => {
  it('gives the fewest leading bytes that tell every deliveryId of a request apart', () => {
    for (const count of [1, 10, 100]) {
      const deliveryIds = ids(count);
      const width = prefixWidthFor(deliveryIds);
      const prefixes = (w: number) =>
        new Set(deliveryIds.map((id) => Buffer.from(id, 'base64url').subarray(0, w).toString('hex')));
      expect(prefixes(width).size).toBe(count);
      if (width > 1) expect(prefixes(width - 1).size).toBeLessThan(count);
    }
  });
});

describe('clampText', () => {
  it('cuts at MAX_TEXT_BYTES of UTF-8 without splitting a character', () => {
    const cut = clampText('é'.repeat(150));
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(cut).toBe('é'.repeat(100));
    expect(clampText('short')).toBe('short');
  });
});
