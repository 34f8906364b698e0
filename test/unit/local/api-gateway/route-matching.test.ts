/**
 * Route matching as API Gateway HTTP APIs do it, against the ingest route table that lib/ingest.ts
 * deploys (lambdas/shared/ingest-routes.ts): exact methods, one segment per path variable, no
 * trailing-slash or HEAD leniency, and the documented priorities (full match, then greedy, then ANY).
 */
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../../lambdas/ingest/openapi.ts';
import {
  type ApiRoute,
  INGEST_ROUTES,
  matchRoute,
  routeKeyOf,
} from '../../../../lambdas/shared/ingest-routes.ts';

const ID = 'a'.repeat(64);

describe('matchRoute on the ingest route table', () => {
  it.each([
    ['POST', '/v1/messages', 'POST /v1/messages', {}],
    ['post', '/v1/messages', 'POST /v1/messages', {}],
    ['GET', `/v1/messages/${ID}`, 'GET /v1/messages/{requestId}', { requestId: ID }],
    ['GET', '/v1/messages/a b', 'GET /v1/messages/{requestId}', { requestId: 'a b' }],
    ['GET', '/v1/openapi.json', 'GET /v1/openapi.json', {}],
  ])('routes %s %s to %s', (method, path, routeKey, pathParameters) => {
    const match = matchRoute(INGEST_ROUTES, method, path);
    expect(match && routeKeyOf(match.route)).toBe(routeKey);
    expect(match?.pathParameters).toEqual(pathParameters);
  });

  it.each([
    ['an unknown path', 'GET', '/v1/nothing-here'],
    ['the root', 'GET', '/'],
    ['a method no route names', 'DELETE', '/v1/messages'],
    ['GET on the POST-only collection', 'GET', '/v1/messages'],
    ['POST on a GET-only item', 'POST', `/v1/messages/${ID}`],
    ['HEAD on a GET route (no fallback to GET)', 'HEAD', '/v1/openapi.json'],
    ['OPTIONS (no CORS configured)', 'OPTIONS', '/v1/messages'],
    ['a trailing slash on the collection', 'POST', '/v1/messages/'],
    ['a trailing slash after a path variable', 'GET', `/v1/messages/${ID}/`],
    ['an empty path variable', 'GET', '/v1/messages/'],
    ['an extra segment', 'GET', `/v1/messages/${ID}/recipients`],
    ['another case', 'POST', '/V1/Messages'],
    ['a double slash', 'POST', '/v1//messages'],
  ])('matches nothing for %s (%s %s): the gateway answers 404 itself', (_name, method, path) => {
    expect(matchRoute(INGEST_ROUTES, method, path)).toBeUndefined();
  });
});

describe('matchRoute priorities', () => {
  const routes: readonly ApiRoute[] = [
    { method: 'GET', path: '/pets/dog/1', operationId: 'exact' },
    { method: 'GET', path: '/pets/dog/{id}', operationId: 'variable' },
    { method: 'GET', path: '/pets/{proxy+}', operationId: 'greedy' },
    { method: 'ANY', path: '/pets/cat/{id}', operationId: 'any' },
    { method: 'POST', path: '/pets/cat/{id}', operationId: 'post-cat' },
  ];
  const pick = (method: string, path: string) => matchRoute(routes, method, path)?.route.operationId;

  it.each([
    ['GET', '/pets/dog/1', 'exact'],
    ['GET', '/pets/dog/2', 'variable'],
    ['GET', '/pets/bird/2/feathers', 'greedy'],
    ['GET', '/pets/cat/7', 'any'],
    ['POST', '/pets/cat/7', 'post-cat'],
    ['DELETE', '/pets/cat/7', 'any'],
    ['HEAD', '/pets/cat/7', 'any'],
  ])('%s %s goes to the %s route', (method, path, expected) => {
    expect(pick(method, path)).toBe(expected);
  });

  it('hands a greedy variable the rest of the path, and never an empty rest', () => {
    expect(matchRoute(routes, 'GET', '/pets/bird/2/feathers')?.pathParameters).toEqual({
      proxy: 'bird/2/feathers',
    });
    expect(pick('GET', '/pets/')).toBeUndefined();
    expect(pick('GET', '/pets')).toBeUndefined();
  });
});

describe('the OpenAPI document and the route table', () => {
  const doc = buildOpenApiDocument() as {
    info: { description: string };
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
  };

  it('describes exactly the routes the gateway matches', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => [
        method.toUpperCase(),
        path,
        operation.operationId,
      ]),
    );
    expect(documented).toEqual(INGEST_ROUTES.map((route) => [route.method, route.path, route.operationId]));
  });

  it('says what each auth mode answers: 403 from the gateway under IAM, 401 from the API with tokens', () => {
    for (const operations of Object.values(doc.paths))
      for (const operation of Object.values(operations)) expect(operation.responses).toHaveProperty('403');
    expect(doc.paths['/v1/messages']?.post?.responses).toHaveProperty('401');
    expect(doc.info.description).toMatch(/404 `\{"message":"Not Found"\}` from the gateway/);
    expect(doc.info.description).toMatch(/unsigned or badly signed request itself with 403/);
  });
});
