import { describe, expect, it } from 'vitest';
import {
  GatewayError,
  gatewayErrorResponse,
  mapResultV2,
} from '../../../../local/api-gateway/result-mapper.ts';

describe('mapResultV2', () => {
  it('maps a structured response: status, lower-cased headers, one set-cookie per cookie', () => {
    const response = mapResultV2({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'Retry-After': 5, 'X-Flag': true },
      cookies: ['a=1; Max-Age=60', 'b=2'],
      body: '{"ok":true}',
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual([
      ['content-type', 'application/json'],
      ['retry-after', '5'],
      ['x-flag', 'true'],
      ['set-cookie', 'a=1; Max-Age=60'],
      ['set-cookie', 'b=2'],
    ]);
    expect(response.body.toString()).toBe('{"ok":true}');
  });

  it('decodes a base64 body', () => {
    const bytes = Buffer.from([0, 1, 2, 250]);

    const response = mapResultV2({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true });

    expect(response.body.equals(bytes)).toBe(true);
  });

  it('answers an empty body when a structured response has none', () => {
    const response = mapResultV2({ statusCode: 204 });

    expect(response.statusCode).toBe(204);
    expect(response.body.length).toBe(0);
  });

  it('infers 200 application/json for an object without statusCode', () => {
    const response = mapResultV2({ message: 'Hello from Lambda!' });

    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual([['content-type', 'application/json']]);
    expect(JSON.parse(response.body.toString())).toEqual({ message: 'Hello from Lambda!' });
  });

  it('sends a returned string as its JSON text, quotes included', () => {
    const response = mapResultV2('Hello, world!');

    expect(response.statusCode).toBe(200);
    expect(response.body.toString()).toBe('"Hello, world!"');
  });

  it.each([
    ['a status code that is a string', { statusCode: '200' }],
    ['a status code out of range', { statusCode: 99 }],
    ['an object body', { statusCode: 200, body: { a: 1 } }],
    ['a header value that is an object', { statusCode: 200, headers: { a: { b: 1 } } }],
    ['cookies that are not strings', { statusCode: 200, cookies: [1] }],
  ])('answers 500 Internal Server Error for %s', (_name, result) => {
    const response = mapResultV2(result);

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body.toString())).toEqual({ message: 'Internal Server Error' });
  });
});

describe('gatewayErrorResponse', () => {
  it('writes the gateway message as JSON', () => {
    const response = gatewayErrorResponse(GatewayError.tooLarge);

    expect(response.statusCode).toBe(413);
    expect(response.body.toString()).toBe('{"message":"Request Entity Too Large"}');
  });
});
