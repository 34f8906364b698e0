/**
 * The API Gateway emulator with the deployed API's explicit routes (the shared route table) and IAM
 * authorization: what no route matches and what is not validly signed is answered by the gateway
 * itself, with API Gateway's bodies, and the handler never runs; a matched, signed request reaches
 * the handler with its route key, path parameters and the caller as the IAM authorizer reports it.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedFetch } from '../../../cli/aws-api.ts';
import { INGEST_ROUTES } from '../../../lambdas/shared/ingest-routes.ts';
import { type ApiGateway, startApiGateway } from '../../../local/api-gateway/api-gateway-server.ts';
import { signRequest } from '../../../local/api-gateway/sigv4.ts';

const CALLER = {
  accessKeyId: 'AKIAHERALDLOCALTEST1',
  secretAccessKey: 'local-secret-for-the-emulator-test-only',
  userArn: 'arn:aws:iam::111122223333:user/orders-service',
};
const ID = 'b'.repeat(64);

function startWith(options: { iam: boolean }) {
  const seen: APIGatewayProxyEventV2[] = [];
  const gateway = startApiGateway({
    port: 0,
    routes: INGEST_ROUTES,
    ...(options.iam ? { iam: { callers: [CALLER] } } : {}),
    handler: async (event) => {
      seen.push(event);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"handled":true}' };
    },
  });
  return { gateway, seen };
}

async function call(gateway: ApiGateway, method: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${gateway.url}${path}`, { method, ...init });
  return { status: response.status, body: method === 'HEAD' ? '' : await response.text() };
}

describe('API Gateway emulator with the ingest routes (no authorizer)', () => {
  let gateway: ApiGateway;
  let seen: APIGatewayProxyEventV2[];
  beforeAll(async () => {
    const started = startWith({ iam: false });
    seen = started.seen;
    gateway = await started.gateway;
  });
  afterAll(() => gateway.close());

  it.each([
    ['an unknown path', 'GET', '/v1/nothing-here'],
    ['a wrong method', 'DELETE', '/v1/messages'],
    ['GET on the POST-only collection', 'GET', '/v1/messages'],
    ['a trailing slash', 'POST', '/v1/messages/'],
    ['an extra segment', 'GET', `/v1/messages/${ID}/x`],
  ])('answers %s itself: 404 {"message":"Not Found"}, handler not called', async (_name, method, path) => {
    const before = seen.length;
    const response = await call(gateway, method, path);
    expect(response).toEqual({ status: 404, body: '{"message":"Not Found"}' });
    expect(seen.length).toBe(before);
  });

  it('answers HEAD on a GET route itself with 404 (no fallback to GET)', async () => {
    const before = seen.length;
    expect((await call(gateway, 'HEAD', '/v1/openapi.json')).status).toBe(404);
    expect(seen.length).toBe(before);
  });

  it.each([
    ['POST', '/v1/messages', 'POST /v1/messages', undefined],
    ['GET', `/v1/messages/${ID}`, 'GET /v1/messages/{requestId}', { requestId: ID }],
    ['GET', '/v1/messages/a%20b', 'GET /v1/messages/{requestId}', { requestId: 'a b' }],
    ['GET', '/v1/openapi.json', 'GET /v1/openapi.json', undefined],
  ])('hands %s %s to the handler as %s', async (method, path, routeKey, pathParameters) => {
    const response = await call(gateway, method, path);
    expect(response.status).toBe(200);
    const event = seen.at(-1) as APIGatewayProxyEventV2;
    expect(event.routeKey).toBe(routeKey);
    expect(event.requestContext.routeKey).toBe(routeKey);
    expect(event.pathParameters).toEqual(pathParameters);
  });
});

describe('API Gateway emulator with IAM authorization', () => {
  let gateway: ApiGateway;
  let seen: APIGatewayProxyEventV2[];
  beforeAll(async () => {
    const started = startWith({ iam: true });
    seen = started.seen;
    gateway = await started.gateway;
  });
  afterAll(() => gateway.close());

  async function signed(method: string, path: string, body?: string, credentials = CALLER) {
    const url = new URL(`${gateway.url}${path}`);
    const headers = await signRequest(
      {
        method,
        url,
        headers: body ? { 'content-type': 'application/json' } : {},
        ...(body ? { body } : {}),
      },
      credentials,
      'eu-west-1',
    );
    return { url, headers };
  }

  it('answers an unsigned request itself: 403 {"message":"Forbidden"}, handler not called', async () => {
    const before = seen.length;
    const response = await call(gateway, 'POST', '/v1/messages', {
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-sigv4' },
      body: '{}',
    });
    expect(response).toEqual({ status: 403, body: '{"message":"Forbidden"}' });
    expect(seen.length).toBe(before);
  });

  it('matches routes before it authorizes: an unsigned request to no route is a 404', async () => {
    expect(await call(gateway, 'GET', '/v1/nothing-here')).toEqual({
      status: 404,
      body: '{"message":"Not Found"}',
    });
  });

  it('passes a validly signed request with the caller as the IAM authorizer reports it', async () => {
    const body = '{"channel":"sms"}';
    const { url, headers } = await signed('POST', '/v1/messages?x=1', body);
    const response = await fetch(url, { method: 'POST', headers, body });
    expect(response.status).toBe(200);
    const event = seen.at(-1) as APIGatewayProxyEventV2 & {
      requestContext: { authorizer?: { iam?: { userArn?: string; accountId?: string } } };
    };
    expect(event.routeKey).toBe('POST /v1/messages');
    expect(event.requestContext.authorizer?.iam).toMatchObject({
      userArn: CALLER.userArn,
      accountId: '111122223333',
      accessKey: CALLER.accessKeyId,
    });
  });

  it("passes the smoke test's own signed calls (cli/aws-api.ts), query string included", async () => {
    const answer = await signedFetch(CALLER, 'eu-west-1', 'execute-api', {
      method: 'POST',
      url: new URL('v1/messages?dry=1&a=b%20c', `${gateway.url}/`),
      headers: { 'content-type': 'application/json', 'idempotency-key': 'smoke-1' },
      body: '{"channel":"sms"}',
    });
    expect(answer.status).toBe(200);
    expect((seen.at(-1) as APIGatewayProxyEventV2).headers['idempotency-key']).toBe('smoke-1');
  });

  it('refuses a signed request whose body was changed after signing', async () => {
    const { url, headers } = await signed('POST', '/v1/messages', '{"channel":"sms"}');
    const response = await fetch(url, { method: 'POST', headers, body: '{"channel":"email"}' });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/"The request signature we calculated does not match/);
  });

  it('refuses a signature by a key it does not know', async () => {
    const { url, headers } = await signed('GET', `/v1/messages/${ID}`, undefined, {
      ...CALLER,
      accessKeyId: 'AKIAUNKNOWNKEY000000',
    });
    const response = await fetch(url, { headers });
    expect(response.status).toBe(403);
    expect(await response.text()).toBe(
      '{"message":"The security token included in the request is invalid."}',
    );
  });
});
