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
    tiers: {
      sms: {
        primary: { name: 'sms-a', weight: 100 },
        secondary: { name: 'sms-b', weight: 0 },
        tertiary: { name: 'sms-c', weight: 0 },
      },
    },
    ambiguousRetryPolicy: 'hold',
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
  // Why from deps: what a test asserts on must be what the app was built with, overrides included.
  return {
    app,
    invoke,
    deps,
    vendors: wiredVendors(deps),
    dedup: wired(deps.dedup, InMemoryDedupStore, 'dedup'),
    deadLetters: wired(deps.deadLetters, InMemoryDeadLetterSink, 'deadLetters'),
    statuses: wired(deps.statuses, InMemoryStatusStore, 'statuses'),
    metric,
  };
}

/** The wired dependency as its fake type; throws when a test overrode it with something else. */
function wired<T>(dependency: unknown, fake: abstract new (...args: never[]) => T, name: string): T {
  if (dependency instanceof fake) return dependency;
  throw new Error(`the app's ${name} is not a ${fake.name}: assert on the object you passed in`);
}

/** The FakeVendors named sms-a, sms-b and sms-c in the app's vendors; reading one that is not wired throws. */
function wiredVendors(deps: DispatchAppDeps): Record<'a' | 'b' | 'c', FakeVendor> {
  const byName = (name: string) => () =>
    wired(deps.vendors.find((entry) => entry.vendor.name === name)?.vendor, FakeVendor, `vendor ${name}`);
  const vendors = {} as Record<'a' | 'b' | 'c', FakeVendor>;
  for (const key of ['a', 'b', 'c'] as const)
    Object.defineProperty(vendors, key, { get: byName(`sms-${key}`), enumerable: true });
  return vendors;
}
