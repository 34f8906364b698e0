/** The dispatch app wired to in-memory fakes, with three fake SMS vendors (a, b, c). */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MSKEvent } from 'aws-lambda';
import { vi } from 'vitest';
import type { KafkaBatchResponse } from '../../../../lambdas/core/msk-event.ts';
import { createDispatchApp, type DispatchAppDeps } from '../../../../lambdas/dispatch/app.ts';
import { FakeVendor } from '../../../fakes/fake-vendor.ts';
import { InMemoryDeadLetterSink } from '../../../fakes/in-memory-dead-letter-sink.ts';
import { InMemoryDedupStore } from '../../../fakes/in-memory-dedup-store.ts';
import { InMemoryStatusStore } from '../../../fakes/in-memory-status-store.ts';
import { lambdaContext } from './deliveries.ts';

/** A Metrics instance that never prints (POWERTOOLS_METRICS_DISABLED is read at construction). */
export function quietMetrics(): Metrics {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  try {
    return new Metrics({ namespace: 'HeraldTest', serviceName: 'herald-dispatch-test' });
  } finally {
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
}

/** The dispatch app on fakes; override any dependency. */
export function fakeDispatch(overrides: Partial<DispatchAppDeps> = {}) {
  const vendors = { a: new FakeVendor('sms-a'), b: new FakeVendor('sms-b'), c: new FakeVendor('sms-c') };
  const dedup = new InMemoryDedupStore({ windowSeconds: 3600, leaseMs: 60_000 });
  const deadLetters = new InMemoryDeadLetterSink();
  const statuses = new InMemoryStatusStore();
  const metrics = quietMetrics();
  const addMetric = vi.spyOn(metrics, 'addMetric');
  const deps: DispatchAppDeps = {
    dedup,
    deadLetters,
    statuses,
    vendors: Object.values(vendors).map((vendor) => ({
      vendor,
      timeoutMs: 1_000,
      guard: { maxConcurrent: 4, failureThreshold: 1_000, halfOpenAfterMs: 30_000 },
    })),
    routes: {
      sms: {
        primary: { name: 'sms-a', weight: 100 },
        secondary: { name: 'sms-b', weight: 0 },
        tertiary: { name: 'sms-c', weight: 0 },
      },
    },
    ambiguousRetryPolicy: 'same-vendor-then-failover',
    claimLeaseMs: 60_000,
    reportBatchItemFailures: true,
    logger: new Logger({ serviceName: 'herald-dispatch-test', logLevel: 'SILENT' }),
    metrics,
    ...overrides,
  };
  const app = createDispatchApp(deps);
  const invoke = (event: MSKEvent): Promise<KafkaBatchResponse> => app(event, lambdaContext());
  /** Sum of a metric over every addMetric call so far. */
  const metric = (name: string) =>
    addMetric.mock.calls
      .filter(([metricName]) => metricName === name)
      .reduce((sum, call) => sum + Number(call[2]), 0);
  return { app, invoke, deps, vendors, dedup, deadLetters, statuses, metric };
}
