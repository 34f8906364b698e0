import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiGateway,
  type HttpApiHandler,
  startApiGateway,
} from '../../../local/api-gateway/api-gateway-server.ts';

/** What the test handler saw, by request id. */
const seen = new Map<string, { event: APIGatewayProxyEventV2; context: Context; remainingMs: number }>();

const handler: HttpApiHandler = async (event, context) => {
  seen.set(event.requestContext.requestId, {
    event,
    context,
    remainingMs: context.getRemainingTimeInMillis(),
  });
  switch (event.rawPath) {
    case '/throw':
      throw new Error('boom');
    case '/slow':
      return new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 2_000));
    case '/inferred':
      return { hello: 'world' };
    case '/binary':
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: event.body,
        isBase64Encoded: true,
      };
    default:
      return {
        statusCode: 202,
        headers: { 'Content-Type': 'application/json' },
        cookies: ['a=1', 'b=2; HttpOnly'],
        body: '{"ok":true}',
      };
  }
};

let gateway: ApiGateway;

beforeAll(async () => {
  gateway = await startApiGateway({
    handler,
    port: 0,
    integrationTimeoutMs: 500,
    maxPayloadBytes: 1024 * 1024,
    onHandlerError: () => undefined,
  });
});

afterAll(async () => {
  await gateway.close();
});

describe('startApiGateway', () => {
  it('invokes the handler with a payload 2.0 event and a Lambda context, and maps its response', async () => {
    const response = await fetch(`${gateway.url}/v1/messages?x=1&x=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'sid=42', 'X-Trace': 'abc' },
      body: '{"channel":"sms"}',
    });

    expect(response.status).toBe(202);
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2; HttpOnly']);
    const requestId = response.headers.get('apigw-requestid') as string;
    const { event, context, remainingMs } = seen.get(requestId) ?? expect.unreachable('handler not called');
    expect(event.rawPath).toBe('/v1/messages');
    expect(event.rawQueryString).toBe('x=1&x=2');
    expect(event.queryStringParameters).toEqual({ x: '1,2' });
    expect(event.cookies).toEqual(['sid=42']);
    expect(event.headers['x-trace']).toBe('abc');
    expect(event.body).toBe('{"channel":"sms"}');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext.http.method).toBe('POST');
    expect(event.requestContext.http.sourceIp).toBe('127.0.0.1');
    expect(context.functionName).toBe('herald-ingest');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(remainingMs).toBeGreaterThan(0);
    expect(remainingMs).toBeLessThanOrEqual(500);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('answers 500 {"message":"Internal Server Error"} when the handler throws', async () => {
    const response = await fetch(`${gateway.url}/throw`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 503 when the handler outlives the integration timeout', async () => {
    const response = await fetch(`${gateway.url}/slow`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('answers 500 when the handler outlives the function timeout (shorter than the integration timeout)', async () => {
    const strict = await startApiGateway({
      handler,
      port: 0,
      integrationTimeoutMs: 5_000,
      functionTimeoutMs: 300,
      onHandlerError: () => undefined,
    });
    try {
      const response = await fetch(`${strict.url}/slow`);

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    } finally {
      await strict.close();
    }
  });

  it('infers a JSON 200 from a plain object result', async () => {
    const response = await fetch(`${gateway.url}/inferred`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('passes a binary body base64-encoded and returns a base64 result as bytes', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 128]);

    const response = await fetch(`${gateway.url}/binary`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });

    const event = seen.get(response.headers.get('apigw-requestid') as string)?.event;
    expect(event?.isBase64Encoded).toBe(true);
    expect(event?.body).toBe(bytes.toString('base64'));
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers 413 to a payload over the limit without invoking the handler', async () => {
    const before = seen.size;

    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(seen.size).toBe(before);
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${gateway.url}/v1/messages`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('y'.repeat(64 * 1024));
      req.end();
    });

    expect(status).toBe(413);
  });
});
