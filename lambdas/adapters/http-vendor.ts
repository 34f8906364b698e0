/**
 * Vendor adapter for the generic HTTP JSON vendor protocol (what local/mock-vendor speaks):
 *
 *   POST <url>   Content-Type: application/json
 *                Idempotency-Key: <deliveryId>      (only a vendor that documents it dedupes on it)
 *                <auth header>: <auth value>        (optional, e.g. Authorization: Bearer …)
 *   body         {"deliveryId","requestId","channel","to","body","title"?,"priority"}
 *   2xx          accepted, body {"id": "<vendor message id>", "duplicate"?: true}
 *   429          throttled; Retry-After (seconds or HTTP date) is honoured
 *   408, 503     nothing processed (request incomplete / service unavailable): fail over
 *   500, 502, 504, other 5xx   unknown: the vendor or its gateway may have processed it: ambiguous
 *   409          the vendor holds a message with this key, still in progress: ambiguous
 *   401, 403, 404, 405, 3xx    the vendor cannot take anything (credential, endpoint): vendor-failed
 *   other 4xx    rejected for good, body {"error": "<code>"}
 *
 * Transport errors before the connection existed (refused, DNS, unreachable, connect timeout) are
 * `unavailable`; a timeout or reset after it is `ambiguous`: the vendor may have delivered the message.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Vendor, VendorMessage, VendorOutcome } from '../ports/vendor.ts';

/** One HTTP vendor's endpoint and credentials. */
export interface HttpVendorOptions {
  readonly name: string;
  readonly url: string;
  /** Header that carries the credential, e.g. `{ name: 'authorization', value: 'Bearer …' }`. */
  readonly auth?: { readonly name: string; readonly value: string };
  /** Whole-request timeout (connect, send, response). */
  readonly timeoutMs: number;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;
/** Answers about the vendor, not the message: bad credential, forbidden, endpoint gone or wrong. */
const VENDOR_LEVEL = new Set([401, 403, 404, 405]);
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Generic HTTP JSON vendor on node:http(s) with a keep-alive agent (the bulkhead in front bounds the
 * sockets in use). Knowing whether the socket had connected tells a refused or unreachable vendor
 * (nothing sent: fail over) from a lost answer (maybe sent: ambiguous).
 */
export class HttpVendor implements Vendor {
  readonly name: string;
  readonly #options: HttpVendorOptions;
  readonly #url: URL;
  readonly #agent: HttpAgent;

  constructor(options: HttpVendorOptions) {
    this.name = options.name;
    this.#options = options;
    this.#url = new URL(options.url);
    const agentOptions = { keepAlive: true, maxSockets: 1_024, keepAliveMsecs: 1_000 };
    this.#agent =
      this.#url.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    const body = JSON.stringify({
      deliveryId: message.deliveryId,
      requestId: message.requestId,
      channel: message.channel,
      to: message.to,
      body: message.body,
      ...(message.title === undefined ? {} : { title: message.title }),
      priority: message.priority,
    });
    return new Promise((resolve) => {
      let isConnected = false;
      let isTimedOut = false;
      const request = (this.#url.protocol === 'https:' ? httpsRequest : httpRequest)(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'idempotency-key': message.deliveryId,
          ...(this.#options.auth ? { [this.#options.auth.name]: this.#options.auth.value } : {}),
        },
        ...(signal ? { signal } : {}),
      });
      const timer = setTimeout(() => {
        isTimedOut = true;
        request.destroy(new Error('timeout'));
      }, this.#options.timeoutMs);
      request.on('socket', (socket) => {
        // A reused keep-alive socket is connected already; a new one once 'connect' fires.
        if (!socket.connecting) isConnected = true;
        else socket.once('connect', () => (isConnected = true));
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          resolve(this.#outcomeOf(response.statusCode ?? 0, response.headers, text));
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          resolve(this.#outcomeOfError(error, isConnected, isTimedOut));
        });
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        resolve(this.#outcomeOfError(error, isConnected, isTimedOut));
      });
      request.end(body);
    });
  }

  #outcomeOf(status: number, headers: IncomingHttpHeaders, text: string): VendorOutcome {
    if (status >= 200 && status < 300) {
      const id = parseJson(text)?.id;
      return { kind: 'accepted', ...(typeof id === 'string' ? { vendorMessageId: id } : {}) };
    }
    const reason = `${this.name}: HTTP ${status}${errorCode(text)}`;
    if (status === 429) {
      const header = headers['retry-after'];
      const retryAfterMs = retryAfterMsOf(typeof header === 'string' ? header : null);
      return { kind: 'throttled', reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    if (status === 408 || status === 503) {
      const header = headers['retry-after'];
      const retryAfterMs = retryAfterMsOf(typeof header === 'string' ? header : null);
      return { kind: 'unavailable', reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    if (status === 409 || status >= 500) return { kind: 'ambiguous', reason };
    if (status < 200 || (status >= 300 && status < 400) || VENDOR_LEVEL.has(status))
      return { kind: 'vendor-failed', reason };
    return { kind: 'rejected', reason };
  }

  #outcomeOfError(error: unknown, isConnected: boolean, isTimedOut: boolean): VendorOutcome {
    const code = errorCodeOf(error);
    if (!isConnected) {
      // Nothing can have been sent before the connection existed: safe to fail over.
      const what = isTimedOut
        ? `connect timeout after ${this.#options.timeoutMs} ms`
        : (code ?? 'connection failed');
      return { kind: 'unavailable', reason: `${this.name}: ${what}` };
    }
    if (isTimedOut)
      return { kind: 'ambiguous', reason: `${this.name}: no answer within ${this.#options.timeoutMs} ms` };
    if (code && CONNECT_ERRORS.has(code)) return { kind: 'unavailable', reason: `${this.name}: ${code}` };
    return {
      kind: 'ambiguous',
      reason: `${this.name}: ${code ?? (error instanceof Error ? error.name : 'error')}`,
    };
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** ` <code>` from a `{"error": "<code>"}` body, only if it looks like a code (vendor text may echo PII). */
function errorCode(text: string): string {
  const code = parseJson(text)?.error;
  return typeof code === 'string' && CODE.test(code) ? ` ${code}` : '';
}

function errorCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Milliseconds from a Retry-After header (delta-seconds or HTTP date), if valid. */
export function retryAfterMsOf(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
