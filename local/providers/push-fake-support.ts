/**
 * What the push provider fakes (FCM, APNs) share with local/mock-vendor: the run-time faults and their
 * admin endpoint (the same routes, so the runtime drives all fakes alike), and the vendor log
 * (.herald/vendor-deliveries.jsonl, one JSON line per accepted send). Unlike the mock vendor, a
 * provider fake is NOT idempotent: a repeated send is delivered, and logged, again.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { listen } from '../mock-vendor/fake-http.ts';
import type { MockVendor } from '../mock-vendor/mock-vendor.ts';
import { handleAdmin } from '../mock-vendor/mock-vendor-admin.ts';
import {
  type MockVendorFaults,
  NO_FAULTS,
  SendWindow,
  type VendorDelivery,
} from '../mock-vendor/vendor-faults.ts';

/** Options every push provider fake takes. */
export interface PushFakeOptions {
  readonly name: string;
  /** API port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Admin port; 0 picks a free one. @default 0 */
  readonly adminPort?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** JSONL log of accepted sends. @default $HERALD_VENDOR_LOG or .herald/vendor-deliveries.jsonl */
  readonly logPath?: string;
  readonly faults?: Partial<MockVendorFaults>;
}

/**
 * A running push provider fake, driven like a mock vendor (its `url` is the provider endpoint to give
 * the adapter); it keeps no per-key state, so it counts no repeats.
 */
export type PushFake = Omit<MockVendor, 'repeatCount'>;

/** The fault state and vendor log one fake keeps. */
export interface FakeState {
  faults(): MockVendorFaults;
  /** True with probability `rate`. */
  dice(rate: number): boolean;
  /** Whether this send is throttled: the throttleRate fault, or beyond maxPerSecond in the last second. */
  isThrottled(faults: MockVendorFaults): boolean;
  /** Appends an accepted send to the log and the in-memory list. */
  deliver(send: Omit<VendorDelivery, 'time' | 'vendor'>): VendorDelivery;
  deliveries(): readonly VendorDelivery[];
  countRequest(): void;
  requestCount(): number;
}

/** Fault state plus vendor log for the fake `options.name`. */
export function createFakeState(options: PushFakeOptions): FakeState & {
  readonly logPath: string;
  update(change: Partial<MockVendorFaults>): MockVendorFaults;
} {
  const logPath = resolve(
    options.logPath ?? process.env[EnvKey.vendorLog] ?? '.herald/vendor-deliveries.jsonl',
  );
  mkdirSync(dirname(logPath), { recursive: true });
  let faults: MockVendorFaults = { ...NO_FAULTS, ...options.faults };
  const accepted: VendorDelivery[] = [];
  let requests = 0;
  const window = new SendWindow();
  const dice = (rate: number) => rate > 0 && Math.random() < rate;
  return {
    logPath,
    faults: () => faults,
    update: (change) => {
      faults = { ...faults, ...change };
      return faults;
    },
    dice,
    isThrottled: (current) => dice(current.throttleRate) || !window.admit(current.maxPerSecond),
    deliver: (send) => {
      const delivery: VendorDelivery = { time: new Date().toISOString(), vendor: options.name, ...send };
      accepted.push(delivery);
      appendFileSync(logPath, `${JSON.stringify(delivery)}\n`);
      return delivery;
    },
    deliveries: () => accepted,
    countRequest: () => void requests++,
    requestCount: () => requests,
  };
}

/** Starts the admin endpoint (local/mock-vendor/mock-vendor-admin.ts routes); resolves its URL and closer. */
export async function startAdmin(
  host: string,
  port: number,
  state: FakeState,
  setFaults: (faults: Partial<MockVendorFaults>) => Promise<MockVendorFaults>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    handleAdmin(request, response, { setFaults, faults: state.faults, deliveries: state.deliveries }).catch(
      () => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"error":"internal"}');
      },
    );
  });
  const adminPort = await listen(server, port, host);
  return {
    url: `http://${host}:${adminPort}`,
    close: async () => {
      const closed = new Promise((done) => server.close(done));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Reads a request body as a UTF-8 string. */
export async function readText(request: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON object, or undefined. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
