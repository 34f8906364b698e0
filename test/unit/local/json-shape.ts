/**
 * The structure of a JSON document as a map from path to JSON type, used to check that emulated AWS
 * events match the AWS sample events committed as fixtures (same keys, same types).
 */

/** JSON type names. */
export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

/** Options: which object members hold data (any key), written as paths ending in a key. */
export interface ShapeOptions {
  /** Paths whose object keys are data, not structure: their members collapse to `*`. */
  readonly mapPaths?: readonly string[];
}

function typeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/** Every path in `value` with its JSON type; array elements collapse to `[]`. */
export function jsonShape(
  value: unknown,
  options: ShapeOptions = {},
  path = '$',
  shape = new Map<string, JsonType>(),
): Map<string, JsonType> {
  shape.set(path, typeOf(value));
  if (Array.isArray(value)) {
    for (const element of value) jsonShape(element, options, `${path}[]`, shape);
  } else if (typeof value === 'object' && value !== null) {
    const isMap = options.mapPaths?.includes(path) ?? false;
    for (const [key, member] of Object.entries(value))
      jsonShape(member, options, `${path}.${isMap ? '*' : key}`, shape);
  }
  return shape;
}

/** Paths of `actual` missing from `expected` or typed differently: `path: actual vs expected`. */
export function shapeMismatches(actual: Map<string, JsonType>, expected: Map<string, JsonType>): string[] {
  const problems: string[] = [];
  for (const [path, type] of actual) {
    const expectedType = expected.get(path);
    if (expectedType !== type) problems.push(`${path}: ${type} vs ${expectedType ?? 'absent'}`);
  }
  return problems;
}
