/**
 * The ingest API's route table: the one list of `METHOD /path` routes that lib/ingest.ts turns into
 * explicit HTTP API routes, the API Gateway emulator (local/api-gateway) matches requests against,
 * the ingest app dispatches on and the OpenAPI document describes. Pure data plus the matcher.
 *
 * Matching follows API Gateway HTTP APIs ("Routing API requests" in the developer guide): a route is
 * a method and a resource path; `{name}` matches one path segment, `{name+}` (last only) the rest;
 * `ANY` matches every method no route names explicitly; the most specific match wins (full match,
 * then greedy, then `$default`); no match → the gateway itself answers 404 `{"message":"Not Found"}`.
 * What the guide leaves open, chosen conservatively and checked by the emulator's route table test:
 * literal segments compare case-sensitively, a trailing slash is a segment of its own (so
 * `/v1/messages/` matches neither `/v1/messages` nor `/v1/messages/{requestId}`), a path variable
 * never matches an empty segment, and `HEAD` is a method like any other (no fallback to `GET`).
 */

/** One route of the HTTP API. */
export interface ApiRoute {
  /** Upper-case HTTP method, or `ANY`. */
  readonly method: string;
  /** Resource path, e.g. `/v1/messages/{requestId}`. */
  readonly path: string;
  /** The OpenAPI operationId (also how the ingest app finds its handler). */
  readonly operationId: string;
}

/** The ingest API. Every route needs a SigV4-signed request in AWS (IAM authorization). */
export const INGEST_ROUTES = [
  { method: 'POST', path: '/v1/messages', operationId: 'sendMessage' },
  { method: 'GET', path: '/v1/messages/{requestId}', operationId: 'getMessageStatus' },
  { method: 'GET', path: '/v1/openapi.json', operationId: 'getOpenApiDocument' },
] as const satisfies readonly ApiRoute[];

/** An operationId of the ingest API. */
export type IngestOperationId = (typeof INGEST_ROUTES)[number]['operationId'];

/** The route key API Gateway puts in `routeKey`: `POST /v1/messages`. */
export function routeKeyOf(route: ApiRoute): string {
  return `${route.method} ${route.path}`;
}

/** A request matched to a route. */
export interface RouteMatch<R extends ApiRoute> {
  readonly route: R;
  /** Decoded path variables by name; empty when the route has none. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

interface Candidate<R extends ApiRoute> extends RouteMatch<R> {
  readonly literals: number;
  readonly greedy: number;
  readonly isAny: boolean;
}

const VARIABLE = /^\{([A-Za-z0-9_.:-]+)(\+?)\}$/;

function matchPath<R extends ApiRoute>(route: R, segments: readonly string[]): Candidate<R> | undefined {
  const template = route.path.split('/').slice(1);
  const pathParameters: Record<string, string> = {};
  let literals = 0;
  for (const [index, part] of template.entries()) {
    const variable = VARIABLE.exec(part);
    const segment = segments[index];
    if (variable?.[2] === '+') {
      const rest = segments.slice(index).join('/');
      if (index !== template.length - 1 || rest === '') return undefined;
      pathParameters[variable[1] as string] = rest;
      return { route, pathParameters, literals, greedy: 1, isAny: route.method === 'ANY' };
    }
    if (segment === undefined) return undefined;
    if (variable) {
      if (segment === '') return undefined;
      pathParameters[variable[1] as string] = segment;
    } else if (part === segment) {
      literals += 1;
    } else {
      return undefined;
    }
  }
  if (segments.length !== template.length) return undefined;
  return { route, pathParameters, literals, greedy: 0, isAny: route.method === 'ANY' };
}

/**
 * The route API Gateway would pick for `method` and the (already URL-decoded) `path`, or undefined
 * when none matches (the gateway's own 404). Among matches: no greedy variable before greedy, more
 * literal segments before fewer, an explicit method before `ANY`.
 */
export function matchRoute<R extends ApiRoute>(
  routes: readonly R[],
  method: string,
  path: string,
): RouteMatch<R> | undefined {
  const wanted = method.toUpperCase();
  const segments = path.split('/').slice(1);
  const candidates = routes
    .filter((route) => route.method === wanted || route.method === 'ANY')
    .map((route) => matchPath(route, segments))
    .filter((candidate): candidate is Candidate<R> => candidate !== undefined)
    .sort((a, b) => a.greedy - b.greedy || b.literals - a.literals || Number(a.isAny) - Number(b.isAny));
  const best = candidates[0];
  return best ? { route: best.route, pathParameters: best.pathParameters } : undefined;
}
