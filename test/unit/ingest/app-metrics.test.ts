/**
 * EMF metrics of the ingest app when one execution environment serves overlapping requests (the local
 * API Gateway emulator does; Lambda does not): every request is counted once, and a request whose
 * metrics another one already flushed prints no "No application metrics to publish" warning.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RequestStatus } from '../../../lambdas/ports/status-store.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';
import { apiEvent, smsBody } from './support/api-event.ts';
import { fakeIngest } from './support/harness.ts';

/** A Metrics instance whose EMF lines go to `console.log` (POWERTOOLS_DEV) and warnings to `warn`. */
function capturedMetrics(warn: (message: string) => void): Metrics {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  try {
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    return new Metrics({ namespace: 'HeraldTest', serviceName: 'herald-ingest-test', logger });
  } finally {
    vi.unstubAllEnvs();
  }
}

/** A status store whose reads wait for `open()`. */
class GatedStatusStore extends InMemoryStatusStore {
  readonly #gate = Promise.withResolvers<void>();
  open(): void {
    this.#gate.resolve();
  }
  override async read(requestId: string, clientId: string): Promise<RequestStatus | undefined> {
    await this.#gate.promise;
    return super.read(requestId, clientId);
  }
}

/** Sum of `name` over the EMF lines printed so far. */
function emfSum(lines: readonly unknown[][], name: string): number {
  return lines
    .map(([line]) => JSON.parse(String(line)) as Record<string, unknown>)
    .flatMap((emf) => emf[name])
    .reduce((sum: number, value) => sum + (typeof value === 'number' ? value : 0), 0);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ingest metrics', () => {
  it('counts overlapping requests once each and never warns about an empty flush', async () => {
    // Prepare
    const warn = vi.fn();
    const emf = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const statuses = new GatedStatusStore();
    const ingest = fakeIngest({ metrics: capturedMetrics(warn), statuses });

    // Act: a status read stays in flight while a send starts and finishes (and flushes).
    const reading = ingest.call(apiEvent({ method: 'GET', path: `/v1/messages/${'f'.repeat(64)}` }));
    const sent = await ingest.call(apiEvent({ body: smsBody() }));
    statuses.open();
    const read = await reading;

    // Assess
    expect([sent.statusCode, read.statusCode]).toEqual([202, 404]);
    expect(emfSum(emf.mock.calls, 'Requests')).toBe(2);
    expect(emfSum(emf.mock.calls, 'RequestsAccepted')).toBe(1);
    expect(warn).not.toHaveBeenCalled();
  });
});
