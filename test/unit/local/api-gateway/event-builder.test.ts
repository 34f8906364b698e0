import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  buildEventV2,
  formatRequestTime,
  type HttpRequestInfo,
  isTextContentType,
} from '../../../../local/api-gateway/event-builder.ts';
import { jsonShape, shapeMismatches } from '../json-shape.ts';

const context = {
  apiId: 'local',
  accountId: '123456789012',
  requestId: 'JKJaXmPLvHcESHA=',
  timeEpochMs: 1_583_348_638_390,
};

function request(overrides: Partial<HttpRequestInfo> = {}): HttpRequestInfo {
  return {
    method: 'POST',
    url: '/v1/messages',
    httpVersion: '1.1',
    rawHeaders: ['Host', '127.0.0.1:3000', 'Content-Type', 'application/json', 'User-Agent', 'curl/8.5.0'],
    sourceIp: '127.0.0.1',
    localPort: 3000,
    body: Buffer.from('{"a":1}'),
    ...overrides,
  };
}

/** AWS's payload format 2.0 example, verbatim from the API Gateway developer guide. */
const sample = JSON.parse(
  readFileSync(new URL('../../../fixtures/apigw-v2-http-api-doc-event.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEventV2;
/** The ingest API's fixture: a realistic IAM-authorized HTTP API event. */
const ingestSample = JSON.parse(
  readFileSync(new URL('../../../fixtures/apigw-v2-event.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEventV2;
const dataMaps = ['$.headers', '$.queryStringParameters', '$.pathParameters', '$.stageVariables'];

describe('buildEventV2', () => {
  it('produces only keys and types that the AWS sample event has', () => {
    // Prepare: cookies, a repeated query parameter and a body, so every optional member is present.
    const event = buildEventV2(
      request({
        url: '/my/path?parameter1=value1&parameter1=value2&parameter2=value',
        rawHeaders: ['Cookie', 'a=1; b=2', 'Content-Type', 'text/plain'],
      }),
      context,
    );

    // Assess
    const mismatches = shapeMismatches(
      jsonShape(event, { mapPaths: dataMaps }),
      jsonShape(sample, { mapPaths: dataMaps }),
    );
    expect(mismatches).toEqual([]);
  });

  it('matches the ingest fixture member for member, except its IAM authorizer block', () => {
    const event = buildEventV2(request(), context);

    const expected = jsonShape(ingestSample, { mapPaths: dataMaps });
    for (const path of [...expected.keys()])
      if (path.startsWith('$.requestContext.authorizer')) expected.delete(path);
    const actual = jsonShape(event, { mapPaths: dataMaps });
    expect(shapeMismatches(actual, expected)).toEqual([]);
    expect(shapeMismatches(expected, actual)).toEqual([]);
  });

  it('carries every member of the AWS sample that API Gateway always sends', () => {
    const event = buildEventV2(request(), context);

    const actual = jsonShape(event, { mapPaths: dataMaps });
    // Optional in AWS too: cookies, queryStringParameters, pathParameters, stageVariables, body and the
    // authorizer/authentication blocks (absent without an authorizer or mutual TLS).
    const optional =
      /^\$\.(cookies|queryStringParameters|pathParameters|stageVariables|body)|^\$\.requestContext\.(authorizer|authentication)/;
    const missing = [...jsonShape(sample, { mapPaths: dataMaps }).keys()].filter(
      (path) => !optional.test(path) && !actual.has(path) && !path.startsWith('$.headers.'),
    );
    expect(missing).toEqual([]);
  });

  it('lower-cases header names, joins repeated headers with commas and moves cookies out of the headers', () => {
    const event = buildEventV2(
      request({
        rawHeaders: [
          'X-Custom',
          'one',
          'x-custom',
          'two',
          'Cookie',
          'session=abc; theme=dark',
          'cookie',
          'lang=ko',
        ],
      }),
      context,
    );

    expect(event.headers['x-custom']).toBe('one,two');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['session=abc', 'theme=dark', 'lang=ko']);
  });

  it('passes the query string as received and decodes joined parameter values', () => {
    const event = buildEventV2(request({ url: '/search?q=a%20b&tag=x&tag=y&empty=' }), context);

    expect(event.rawQueryString).toBe('q=a%20b&tag=x&tag=y&empty=');
    expect(event.queryStringParameters).toEqual({ q: 'a b', tag: 'x,y', empty: '' });
  });

  it('omits queryStringParameters, cookies and body when the request has none', () => {
    const event = buildEventV2(
      request({ method: 'GET', url: '/v1/openapi.json', body: Buffer.alloc(0) }),
      context,
    );

    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('body');
    expect(event.rawQueryString).toBe('');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('fills requestContext like an HTTP API $default stage', () => {
    const event = buildEventV2(request({ url: '/v1/messages/abc%20def' }), context);

    expect(event.routeKey).toBe('$default');
    expect(event.rawPath).toBe('/v1/messages/abc def');
    expect(event.requestContext).toMatchObject({
      accountId: '123456789012',
      apiId: 'local',
      domainName: '127.0.0.1',
      http: {
        method: 'POST',
        path: '/v1/messages/abc def',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: '$default',
      stage: '$default',
      time: '04/Mar/2020:19:03:58 +0000',
      timeEpoch: 1_583_348_638_390,
    });
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(event.headers['x-forwarded-proto']).toBe('http');
  });

  it.each([
    ['application/json', false],
    ['application/json; charset=utf-8', false],
    ['application/problem+json', false],
    ['text/plain', false],
    ['application/xml', false],
    ['application/octet-stream', true],
    ['image/png', true],
    ['application/x-www-form-urlencoded', true],
    [undefined, true],
  ])('base64-encodes a body of content type %s: %s', (contentType, isBase64) => {
    const body = Buffer.from([0xff, 0x00, 0x7b, 0x7d]);
    const rawHeaders = contentType ? ['Content-Type', contentType] : [];

    const event = buildEventV2(request({ rawHeaders, body }), context);

    expect(event.isBase64Encoded).toBe(isBase64);
    expect(event.body).toBe(isBase64 ? body.toString('base64') : body.toString('utf8'));
  });
});

describe('isTextContentType', () => {
  it('treats a missing content type as binary', () => {
    expect(isTextContentType(undefined)).toBe(false);
    expect(isTextContentType('')).toBe(false);
  });
});

describe('formatRequestTime', () => {
  it('writes the CLF time in UTC with a zero offset', () => {
    expect(formatRequestTime(Date.UTC(2020, 2, 12, 19, 3, 58))).toBe('12/Mar/2020:19:03:58 +0000');
    expect(formatRequestTime(Date.UTC(2026, 0, 5, 4, 5, 6))).toBe('05/Jan/2026:04:05:06 +0000');
  });
});
