/**
 * Vendor adapter for the generic HTTP JSON vendor protocol (what local/mock-vendor speaks):
 *
 *   POST <url>   Content-Type: application/json
 *                Idempotency-Key: <deliveryId>      (a repeat is acknowledged, not delivered again)
 *                <auth header>: <auth value>        (optional, e.g. Authorization: Bearer …)
 *   body         {"deliveryId","requestId","channel","to","body","title"?,"priority"}
 *   2xx          accepted, body {"id": "<vendor message id>", "duplicate"?: true}
 *   429          throttled; Retry-After (seconds or HTTP date) is honoured
 *   408, 5xx     not accepted: fail over
 *   409          the same key is still being processed: the outcome is ambiguous
 *   other 4xx    rejected for good, body {"error": "<code>"}
 *
 * Transport errors before the request could be written (refused, DNS, unreachable) are `unavailable`;
 * a timeout or reset after that is `ambiguous`, because the vendor may have delivered the message.
 */
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

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Generic HTTP JSON vendor. */
export class HttpVendor implements Vendor {
  readonly name: string;
  readonly #options: HttpVendorOptions;

  constructor(options: HttpVendorOptions) {
    this.name = options.name;
    this.#options = options;
  }

  async send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const aborted = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await fetch(this.#options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': message.deliveryId,
          ...(this.#options.auth ? { [this.#options.auth.name]: this.#options.auth.value } : {}),
        },
        body: JSON.stringify({
          deliveryId: message.deliveryId,
          requestId: message.requestId,
          channel: message.channel,
          to: message.to,
          body: message.body,
          ...(message.title === undefined ? {} : { title: message.title }),
          priority: message.priority,
        }),
        signal: aborted,
      });
      const text = await response.text();
      return this.#outcomeOf(response, text);
    } catch (error) {
      return this.#outcomeOfError(error, timeout.aborted);
    }
  }

  #outcomeOf(response: Response, text: string): VendorOutcome {
    const status = response.status;
    if (status >= 200 && status < 300) {
      const id = parseJson(text)?.id;
      return { kind: 'accepted', ...(typeof id === 'string' ? { vendorMessageId: id } : {}) };
    }
    const reason = `${this.name}: HTTP ${status}${errorCode(text)}`;
    if (status === 429) {
      const retryAfterMs = retryAfterMsOf(response.headers.get('retry-after'));
      return { kind: 'unavailable', reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    if (status === 409) return { kind: 'ambiguous', reason };
    if (status === 408 || status >= 500) return { kind: 'unavailable', reason };
    return { kind: 'rejected', reason };
  }

  #outcomeOfError(error: unknown, isTimeout: boolean): VendorOutcome {
    if (isTimeout)
      return { kind: 'ambiguous', reason: `${this.name}: no answer within ${this.#options.timeoutMs} ms` };
    const code = errorCodeOf(error);
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
