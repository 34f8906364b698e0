/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), written by hand so core stays dependency-free.
 * Two JSON texts that differ only in key order or insignificant whitespace canonicalize to the same
 * string, which is what makes the request hash insensitive to how a client serialized its body.
 */

/** A value that can be canonicalized: what `JSON.parse` returns (I-JSON, RFC 7493). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * The RFC 8785 canonical form of `value`: object members sorted by the UTF-16 code units of their
 * names, no whitespace, ECMAScript number and string serialization (RFC 8785 §3.2.2).
 * Throws a TypeError for anything that is not I-JSON: non-finite numbers, lone surrogates,
 * undefined, functions, bigints, symbols or non-plain objects.
 */
export function canonicalize(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

function write(value: unknown, out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      // Why: ECMAScript Number-to-String is exactly the serialization RFC 8785 §3.2.2.3 mandates
      // (shortest round-trip digits, exponent form from 1e21, -0 as 0).
      if (!Number.isFinite(value)) throw new TypeError(`not I-JSON: ${value} is not a finite number`);
      out.push(JSON.stringify(value));
      return;
    case 'string':
      out.push(quote(value));
      return;
    case 'object':
      if (Array.isArray(value)) {
        writeArray(value, out);
        return;
      }
      if (!isPlainObject(value)) throw new TypeError('not I-JSON: only plain objects can be canonicalized');
      writeObject(value, out);
      return;
    default:
      throw new TypeError(`not I-JSON: cannot canonicalize a ${typeof value}`);
  }
}

function writeArray(items: readonly unknown[], out: string[]): void {
  out.push('[');
  for (let index = 0; index < items.length; index++) {
    if (index > 0) out.push(',');
    write(items[index], out);
  }
  out.push(']');
}

function writeObject(object: Record<string, unknown>, out: string[]): void {
  // Why the plain comparison: JS string `<` compares UTF-16 code units, the order RFC 8785 §3.2.3
  // requires (not locale order, not code points).
  const keys = Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  out.push('{');
  let isFirst = true;
  for (const key of keys) {
    const member = object[key];
    // Why: JSON.parse never yields undefined; a caller's undefined member means "absent", as in JSON.stringify.
    if (member === undefined) continue;
    if (!isFirst) out.push(',');
    isFirst = false;
    out.push(quote(key), ':');
    write(member, out);
  }
  out.push('}');
}

function quote(text: string): string {
  // Why: RFC 8785 requires I-JSON, which forbids lone surrogates; JSON.stringify would escape them
  // as \udXXX and two different invalid inputs could then look valid.
  if (!text.isWellFormed()) throw new TypeError('not I-JSON: string contains a lone surrogate');
  // JSON.stringify's string escaping is the one RFC 8785 §3.2.2.2 specifies: \b \t \n \f \r \" \\,
  // other controls as lowercase \u00xx, everything else literal.
  return JSON.stringify(text);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
