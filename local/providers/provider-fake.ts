/**
 * What every local provider fake (EUM SMS, SES …) shares: the HTTP server the official client talks
 * to with only an endpoint override, the SigV4 presence check, the runtime faults and their admin
 * endpoint (the mock vendor's shape: GET/PUT /faults, POST /faults/reset, GET /deliveries, GET /health),
 * and the vendor log (.herald/vendor-deliveries.jsonl, one JSON line per accepted send, as the mock
 * vendor writes it). A provider supplies only its wire protocol (ProviderProtocol).
 *
 * Like the real services, a fake is NOT idempotent: every accepted request is delivered and logged,
 * a repeat too. Faults:
 * - errorRate: the service's "temporarily unavailable" error (HTTP 503, nothing delivered)
 * - latencyMs: added before answering
 * - timeoutRate: delivered and logged, but never answered (the ambiguous case)
 * - throttleRate: the provider's own throttling error, nothing delivered
 * - maxPerSecond: the same error for sends beyond this many accepted in the last second (EUM's MPS,
 *   SES's maximum send rate); 0: no limit
 * - down: the port is closed (connection refused)
 * - rejectTo: recipients the provider refuses for good, in its own words
 * - failWith: every send answers this provider error (e.g. "AccessDeniedException" or
 *   "ConflictException:DESTINATION_PHONE_NUMBER_OPTED_OUT"), nothing delivered; null clears it
 * There is no retryAfterSeconds: these providers send no Retry-After.
 *
 * Receipts: after an accepted send (answered, or delivered under the timeout fault), the provider's
 * events (ProviderSend.receipts) go to the local event bus at `eventBusUrl` (receipt-emitter.ts),
 * after the receipt delay; `GET/PUT /receipts` on the admin port turns them off or changes the delay.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { closeServer, listen } from '../mock-vendor/fake-http.ts';
import type { VendorDelivery } from '../mock-vendor/mock-vendor.ts';
import { SendWindow } from '../mock-vendor/vendor-faults.ts';
import { handleProviderAdmin } from './provider-admin.ts';
import {
  NO_PROVIDER_FAULTS,
  type ProviderError,
  type ProviderFaults,
  type ProviderProtocol,
  type ProviderSend,
  type WireAnswer,
} from './provider-protocol.ts';
import { ReceiptEmitter, type ReceiptSettings } from './receipt-emitter.ts';

/** How to start a fake. */
export interface ProviderFakeOptions {
  readonly name: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  readonly adminPort?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default $HERALD_VENDOR_LOG or .herald/vendor-deliveries.jsonl */
  readonly logPath?: string;
  readonly faults?: Partial<ProviderFaults>;
  /** The local event bus's PutEvents endpoint, where receipts go. @default none (no receipts published) */
  readonly eventBusUrl?: string;
  readonly receipts?: Partial<ReceiptSettings>;
}

/** A running fake. */
export interface ProviderFake {
  readonly name: string;
  /** The endpoint to give the SDK client. */
  readonly url: string;
  readonly adminUrl: string;
  readonly port: number;
  readonly logPath: string;
  setFaults(faults: Partial<ProviderFaults>): Promise<ProviderFaults>;
  faults(): ProviderFaults;
  setReceipts(settings: Partial<ReceiptSettings>): ReceiptSettings;
  receipts(): ReceiptSettings;
  /** Resolves when every receipt scheduled so far was published or given up (tests). */
  drainReceipts(): Promise<void>;
  /** Receipt events published, and given up on (bus unreachable), since start. */
  receiptCounts(): { published: number; failed: number };
  /** Accepted sends, in order, repeats included. */
  deliveries(): readonly VendorDelivery[];
  /** Requests received (any outcome). */
  requestCount(): number;
  close(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[a-z0-9-]+\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;

function write(response: ServerResponse, answer: WireAnswer): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  response.end(answer.body);
}

/** Starts a provider fake speaking `protocol`; resolves when both ports listen. */
export async function startProviderFake(
  protocol: ProviderProtocol,
  options: ProviderFakeOptions,
): Promise<ProviderFake> {
  const host = options.host ?? '127.0.0.1';
  const logPath = resolve(
    options.logPath ?? process.env[EnvKey.vendorLog] ?? '.herald/vendor-deliveries.jsonl',
  );
  mkdirSync(dirname(logPath), { recursive: true });
  let faults: ProviderFaults = { ...NO_PROVIDER_FAULTS, ...options.faults };
  const accepted: VendorDelivery[] = [];
  let requests = 0;
  const window = new SendWindow();
  const emitter = new ReceiptEmitter({
    ...(options.eventBusUrl ? { eventBusUrl: options.eventBusUrl } : {}),
    ...(options.receipts ? { settings: options.receipts } : {}),
  });
  const emitReceipts = (send: ProviderSend, messageId: string, sentAt: Date) => {
    const build = send.receipts;
    if (!build) return;
    emitter.emit((eventAt) => build(messageId, sentAt, eventAt), {
      vendor: options.name,
      deliveryId: send.deliveryId,
      requestId: send.requestId,
    });
  };
  const dice = (rate: number) => rate > 0 && Math.random() < rate;

  async function answer(method: string, url: string, headers: IncomingHttpHeaders, body: string) {
    const requestId = randomUUID();
    const fail = (error: ProviderError) => protocol.error(error, requestId);
    const match = SIGV4.exec(String(headers.authorization ?? ''));
    if (!match || match[1] !== protocol.signingName) return fail(protocol.missingAuthentication());
    const parsed = protocol.parse({ method, url, headers, body });
    if (!('to' in parsed)) return fail(parsed);
    const current = faults;
    await sleep(current.latencyMs);
    if (current.failWith) return fail(protocol.named(current.failWith) ?? protocol.unavailable());
    if (dice(current.throttleRate) || !window.admit(current.maxPerSecond)) return fail(protocol.throttled());
    if (dice(current.errorRate)) return fail(protocol.unavailable());
    if (current.rejectTo.includes(parsed.to)) return fail(protocol.rejected());
    const messageId = randomUUID();
    const delivery: VendorDelivery = {
      time: new Date().toISOString(),
      vendor: options.name,
      channel: protocol.channel,
      to: parsed.to,
      deliveryId: parsed.deliveryId,
      requestId: parsed.requestId,
      vendorMessageId: messageId,
    };
    accepted.push(delivery);
    appendFileSync(logPath, `${JSON.stringify(delivery)}\n`);
    const sentAt = new Date(delivery.time);
    // Timeout fault: delivered, but the answer never comes; the socket closes when the client gives up.
    // The message still reaches its recipient, so its receipts still come.
    if (dice(current.timeoutRate)) {
      emitReceipts(parsed, messageId, sentAt);
      return undefined;
    }
    return { ...protocol.accepted(messageId), after: () => emitReceipts(parsed, messageId, sentAt) };
  }

  const api = createServer((request, response) => {
    requests++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      answer(request.method ?? '', request.url ?? '', request.headers, body)
        .then((result) => {
          if (!result) return;
          write(response, result);
          // Why after the write: a receipt never races ahead of the answer that accepted the send.
          if ('after' in result) result.after();
        })
        .catch(() => write(response, protocol.error(protocol.unavailable(), randomUUID())));
    });
  });
  const port = await listen(api, options.port ?? 0, host);

  async function setFaults(change: Partial<ProviderFaults>): Promise<ProviderFaults> {
    faults = { ...faults, ...change };
    if (faults.down && api.listening) await closeServer(api);
    if (!faults.down && !api.listening) await listen(api, port, host);
    return faults;
  }

  const admin = createServer((request, response) => {
    handleProviderAdmin(request, response, protocol, {
      setFaults,
      faults: () => faults,
      setReceipts: (patch) => emitter.setSettings(patch),
      receipts: () => emitter.settings(),
      deliveries: () => accepted,
    }).catch(() => write(response, { status: 500, headers: {}, body: '{"error":"internal"}' }));
  });
  const adminPort = await listen(admin, options.adminPort ?? 0, host);
  if (faults.down) await closeServer(api);

  return {
    name: options.name,
    url: `http://${host}:${port}`,
    adminUrl: `http://${host}:${adminPort}`,
    port,
    logPath,
    setFaults,
    faults: () => faults,
    setReceipts: (patch) => emitter.setSettings(patch),
    receipts: () => emitter.settings(),
    drainReceipts: () => emitter.drain(),
    receiptCounts: () => emitter.counts(),
    deliveries: () => accepted,
    requestCount: () => requests,
    close: async () => {
      await Promise.all([closeServer(api), closeServer(admin), emitter.close()]);
    },
  };
}
