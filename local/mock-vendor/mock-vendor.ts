/**
 * A mock message vendor: a real HTTP server speaking the generic vendor protocol (see
 * lambdas/adapters/http-vendor.ts), for tests, benchmarks and the local runtime.
 *
 * - Not idempotent by default, as the real providers (End User Messaging SMS, SES, FCM, APNs and the
 *   common SMS vendors) are not: a repeated request is delivered and logged again. A repeat while the
 *   first with the same Idempotency-Key is still in progress gets 409 (the generic protocol's guard).
 *   With `idempotent: true` a repeated key is answered 200 `{duplicate: true}` and not delivered again.
 * - Faults, changeable at run time through the admin endpoint (its own port, so it stays reachable
 *   while the vendor is "down"): error rate (503), added latency, timeouts (accepted and delivered,
 *   but never answered: the ambiguous case), throttling (429 + Retry-After), down (port closed:
 *   connection refused), and recipients to reject for good (400 invalid_recipient).
 * - Every accepted send is appended to a JSONL log (HERALD_VENDOR_LOG, default
 *   .herald/vendor-deliveries.jsonl): vendor, channel, to, deliveryId, requestId, time.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { closeServer, listen, readJsonObject } from './fake-http.ts';
import { handleAdmin } from './mock-vendor-admin.ts';
import { type MockVendorFaults, NO_FAULTS, SendWindow, type VendorDelivery } from './vendor-faults.ts';

export { type MockVendorFaults, NO_FAULTS, type VendorDelivery } from './vendor-faults.ts';

/** How to start a mock vendor. */
export interface MockVendorOptions {
  readonly name: string;
  /** API port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Admin port; 0 picks a free one. @default 0 */
  readonly adminPort?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** JSONL log of accepted sends. @default $HERALD_VENDOR_LOG or .herald/vendor-deliveries.jsonl */
  readonly logPath?: string;
  /** When set, requests must carry `authorization: Bearer <authToken>`. */
  readonly authToken?: string;
  /** Drop repeated Idempotency-Keys (acknowledged, not delivered). @default false, as real providers */
  readonly idempotent?: boolean;
  readonly faults?: Partial<MockVendorFaults>;
}

/** A running mock vendor. */
export interface MockVendor {
  readonly name: string;
  /** Where to POST messages. */
  readonly url: string;
  readonly adminUrl: string;
  readonly port: number;
  readonly logPath: string;
  /** Merges `faults` into the current ones (bringing the port down or up as needed); returns them. */
  setFaults(faults: Partial<MockVendorFaults>): Promise<MockVendorFaults>;
  faults(): MockVendorFaults;
  /** Sends accepted by this instance, in order. */
  deliveries(): readonly VendorDelivery[];
  /** Requests received by this instance (any outcome), including repeats. */
  requestCount(): number;
  /** Requests that repeated the key of a send already accepted (delivered again unless idempotent). */
  repeatCount(): number;
  close(): Promise<void>;
}

function reply(
  response: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Starts a mock vendor; resolves when both ports listen. */
export async function startMockVendor(options: MockVendorOptions): Promise<MockVendor> {
  const host = options.host ?? '127.0.0.1';
  const logPath = resolve(
    options.logPath ?? process.env[EnvKey.vendorLog] ?? '.herald/vendor-deliveries.jsonl',
  );
  mkdirSync(dirname(logPath), { recursive: true });
  let faults: MockVendorFaults = { ...NO_FAULTS, ...options.faults };
  const keys = new Map<string, { state: 'in-progress' | 'done'; id: string }>();
  const accepted: VendorDelivery[] = [];
  let requests = 0;
  let repeats = 0;
  const window = new SendWindow();
  const dice = (rate: number) => rate > 0 && Math.random() < rate;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    requests++;
    if (request.method !== 'POST' || request.url !== '/v1/messages')
      return reply(response, 404, { error: 'not_found' });
    if (options.authToken && request.headers.authorization !== `Bearer ${options.authToken}`) {
      return reply(response, 401, { error: 'unauthorized' });
    }
    const message = await readJsonObject(request);
    const key = request.headers['idempotency-key'];
    const fields = ['deliveryId', 'requestId', 'channel', 'to', 'body'] as const;
    if (!message || fields.some((field) => typeof message[field] !== 'string')) {
      return reply(response, 400, { error: 'invalid_request' });
    }
    if (typeof key !== 'string' || key.length === 0)
      return reply(response, 400, { error: 'missing_idempotency_key' });
    const current = faults;
    if (current.answerStatus > 0) return reply(response, current.answerStatus, { error: 'fault' });
    const known = keys.get(key);
    if (known?.state === 'in-progress') return reply(response, 409, { error: 'in_progress' });
    if (known) repeats++;
    if (known && options.idempotent) {
      await sleep(current.latencyMs);
      return reply(response, 200, { id: known.id, duplicate: true });
    }
    const id = `${options.name}-${randomUUID()}`;
    keys.set(key, { state: 'in-progress', id });
    await sleep(current.latencyMs);
    const refusal =
      dice(current.throttleRate) || !window.admit(current.maxPerSecond)
        ? 429
        : dice(current.errorRate)
          ? 503
          : current.rejectTo.includes(String(message.to))
            ? 400
            : 0;
    if (dice(current.resetRate)) {
      keys.delete(key);
      request.socket.destroy();
      return;
    }
    if (refusal) {
      keys.delete(key); // not accepted: a retry with this key is a new attempt
      if (refusal === 429) {
        return reply(
          response,
          429,
          { error: 'throttled' },
          { 'retry-after': String(current.retryAfterSeconds) },
        );
      }
      return reply(response, refusal, { error: refusal === 503 ? 'unavailable' : 'invalid_recipient' });
    }
    keys.set(key, { state: 'done', id });
    const delivery: VendorDelivery = {
      time: new Date().toISOString(),
      vendor: options.name,
      channel: String(message.channel),
      to: String(message.to),
      deliveryId: String(message.deliveryId),
      requestId: String(message.requestId),
      vendorMessageId: id,
    };
    accepted.push(delivery);
    appendFileSync(logPath, `${JSON.stringify(delivery)}\n`);
    // Timeout fault: delivered, but the answer never comes; the socket closes when the client gives up.
    if (dice(current.timeoutRate)) return;
    reply(response, 200, { id });
  }

  const api = createServer((request, response) => {
    handle(request, response).catch(() => reply(response, 500, { error: 'internal' }));
  });
  const port = await listen(api, options.port ?? 0, host);

  async function setFaults(change: Partial<MockVendorFaults>): Promise<MockVendorFaults> {
    faults = { ...faults, ...change };
    if (faults.down && api.listening) await closeServer(api);
    if (!faults.down && !api.listening) await listen(api, port, host);
    return faults;
  }

  const admin = createServer((request, response) => {
    handleAdmin(request, response, { setFaults, faults: () => faults, deliveries: () => accepted }).catch(
      () => reply(response, 500, { error: 'internal' }),
    );
  });
  const adminPort = await listen(admin, options.adminPort ?? 0, host);
  if (faults.down) await closeServer(api);

  return {
    name: options.name,
    url: `http://${host}:${port}/v1/messages`,
    adminUrl: `http://${host}:${adminPort}`,
    port,
    logPath,
    setFaults,
    faults: () => faults,
    deliveries: () => accepted,
    requestCount: () => requests,
    repeatCount: () => repeats,
    close: async () => {
      await Promise.all([closeServer(api), closeServer(admin)]);
    },
  };
}
