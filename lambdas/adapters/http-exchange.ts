/**
 * One HTTP(S) POST whose failure says whether the request can have reached the server: a vendor
 * adapter needs that to tell `unavailable` (nothing sent: fail over) from `ambiguous` (maybe sent).
 * No retries here: providers do not dedupe, so a hidden retry could deliver a message twice.
 */
import { type Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ConfigError } from '../core/errors.ts';

/** What came back, or how the exchange failed. */
export type HttpExchange =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly text: string;
    }
  | {
      readonly kind: 'failed';
      /** Whether the socket had connected (the request may have been sent). */
      readonly isConnected: boolean;
      readonly isTimedOut: boolean;
      /** The system error code (ECONNREFUSED, ECONNRESET …) if any. */
      readonly code?: string;
    };

/** One POST. */
export interface PostOptions {
  readonly agent: HttpAgent | HttpsAgent;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: string;
  /** Whole-exchange timeout (connect, send, response). */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

const MAX_BODY_BYTES = 64 * 1024;

/** Connect errors: the request cannot have left this host. */
export const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** POSTs `options.body` to `url`; never rejects. */
export function postOnce(url: URL, options: PostOptions): Promise<HttpExchange> {
  return new Promise((resolve) => {
    let isConnected = false;
    let isTimedOut = false;
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent: options.agent,
      headers: { 'content-length': Buffer.byteLength(options.body), ...options.headers },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const timer = setTimeout(() => {
      isTimedOut = true;
      request.destroy(new Error('timeout'));
    }, options.timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      const code = errorCodeOf(error);
      resolve({ kind: 'failed', isConnected, isTimedOut, ...(code ? { code } : {}) });
    };
    request.on('socket', (socket) => {
      // A reused keep-alive socket is connected already; a new one once it connects (TLS included).
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
        resolve({
          kind: 'response',
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
      response.on('error', fail);
    });
    request.on('error', fail);
    request.end(options.body);
  });
}

/** The first string `code` along an error's cause chain. */
export function errorCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The innermost error code along the cause chain (ECONNREFUSED under node's ERR_HTTP2_STREAM_CANCEL). */
export function rootErrorCodeOf(error: unknown): string | undefined {
  let found: string | undefined;
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') found = code;
  }
  return found;
}

/** `value` as a URL with one of `protocols`; a ConfigError naming `key` (not the value) otherwise. */
export function endpointUrl(
  value: string,
  key: string,
  protocols: readonly string[] = ['https:', 'http:'],
): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !protocols.includes(url.protocol)) {
    throw new ConfigError(`${key} must be an ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`, [
      key,
    ]);
  }
  return url;
}
