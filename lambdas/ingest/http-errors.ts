/**
 * The one place that turns errors and refusals into HTTP responses. 4xx bodies say what to fix;
 * 5xx bodies say only "retry" or "internal error" plus a correlation id, never internals.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DependencyUnavailableError, HeraldError, InvalidRequestError } from '../core/errors.ts';
import type { ErrorBody } from './request-schema.ts';

/** A response of the ingest API. */
export type HttpResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

/** Seconds a client should wait before retrying after a 503 (Kafka or Redis unavailable). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;
/** Seconds a client should wait before retrying while its Idempotency-Key is still being accepted. */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

/** An HTTP-level refusal (401, 404, 405, 409, 413, 415, 422): the caller must change the request. */
export class HttpProblemError extends HeraldError {
  override name = 'HttpProblemError';
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

/** Refusals the API answers with, by cause. */
export const problems = {
  unauthorized: (scheme: 'Bearer' | 'AWS4-HMAC-SHA256') =>
    new HttpProblemError(401, 'unauthorized', 'missing or unknown credentials', {
      'www-authenticate': scheme,
    }),
  notFound: (what = 'no such route') => new HttpProblemError(404, 'not_found', what),
  methodNotAllowed: (allowed: readonly string[]) =>
    new HttpProblemError(405, 'method_not_allowed', `use ${allowed.join(' or ')}`, {
      allow: allowed.join(', '),
    }),
  keyInProgress: () =>
    new HttpProblemError(
      409,
      'idempotency_key_in_use',
      'a request with this Idempotency-Key is still being accepted',
      {
        'retry-after': String(IN_PROGRESS_RETRY_AFTER_SECONDS),
      },
    ),
  payloadTooLarge: (maxBytes: number) =>
    new HttpProblemError(413, 'payload_too_large', `the body must be at most ${maxBytes} bytes`),
  unsupportedMediaType: () =>
    new HttpProblemError(415, 'unsupported_media_type', 'send the body as application/json (UTF-8)'),
  keyMismatch: () =>
    new HttpProblemError(
      422,
      'idempotency_key_mismatch',
      'this Idempotency-Key was used with a different request body; use a new key for a new request',
    ),
} as const;

/** A JSON response. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** Maps any error to its response. `correlationId` (API Gateway's request id) is only shown on 5xx. */
export function errorToResponse(error: unknown, correlationId: string): HttpResponse {
  if (error instanceof InvalidRequestError) {
    const body: ErrorBody = { error: 'invalid_request', message: error.message, issues: [...error.issues] };
    return jsonResponse(400, body);
  }
  if (error instanceof HttpProblemError) {
    const body: ErrorBody = { error: error.code, message: error.message };
    return jsonResponse(error.statusCode, body, { ...error.headers });
  }
  if (error instanceof DependencyUnavailableError) {
    const body: ErrorBody = {
      error: 'unavailable',
      message: 'the request was not accepted; retry later, with the same Idempotency-Key',
      correlationId,
    };
    return jsonResponse(503, body, { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) });
  }
  const body: ErrorBody = { error: 'internal', message: 'internal error', correlationId };
  return jsonResponse(500, body);
}
