/**
 * The ingest app wired to in-memory fakes, plus helpers to call it like API Gateway would.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createIngestApp, type IngestAppDeps, type IngestHandler } from '../../../../lambdas/ingest/app.ts';
import type { HttpResponse } from '../../../../lambdas/ingest/http-errors.ts';
import { InMemoryIdempotencyStore } from '../../../fakes/in-memory-idempotency-store.ts';
import { InMemoryMessageProducer } from '../../../fakes/in-memory-message-producer.ts';
import { InMemoryStatusStore } from '../../../fakes/in-memory-status-store.ts';
import { lambdaContext } from './api-event.ts';

/** The topic the harness produces to. */
export const TOPIC = 'herald.deliveries';

/** A Metrics instance that never prints (POWERTOOLS_METRICS_DISABLED is read at construction). */
export function quietMetrics(): Metrics {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  try {
    return new Metrics({ namespace: 'HeraldTest', serviceName: 'herald-ingest-test' });
  } finally {
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
}

/** A response with its body parsed. */
export type ParsedResponse = HttpResponse & { json: Record<string, unknown> };

/** Calls a handler with an event and parses the JSON body. */
export async function invoke(app: IngestHandler, event: APIGatewayProxyEventV2): Promise<ParsedResponse> {
  const response = await app(event, lambdaContext());
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
}

/** The ingest app on fakes; override any dependency. */
export function fakeIngest(overrides: Partial<IngestAppDeps> = {}) {
  const producer = new InMemoryMessageProducer([TOPIC]);
  const idempotency = new InMemoryIdempotencyStore();
  const statuses = new InMemoryStatusStore();
  const deps: IngestAppDeps = {
    producer,
    idempotency,
    statuses,
    topic: TOPIC,
    auth: { mode: 'iam' },
    logger: new Logger({ serviceName: 'herald-ingest-test', logLevel: 'SILENT' }),
    metrics: quietMetrics(),
    ...overrides,
  };
  const app = createIngestApp(deps);
  // Why getters on deps: what a test asserts on must be what the app was built with, overrides
  // included; reading a fake the test replaced with something else throws instead of reading a stray.
  return {
    app,
    deps,
    get producer() {
      return wired(deps.producer, InMemoryMessageProducer, 'producer');
    },
    get idempotency() {
      return wired(deps.idempotency, InMemoryIdempotencyStore, 'idempotency');
    },
    get statuses() {
      return wired(deps.statuses, InMemoryStatusStore, 'statuses');
    },
    call: (event: APIGatewayProxyEventV2) => invoke(app, event),
    records: () => wired(deps.producer, InMemoryMessageProducer, 'producer').records(deps.topic),
  };
}

/** The wired dependency as its fake type; throws when a test overrode it with something else. */
function wired<T>(dependency: unknown, fake: abstract new (...args: never[]) => T, name: string): T {
  if (dependency instanceof fake) return dependency;
  throw new Error(`the app's ${name} is not a ${fake.name}: assert on the object you passed in`);
}
