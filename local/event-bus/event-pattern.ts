/**
 * The subset of EventBridge event patterns Herald's rules use: each field names an array of allowed
 * exact values, objects nest (`{"source": ["aws.ses"], "detail": {"eventType": ["Bounce"]}}`). An event
 * matches when every field of the pattern matches.
 */

/** An event pattern: field → allowed values, or a nested pattern. */
export interface EventPattern {
  readonly [field: string]: readonly (string | number | boolean | null)[] | EventPattern;
}

/** Whether `event` matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = record[field];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((value) => expected.includes(value as never));
    }
    return matchesPattern(expected as EventPattern, actual);
  });
}
