/**
 * What the AWS SDK v3 clients of the AWS vendor adapters (EUM SMS, SES) share: one request handler
 * with Herald's timeouts and no SDK retries, and the classification of what is common to every AWS
 * service (transport errors, timeouts, common auth and throttling errors, bare HTTP status codes).
 * Each adapter classifies its service's own modelled errors first and falls back to `awsOutcomeOf`.
 *
 * Why no SDK retries (maxAttempts 1): the providers do not dedupe, so a hidden retry after a lost
 * answer sends the message twice. Herald's router decides about retries from the outcome.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { VendorOutcome } from '../ports/vendor.ts';

/** Settings every AWS vendor client gets. */
export interface AwsClientSettings {
  readonly region: string;
  /** Local fakes only; in AWS the regional endpoint is used. */
  readonly endpoint?: string;
  /** Whole-request budget (connect, send, answer). */
  readonly timeoutMs: number;
  /** Sockets per client; the bulkhead in front bounds the calls in flight anyway. @default 1024 */
  readonly maxSockets?: number;
}

/** Client configuration shared by the AWS vendor adapters (credentials: the default chain, i.e. the Lambda role). */
export function awsClientConfig(settings: AwsClientSettings) {
  const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets ?? 1_024, keepAliveMsecs: 1_000 };
  return {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: 1,
    // Options, not an instance: the client builds its own NodeHttpHandler from them.
    requestHandler: {
      // Why a separate connect timeout: a connect that times out proves nothing was sent (unavailable),
      // while a request that times out after connecting may have been processed (ambiguous).
      connectionTimeout: connectTimeoutMs(settings.timeoutMs),
      requestTimeout: settings.timeoutMs,
      throwOnRequestTimeout: true,
      // An answer that stalls after its headers is cut off too (the request timeout ends at the headers).
      socketTimeout: settings.timeoutMs,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  };
}

/** The connect budget: a third of the request budget, at most 1 s (a healthy AWS endpoint connects in ms). */
export function connectTimeoutMs(timeoutMs: number): number {
  return Math.max(1, Math.min(1_000, Math.floor(timeoutMs / 3)));
}

/** The parts of an SDK error the classification reads (never its message: it may echo the recipient). */
export interface AwsErrorFacts {
  /** The error code (`ThrottlingException`), or a transport error's name. */
  readonly name: string;
  readonly httpStatus?: number;
  /** A transport error's code (`ECONNREFUSED`). */
  readonly code?: string;
  /** The SDK gave up connecting: nothing was sent. */
  readonly isConnectTimeout?: boolean;
}

/** Reads the facts of anything the SDK threw. */
export function awsErrorFacts(error: unknown): AwsErrorFacts {
  const value = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = value.$metadata?.httpStatusCode;
  let code: string | undefined;
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const candidate = (current as { code?: unknown }).code;
    if (typeof candidate === 'string') {
      code = candidate;
      break;
    }
  }
  const name = typeof value.name === 'string' ? value.name : 'Error';
  // The SDK's own wording (@smithy/node-http-handler): it names no recipient.
  const isConnectTimeout =
    name === 'TimeoutError' && String(value.message).includes('did not establish a connection');
  return {
    name,
    ...(typeof status === 'number' ? { httpStatus: status } : {}),
    ...(code ? { code } : {}),
    ...(isConnectTimeout ? { isConnectTimeout } : {}),
  };
}

// Errors before a connection existed: nothing can have been sent.
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// AWS-wide throttling codes (any service may answer them, whatever its model says).
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
// AWS-wide errors about the caller's identity or account: no send from this vendor can succeed.
const CALLER_ERRORS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'ExpiredToken',
  'ExpiredTokenException',
  'OptInRequired',
  'CredentialsProviderError',
]);
// The server answered that it did not take the request (AWS common error ServiceUnavailable).
const NOT_PROCESSED = new Set(['ServiceUnavailable', 'ServiceUnavailableException']);

/**
 * The outcome of an SDK error no service-specific rule claimed. `vendor` prefixes the reason; the
 * reason names the error code only.
 */
export function awsOutcomeOf(vendor: string, facts: AwsErrorFacts, timeoutMs: number): VendorOutcome {
  const reason = `${vendor}: ${facts.name}${facts.httpStatus ? ` (HTTP ${facts.httpStatus})` : ''}`;
  if (facts.httpStatus === undefined) return transportOutcome(vendor, facts, timeoutMs);
  if (THROTTLING.has(facts.name) || facts.httpStatus === 429) return { kind: 'throttled', reason };
  if (CALLER_ERRORS.has(facts.name) || facts.httpStatus === 401 || facts.httpStatus === 403)
    return { kind: 'vendor-failed', reason };
  if (NOT_PROCESSED.has(facts.name) || facts.httpStatus === 503) return { kind: 'unavailable', reason };
  // 500, 502, 504 (InternalServerException and the like): the request may have been processed.
  if (facts.httpStatus >= 500) return { kind: 'ambiguous', reason };
  // Any other 4xx: the service refused the request before sending; not this recipient's fault as far
  // as we know, so the vendor is at fault (configuration) and the delivery fails over.
  return { kind: 'vendor-failed', reason };
}

function transportOutcome(vendor: string, facts: AwsErrorFacts, timeoutMs: number): VendorOutcome {
  if (facts.code && CONNECT_ERRORS.has(facts.code))
    return { kind: 'unavailable', reason: `${vendor}: ${facts.code}` };
  if (facts.isConnectTimeout)
    return {
      kind: 'unavailable',
      reason: `${vendor}: connect timeout after ${connectTimeoutMs(timeoutMs)} ms`,
    };
  // The request timeout, or the socket idle after connecting: the request may have been processed.
  if (facts.name === 'TimeoutError')
    return { kind: 'ambiguous', reason: `${vendor}: no answer within ${timeoutMs} ms` };
  if (facts.name === 'CredentialsProviderError')
    return { kind: 'vendor-failed', reason: `${vendor}: no AWS credentials` };
  // Reset, broken pipe, aborted mid-call, unparseable answer: the request may have been processed.
  return { kind: 'ambiguous', reason: `${vendor}: ${facts.code ?? facts.name}` };
}
