/**
 * Push through Apple Push Notification service: HTTP/2 (node:http2), token authentication.
 *
 *   POST /3/device/<device token>   authorization: bearer <ES256 provider token>
 *   apns-topic: <bundle id>, apns-push-type: alert, apns-priority: 10 (high) | 5 (normal),
 *   apns-id: the deliveryId as a UUID
 *   {"aps": {"alert": {"title", "body"}}, "deliveryId", "requestId"}
 *
 * One HTTP/2 session is reused for every send and reconnected once closed (GOAWAY, reset, idle).
 * Why node:http2 and no client library: each send must be exactly one request whose fate is known
 * (the maintained clients retry on their own, and APNs does not dedupe). Answers:
 *
 *   200                                          accepted (vendorMessageId = apns-id)
 *   410 Unregistered, 400 BadDeviceToken,
 *   400 DeviceTokenNotForTopic, other 400, 413    rejected (permanent for this recipient)
 *   400 BadTopic / TopicDisallowed / MissingTopic,
 *   403 (provider token, certificate), 404, 405  vendor-failed (configuration: no send can succeed);
 *                                                 a refused provider token is replaced when allowed
 *   429 TooManyRequests                          throttled
 *   503 ServiceUnavailable / Shutdown            unavailable (the session is dropped on Shutdown)
 *   500 InternalServerError, other 5xx           ambiguous
 *   connect failure, stream refused (REFUSED_STREAM: not processed)   unavailable
 *   timeout, GOAWAY or reset after the request left                    ambiguous
 */
import { createHash } from 'node:crypto';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
} from 'node:http2';
import { rootCertificates } from 'node:tls';
import { ConfigError } from '../core/errors.ts';
import { parsePushRecipient } from '../core/push-recipient.ts';
import type { Vendor, VendorMessage, VendorOutcome } from '../ports/vendor.ts';
import { ApnsProviderToken, DEFAULT_TOKEN_REFRESH_MS, signingProblems } from './apns-provider-token.ts';
import { endpointUrl, rootErrorCodeOf as errorCodeOf } from './http-exchange.ts';
import { retryAfterMsOf } from './http-vendor.ts';

/** One APNs vendor: a team's signing key and the app it sends to. */
export interface ApnsVendorOptions {
  readonly name: string;
  /** The 10-character Apple developer team id (the token's `iss`). */
  readonly teamId: string;
  /** The 10-character id of the signing key (the token's `kid`). */
  readonly keyId: string;
  /** The signing key: the .p8 file's PEM text (EC P-256). */
  readonly signingKey: string;
  /** The app's bundle id, sent as apns-topic. */
  readonly topic: string;
  /** APNs origin. @default https://api.push.apple.com (development: https://api.sandbox.push.apple.com) */
  readonly endpoint?: string;
  /** A CA certificate (PEM) to trust besides the public roots, e.g. the local runtime's for the APNs fake. */
  readonly caPem?: string;
  /** Timeout of one send: connect, send, answer. */
  readonly timeoutMs: number;
  /** Age at which the provider token is replaced, within [20 min, 60 min). @default 50 min */
  readonly tokenRefreshMs?: number;
  /** Clock of the provider token. @default Date.now */
  readonly now?: () => number;
}

const REASON = /^[A-Za-z]{1,64}$/;
const CONFIG_REASONS = new Set([
  'BadTopic',
  'TopicDisallowed',
  'MissingTopic',
  'BadPath',
  'MethodNotAllowed',
]);
const TOKEN_REASONS = new Set(['InvalidProviderToken', 'ExpiredProviderToken', 'MissingProviderToken']);

/** Builds an APNs vendor; throws ConfigError listing every bad setting (never a key). */
export function createApnsVendor(options: ApnsVendorOptions): ApnsVendor {
  return new ApnsVendor(options);
}

/** The apns-id for a deliveryId: its 16 bytes as a UUID (a hash of it if it is not 16 base64url bytes). */
export function apnsIdOf(deliveryId: string): string {
  const raw = Buffer.from(deliveryId, 'base64url');
  const bytes =
    raw.length === 16 && raw.toString('base64url') === deliveryId
      ? raw
      : createHash('sha256').update(deliveryId).digest().subarray(0, 16);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface Connection {
  readonly session: ClientHttp2Session;
  isConnected: boolean;
  /** The last stream the server says it processed, once it sent GOAWAY. */
  goAwayLastStreamId?: number;
}

/** APNs behind the Vendor port. */
export class ApnsVendor implements Vendor {
  readonly name: string;
  readonly #options: ApnsVendorOptions;
  readonly #origin: string;
  readonly #tokens: ApnsProviderToken;
  #connection: Connection | undefined;

  constructor(options: ApnsVendorOptions) {
    this.name = options.name;
    this.#options = options;
    const refreshAfterMs = options.tokenRefreshMs ?? DEFAULT_TOKEN_REFRESH_MS;
    const problems = signingProblems({ ...options, refreshAfterMs }, options.name);
    if (!/^[A-Za-z0-9.-]{1,255}$/.test(options.topic))
      problems.push(`${options.name}.topic must be a bundle id`);
    if (problems.length > 0) {
      throw new ConfigError(
        `APNs vendor ${problems.join('; ')}`,
        problems.map((p) => p.split(' ')[0] ?? p),
      );
    }
    // Why https only: APNs speaks HTTP/2 over TLS, never cleartext.
    this.#origin = endpointUrl(options.endpoint ?? 'https://api.push.apple.com', `${options.name}.endpoint`, [
      'https:',
    ]).origin;
    this.#tokens = new ApnsProviderToken({ ...options, refreshAfterMs, now: options.now ?? Date.now });
  }

  /** Closes the HTTP/2 session (a later send opens a new one). */
  close(): void {
    this.#connection?.session.close();
    this.#connection = undefined;
  }

  /**
   * Whether this vendor can deliver to `recipient` (a APNs push recipient); a router can skip a vendor
   * that cannot, since send() rejects such a recipient for good.
   */
  serves(recipient: string): boolean {
    return parsePushRecipient(recipient)?.service === 'apns';
  }

  async send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    const recipient = parsePushRecipient(message.to);
    if (recipient?.service !== 'apns') {
      return { kind: 'rejected', reason: `${this.name}: not an APNs recipient (apns:<device token>)` };
    }
    const payload = JSON.stringify({
      aps: {
        alert: { ...(message.title === undefined ? {} : { title: message.title }), body: message.body },
      },
      deliveryId: message.deliveryId,
      requestId: message.requestId,
    });
    const connection = this.#connectionNow();
    let stream: ClientHttp2Stream;
    try {
      stream = connection.session.request({
        ':method': 'POST',
        ':path': `/3/device/${recipient.token}`,
        authorization: `bearer ${this.#tokens.current()}`,
        'apns-topic': this.#options.topic,
        'apns-push-type': 'alert',
        'apns-priority': message.priority === 'high' ? '10' : '5',
        'apns-id': apnsIdOf(message.deliveryId),
        'content-type': 'application/json',
      });
    } catch (error) {
      // The session was closing: the request never left.
      return { kind: 'unavailable', reason: `${this.name}: ${errorCodeOf(error) ?? 'session closed'}` };
    }
    return this.#exchange(connection, stream, payload, signal);
  }

  #exchange(
    connection: Connection,
    stream: ClientHttp2Stream,
    payload: string,
    signal: AbortSignal | undefined,
  ): Promise<VendorOutcome> {
    return new Promise((resolve) => {
      let headers: IncomingHttpHeaders | undefined;
      let isTimedOut = false;
      let failure: unknown;
      const chunks: Buffer[] = [];
      const onAbort = () => stream.close(constants.NGHTTP2_CANCEL);
      const timer = setTimeout(() => {
        isTimedOut = true;
        stream.close(constants.NGHTTP2_CANCEL);
        // A session that never connected is stuck: drop it so the next send dials again.
        if (!connection.isConnected) connection.session.destroy();
      }, this.#options.timeoutMs);
      const settle = (outcome: VendorOutcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('response', (answer) => (headers = answer));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => (failure = error));
      stream.on('close', () => {
        if (headers && stream.rstCode === constants.NGHTTP2_NO_ERROR && !isTimedOut) {
          return settle(this.#outcomeOf(connection, headers, Buffer.concat(chunks).toString('utf8')));
        }
        settle(this.#outcomeOfLoss(connection, stream, isTimedOut, failure));
      });
      stream.end(payload);
    });
  }

  #outcomeOf(connection: Connection, headers: IncomingHttpHeaders, text: string): VendorOutcome {
    const status = Number(headers[':status']);
    if (status === 200) {
      const id = headers['apns-unique-id'] ?? headers['apns-id'];
      return { kind: 'accepted', ...(typeof id === 'string' ? { vendorMessageId: id } : {}) };
    }
    const reasonCode = reasonOf(text);
    const reason = `${this.name}: HTTP ${status}${reasonCode ? ` ${reasonCode}` : ''}`;
    const header = headers['retry-after'];
    const retryAfterMs = retryAfterMsOf(typeof header === 'string' ? header : null);
    const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
    if (status === 429) return { kind: 'throttled', reason, ...retry };
    if (status === 503) {
      // Shutdown: this server is going away; the next send dials a new one.
      if (reasonCode === 'Shutdown') this.#drop(connection);
      return { kind: 'unavailable', reason, ...retry };
    }
    if (status >= 500) return { kind: 'ambiguous', reason };
    if (status === 403) {
      if (reasonCode && TOKEN_REASONS.has(reasonCode)) this.#tokens.invalidate();
      return { kind: 'vendor-failed', reason };
    }
    if (status === 404 || status === 405 || (reasonCode && CONFIG_REASONS.has(reasonCode))) {
      return { kind: 'vendor-failed', reason };
    }
    return { kind: 'rejected', reason };
  }

  #outcomeOfLoss(
    connection: Connection,
    stream: ClientHttp2Stream,
    isTimedOut: boolean,
    failure: unknown,
  ): VendorOutcome {
    if (!connection.isConnected) {
      const what = isTimedOut
        ? `connect timeout after ${this.#options.timeoutMs} ms`
        : (errorCodeOf(failure) ?? 'connect failed');
      return { kind: 'unavailable', reason: `${this.name}: ${what}` };
    }
    // HTTP/2 guarantees that a refused stream, or one above a GOAWAY's last stream id, was not
    // processed (RFC 9113 §6.8, §8.7): safe to send elsewhere.
    const lastProcessed = connection.goAwayLastStreamId;
    const isAboveGoAway = lastProcessed !== undefined && stream.id !== undefined && stream.id > lastProcessed;
    if (stream.rstCode === constants.NGHTTP2_REFUSED_STREAM || isAboveGoAway) {
      return { kind: 'unavailable', reason: `${this.name}: stream refused` };
    }
    if (isTimedOut)
      return { kind: 'ambiguous', reason: `${this.name}: no answer within ${this.#options.timeoutMs} ms` };
    return {
      kind: 'ambiguous',
      reason: `${this.name}: ${errorCodeOf(failure) ?? `stream reset (code ${stream.rstCode})`}`,
    };
  }

  #connectionNow(): Connection {
    const current = this.#connection;
    if (current && !current.session.closed && !current.session.destroyed) return current;
    const session = connect(this.#origin, {
      ...(this.#options.caPem ? { ca: [...rootCertificates, this.#options.caPem] } : {}),
    });
    const connection: Connection = { session, isConnected: false };
    session.once('connect', () => {
      connection.isConnected = true;
    });
    // Failures reach each stream as its outcome; the listener keeps them from being thrown.
    session.on('error', () => this.#drop(connection));
    session.on('goaway', (_code: number, lastStreamId: number) => {
      connection.goAwayLastStreamId = lastStreamId;
      this.#drop(connection);
    });
    session.on('close', () => this.#drop(connection));
    // Why unref: an idle session must not keep a process (or a test) alive; sends keep their own timer.
    session.unref();
    this.#connection = connection;
    return connection;
  }

  #drop(connection: Connection): void {
    if (this.#connection === connection) this.#connection = undefined;
    if (!connection.session.closed) connection.session.close();
  }
}

/** The `reason` of an APNs error body, if it looks like one (never free text). */
function reasonOf(text: string): string | undefined {
  try {
    const reason = (JSON.parse(text) as { reason?: unknown }).reason;
    return typeof reason === 'string' && REASON.test(reason) ? reason : undefined;
  } catch {
    return undefined;
  }
}
