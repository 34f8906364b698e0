import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../lambdas/core/canonical-json.ts';

const fromBits = (hex: string) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
};

/** Rebuilds every object of a JSON value with its keys in an order chosen by `pick`. */
function reorder(value: unknown, pick: (n: number) => number): unknown {
  if (Array.isArray(value)) return value.map((item) => reorder(item, pick));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const shuffled: [string, unknown][] = [];
  while (entries.length > 0) shuffled.push(...entries.splice(pick(entries.length), 1));
  return Object.fromEntries(shuffled.map(([k, v]) => [k, reorder(v, pick)]));
}

describe('canonicalize (RFC 8785)', () => {
  it('canonicalizes the RFC 8785 §3.2.2 example', () => {
    const input =
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n' +
      '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}';
    expect(canonicalize(JSON.parse(input))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const input =
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
      '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}';
    const values = Object.values(JSON.parse(canonicalize(JSON.parse(input))) as Record<string, string>);
    const keysInOutput = [...canonicalize(JSON.parse(input)).matchAll(/"([^"]*)":"([^"]*)"/g)].map(
      (m) => m[2],
    );
    expect(values).toHaveLength(7);
    expect(keysInOutput).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555555', '333333333.3333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serializes the IEEE-754 number %s as %s (RFC 8785 Appendix B)', (bits, expected) => {
    expect(canonicalize(fromBits(bits))).toBe(expected);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a lone surrogate', 'a\ud800b'],
    ['a lone surrogate key', { '\udc00': 1 }],
    ['undefined', undefined],
    ['a bigint', 1n],
    ['a Date', new Date(0)],
    ['a function', () => 1],
  ])('refuses %s (not I-JSON)', (_name, value) => {
    expect(() => canonicalize(value)).toThrow(TypeError);
  });

  it('drops undefined object members, as JSON.stringify does', () => {
    expect(canonicalize({ b: 1, a: undefined })).toBe('{"b":1}');
  });

  it('is insensitive to key order and whitespace (property)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.integer({ min: 0, max: 8 }),
        fc.infiniteStream(fc.nat()),
        (value, indent, picks) => {
          const rng = picks[Symbol.iterator]();
          const pick = (n: number) => (rng.next().value as number) % n;
          const reserialized = JSON.stringify(reorder(value, pick), null, indent);
          expect(canonicalize(JSON.parse(reserialized))).toBe(canonicalize(value));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is stable: canonical text parses and canonicalizes to itself (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = canonicalize(value);
        expect(canonicalize(JSON.parse(canonical))).toBe(canonical);
        expect(canonical).not.toMatch(/^\s|\s$/);
      }),
      { numRuns: 500 },
    );
  });
});
