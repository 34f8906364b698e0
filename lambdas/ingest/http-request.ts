/**
 * Reading an API Gateway HTTP API (payload 2.0) request: headers, the path without a stage prefix,
 * and a JSON body checked in the order a client can act on: media type (415), size (413), then
 * encoding and syntax (400).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidRequestError } from '../core/errors.ts';
import { problems } from './http-errors.ts';

/** Largest accepted body: 256 KiB, decoded. */
export const MAX_BODY_BYTES = 256 * 1024;

/** A header value by case-insensitive name (API Gateway lower-cases them, tests may not). */
export function headerOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The request path as routed: without the `/{stage}` prefix API Gateway adds for named stages. */
export function routePathOf(event: APIGatewayProxyEventV2): string {
  const path = event.rawPath || event.requestContext.http.path;
  const stage = event.requestContext.stage;
  if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) return path.slice(stage.length + 1);
  return path;
}

// application/json or any application/*+json, optionally with charset=utf-8 (RFC 8259: JSON is UTF-8).
function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (!/^application\/([a-z0-9.+-]+\+)?json$/.test(type)) return false;
  return parameters.every((parameter) => {
    const [name, value = ''] = parameter.split('=').map((part) => part.trim());
    return name !== 'charset' || ['utf-8', 'utf8', '"utf-8"'].includes(value);
  });
}

/** The decoded JSON body; throws 415, 413 or 400 (field path '' = the body itself). */
export function readJsonBody(event: APIGatewayProxyEventV2, maxBytes = MAX_BODY_BYTES): unknown {
  if (!isJsonMediaType(headerOf(event, 'content-type'))) throw problems.unsupportedMediaType();
  const raw = event.body ?? '';
  // Why check before decoding: base64 is 4/3 of the bytes, so the encoded length bounds the size.
  if (Buffer.byteLength(raw, 'utf8') > (event.isBase64Encoded ? Math.ceil(maxBytes / 3) * 4 + 4 : maxBytes)) {
    throw problems.payloadTooLarge(maxBytes);
  }
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) throw problems.payloadTooLarge(maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new InvalidRequestError('the body is not valid UTF-8', [{ path: '', message: 'not valid UTF-8' }], {
      cause: error,
    });
  }
  if (text.trim() === '') {
    throw new InvalidRequestError('the body is empty', [{ path: '', message: 'a JSON object is required' }]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'malformed JSON';
    throw new InvalidRequestError('the body is not valid JSON', [{ path: '', message: reason }], {
      cause: error,
    });
  }
}
