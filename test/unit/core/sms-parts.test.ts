import { describe, expect, it } from 'vitest';
import { smsPartsOf } from '../../../lambdas/core/sms-parts.ts';

describe('smsPartsOf', () => {
  it.each([
    ['an empty body', '', 1],
    ['160 GSM characters', 'a'.repeat(160), 1],
    ['161 GSM characters', 'a'.repeat(161), 2],
    ['306 GSM characters (2 × 153)', 'a'.repeat(306), 2],
    ['307 GSM characters', 'a'.repeat(307), 3],
    ['80 extension characters (160 septets)', '{'.repeat(80), 1],
    ['81 extension characters (162 septets)', '{'.repeat(81), 2],
    ['GSM accents and symbols', 'Ärger über £5 @ café: ÑÖ§¿', 1],
    ['70 Hangul characters (UCS-2)', '가'.repeat(70), 1],
    ['71 Hangul characters', '가'.repeat(71), 2],
    ['134 Hangul characters (2 × 67)', '가'.repeat(134), 2],
    ['135 Hangul characters', '가'.repeat(135), 3],
    ['one non-GSM character in a long GSM body', `${'a'.repeat(100)}ç`, 2],
    ['35 emoji (70 UTF-16 units)', '😀'.repeat(35), 1],
    ['36 emoji (72 units)', '😀'.repeat(36), 2],
  ])('counts %s', (_, body, parts) => {
    expect(smsPartsOf(body)).toBe(parts);
  });
});
