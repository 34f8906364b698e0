/**
 * Push through Firebase Cloud Messaging, HTTP v1:
 *
 *   POST {endpoint}/v1/projects/{projectId}/messages:send   Authorization: Bearer <OAuth2 access token>
 *   {"message": {"token", "notification": {title, body}, "data": {deliveryId, requestId},
 *                "android": {"priority"}, "apns": {"headers": {"apns-priority"}}}}
 *
 * The access token comes from the service-account key through google-auth-library (FcmAccessTokens).
 * Why google-auth-library and not firebase-admin: firebase-admin hard-codes fcm.googleapis.com and
 * retries sends on its own (503, ECONNRESET, ETIMEDOUT: four times), and a provider that does not
 * dedupe turns a hidden retry after a lost answer into a second message. Here each send is exactly one
 * HTTP request whose status, Retry-After and google.rpc error body this file classifies:
 *
 *   200                                         accepted (vendorMessageId = the message name)
 *   400 INVALID_ARGUMENT, 404 UNREGISTERED,
 *   403 SENDER_ID_MISMATCH, other 4xx           rejected (permanent for this recipient)
 *   429 QUOTA_EXCEEDED                          throttled (Retry-After, else FCM's 1-minute minimum)
 *   503 UNAVAILABLE                             unavailable (Retry-After)
 *   500 INTERNAL, other 5xx                     ambiguous (FCM may have processed it)
 *   401 (THIRD_PARTY_AUTH_ERROR, UNAUTHENTICATED),
 *   403 PERMISSION_DENIED, 404 without UNREGISTERED,
 *   token endpoint failures                     vendor-failed (credentials, project, APNs key in FCM)
 *   refused connection, timeout before connecting  unavailable (nothing sent)
 *   timeout or reset after connecting            ambiguous (FCM may have it)
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { parsePushRecipient } from '../core/push-recipient.ts';
import type { Vendor, VendorMessage, VendorOutcome } from '../ports/vendor.ts';
import { FcmAccessTokens, type FcmServiceAccountKey, parseServiceAccountKey } from './fcm-access-tokens.ts';
import { CONNECT_ERRORS, endpointUrl, type HttpExchange, postOnce } from './http-exchange.ts';
import { retryAfterMsOf } from './http-vendor.ts';

export type { FcmServiceAccountKey } from './fcm-access-tokens.ts';

/** One FCM vendor: a Firebase project and the service account that may send for it. */
export interface FcmVendorOptions {
  readonly name: string;
  /** The service-account key file (its JSON text, as Secrets Manager holds it, or parsed). */
  readonly serviceAccountKey: string | FcmServiceAccountKey;
  /** Firebase project id. @default the key's project_id */
  readonly projectId?: string;
  /** FCM API origin. @default https://fcm.googleapis.com */
  readonly endpoint?: string;
  /** OAuth2 token endpoint. @default the key's token_uri, else https://oauth2.googleapis.com/token */
  readonly tokenUrl?: string;
  /** Timeout of one send: token fetch (when due), connect, send and answer together. */
  readonly timeoutMs: number;
  /** Clock of the access-token cache. @default Date.now */
  readonly now?: () => number;
}

const CODE = /^[A-Z_]{1,64}$/;
// Why 60 s: FCM asks for exponential backoff from at least one minute after QUOTA_EXCEEDED.
const QUOTA_BACKOFF_MS = 60_000;

/** Builds an FCM vendor; throws ConfigError naming each missing key field (never its value). */
export function createFcmVendor(options: FcmVendorOptions): FcmVendor {
  return new FcmVendor(options);
}

/** FCM HTTP v1 behind the Vendor port. */
export class FcmVendor implements Vendor {
  readonly name: string;
  readonly #timeoutMs: number;
  readonly #sendUrl: URL;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #tokens: FcmAccessTokens;

  constructor(options: FcmVendorOptions) {
    this.name = options.name;
    this.#timeoutMs = options.timeoutMs;
    const key = parseServiceAccountKey(options.serviceAccountKey, options.name, options.projectId);
    const projectId = options.projectId ?? key.project_id ?? '';
    const endpoint = endpointUrl(
      options.endpoint ?? 'https://fcm.googleapis.com',
      `${options.name}.endpoint`,
    );
    this.#sendUrl = new URL(`/v1/projects/${encodeURIComponent(projectId)}/messages:send`, endpoint);
    const agentOptions = { keepAlive: true, maxSockets: 1_024, keepAliveMsecs: 1_000 };
    this.#agent = endpoint.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.#tokens = new FcmAccessTokens({
      key,
      tokenUrl: endpointUrl(options.tokenUrl ?? key.token_uri, `${options.name}.tokenUrl`).href,
      timeoutMs: options.timeoutMs,
      now: options.now ?? Date.now,
    });
  }

  /**
   * Whether this vendor can deliver to `recipient` (a FCM push recipient); a router can skip a vendor
   * that cannot, since send() rejects such a recipient for good.
   */
  serves(recipient: string): boolean {
    return parsePushRecipient(recipient)?.service === 'fcm';
  }

  async send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    const recipient = parsePushRecipient(message.to);
    if (recipient?.service !== 'fcm') {
      return { kind: 'rejected', reason: `${this.name}: not an FCM recipient (fcm:<registration token>)` };
    }
    // Why one budget: the dispatcher's claim lease covers `timeoutMs` per attempt, token fetch included.
    const startedAtMs = performance.now();
    let accessToken: string;
    try {
      accessToken = await this.#tokens.get();
    } catch (error) {
      return { kind: 'vendor-failed', reason: `${this.name}: ${this.#tokens.describe(error)}` };
    }
    const body = JSON.stringify({
      message: {
        token: recipient.token,
        notification: {
          ...(message.title === undefined ? {} : { title: message.title }),
          body: message.body,
        },
        data: { deliveryId: message.deliveryId, requestId: message.requestId },
        android: { priority: message.priority === 'high' ? 'HIGH' : 'NORMAL' },
        apns: { headers: { 'apns-priority': message.priority === 'high' ? '10' : '5' } },
      },
    });
    const exchange = await postOnce(this.#sendUrl, {
      agent: this.#agent,
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json; charset=UTF-8' },
      body,
      timeoutMs: Math.max(1, this.#timeoutMs - (performance.now() - startedAtMs)),
      ...(signal ? { signal } : {}),
    });
    return exchange.kind === 'response' ? this.#outcomeOf(exchange) : this.#outcomeOfFailure(exchange);
  }

  #outcomeOf(exchange: Extract<HttpExchange, { kind: 'response' }>): VendorOutcome {
    const { status, headers, text } = exchange;
    const answer = parseError(text);
    if (status >= 200 && status < 300) {
      return { kind: 'accepted', ...(answer.name ? { vendorMessageId: answer.name } : {}) };
    }
    const code = answer.errorCode ?? answer.status;
    const reason = `${this.name}: HTTP ${status}${code ? ` ${code}` : ''}`;
    const header = headers['retry-after'];
    const retryAfterMs = retryAfterMsOf(typeof header === 'string' ? header : null);
    const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
    if (status === 429) return { kind: 'throttled', reason, retryAfterMs: retryAfterMs ?? QUOTA_BACKOFF_MS };
    if (status === 503) return { kind: 'unavailable', reason, ...retry };
    if (status >= 500) return { kind: 'ambiguous', reason };
    if (status === 401) {
      // The access token may have been revoked or expired early: the next send fetches a new one.
      if (answer.errorCode !== 'THIRD_PARTY_AUTH_ERROR') this.#tokens.invalidate();
      return { kind: 'vendor-failed', reason };
    }
    if (status === 403 && answer.errorCode !== 'SENDER_ID_MISMATCH') return { kind: 'vendor-failed', reason };
    // A 404 without UNREGISTERED is the project (or the API path) not found: no send can succeed.
    if (status === 404 && answer.errorCode !== 'UNREGISTERED') return { kind: 'vendor-failed', reason };
    return { kind: 'rejected', reason };
  }

  #outcomeOfFailure(failure: Extract<HttpExchange, { kind: 'failed' }>): VendorOutcome {
    if (!failure.isConnected) {
      const what = failure.isTimedOut
        ? `connect timeout after ${this.#timeoutMs} ms`
        : (failure.code ?? 'connection failed');
      return { kind: 'unavailable', reason: `${this.name}: ${what}` };
    }
    if (failure.isTimedOut)
      return { kind: 'ambiguous', reason: `${this.name}: no answer within ${this.#timeoutMs} ms` };
    if (failure.code && CONNECT_ERRORS.has(failure.code))
      return { kind: 'unavailable', reason: `${this.name}: ${failure.code}` };
    return { kind: 'ambiguous', reason: `${this.name}: ${failure.code ?? 'connection lost'}` };
  }
}

/** The message name of a 2xx, or the google.rpc status and FcmError code of an error body. */
function parseError(text: string): { name?: string; status?: string; errorCode?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null) return {};
  const { name, error } = value as { name?: unknown; error?: { status?: unknown; details?: unknown } };
  const details = Array.isArray(error?.details) ? (error.details as Array<Record<string, unknown>>) : [];
  const fcmError = details.find((detail) =>
    String(detail['@type']).endsWith('google.firebase.fcm.v1.FcmError'),
  );
  // Why only codes: error messages may quote the registration token.
  const pick = (code: unknown) => (typeof code === 'string' && CODE.test(code) ? code : undefined);
  const status = pick(error?.status);
  const errorCode = pick(fcmError?.errorCode);
  return {
    ...(typeof name === 'string' ? { name } : {}),
    ...(status ? { status } : {}),
    ...(errorCode ? { errorCode } : {}),
  };
}
