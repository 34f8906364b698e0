/**
 * Turns zod's verdict on a request into an InvalidRequestError whose issues name field paths the
 * way a client writes them: `recipients[3]`, `content.body`, `content.extra` for an unknown field.
 */
import type { z } from 'zod';
import { type FieldIssue, InvalidRequestError } from '../core/errors.ts';

/** A zod issue path as a client reads it: `recipients[3]`, `content.body`; '' is the body itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const segment of path) {
    if (typeof segment === 'number') formatted += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) {
      formatted += formatted === '' ? segment : `.${segment}`;
    } else formatted += `[${JSON.stringify(String(segment))}]`;
  }
  return formatted;
}

function toFieldIssues(issue: z.core.$ZodIssue): FieldIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** The parsed value, or the problems found, each path prefixed with `pathPrefix` if given. */
export function checkWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  pathPrefix?: string,
): { readonly data?: z.output<S>; readonly issues: readonly FieldIssue[] } {
  const result = schema.safeParse(input);
  if (result.success) return { data: result.data, issues: [] };
  const issues = result.error.issues.flatMap(toFieldIssues);
  if (pathPrefix === undefined) return { issues };
  return { issues: issues.map((i) => ({ ...i, path: i.path ? `${pathPrefix}.${i.path}` : pathPrefix })) };
}

/** Throws an InvalidRequestError (400) listing every issue, summarized by the first. */
export function rejectIssues(issues: readonly FieldIssue[]): never {
  const first = issues[0];
  const summary = first ? `${first.path || 'body'}: ${first.message}` : 'invalid request';
  throw new InvalidRequestError(`invalid request (${summary})`, issues);
}
