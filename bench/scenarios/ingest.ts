/**
 * `ingest`: requests/s and p50/p99 latency of 100-recipient requests through the local API Gateway
 * emulator and the real ingest handler.ts (Kafka acks=all, Redis statuses), with the request dedup
 * (an Idempotency-Key: reserve + complete in Redis) and without it (no key). One request at a time,
 * as one Lambda container serves them.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { type HttpApiHandler, startApiGateway } from '../../local/api-gateway/api-gateway-server.ts';
import { alternate, median, percentile, perSecond, round } from '../harness.ts';
import { requestBody } from './records.ts';
import type { ScenarioContext } from './scenario.ts';

/** Figures of one side. */
export interface IngestSide {
  readonly requestsPerSec: number;
  readonly recordsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
}

/** The `ingest` result. */
export interface IngestResult {
  readonly recipientsPerRequest: number;
  readonly withDedup: IngestSide;
  readonly withoutDedup: IngestSide;
  /** withDedup.p99Ms ÷ withoutDedup.p99Ms (the latency the request dedup adds at the tail). */
  readonly p99Ratio: number;
}

/** Steps this scenario reports to the progress bar. */
export function ingestSteps(rounds: number): number {
  return rounds * 2 + 1;
}

const TOKEN = 'bench-token';

/**
 * Loads the ingest handler with its configuration in this process's environment, as Lambda would
 * (handler.ts reads it once at import). Runs once per process.
 */
async function loadHandler(ctx: ScenarioContext, topic: string): Promise<HttpApiHandler> {
  Object.assign(process.env, {
    KAFKA_BROKERS: ctx.engines.kafkaBrokers.join(','),
    REDIS_URL: ctx.engines.redisUrl,
    HERALD_DELIVERIES_TOPIC: topic,
    HERALD_KEY_PREFIX: `${topic}:`,
    HERALD_AUTH_MODE: 'token',
    HERALD_API_TOKENS: `${TOKEN}=bench-client`,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const module = (await import('../../lambdas/ingest/handler.ts')) as { handler: HttpApiHandler };
  return module.handler;
}

/** Runs the scenario. */
export async function runIngest(ctx: ScenarioContext): Promise<IngestResult> {
  const requests = ctx.isQuick ? 5 : 150;
  const topic = `herald-bench-ingest-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({
    clientId: 'herald-bench-ingest',
    brokers: [...ctx.engines.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
  });
  const gateway = await startApiGateway({ handler: await loadHandler(ctx, topic), port: 0 });
  const post = async (isKeyed: boolean) => {
    const started = performance.now();
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        ...(isKeyed ? { 'idempotency-key': randomUUID() } : {}),
      },
      body: requestBody(100),
    });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${text.slice(0, 200)}`);
    return performance.now() - started;
  };
  const latencies = { withDedup: [] as number[], withoutDedup: [] as number[] };
  const timed = (isKeyed: boolean) => async () => {
    const started = performance.now();
    for (let i = 0; i < requests; i++)
      (isKeyed ? latencies.withDedup : latencies.withoutDedup).push(await post(isKeyed));
    return perSecond(requests, performance.now() - started);
  };
  try {
    for (let i = 0; i < 5; i++) await post(i % 2 === 0); // cold start, connections, scripts
    ctx.step('ingest: handler warm');
    const rates = await alternate(ctx.rounds, timed(true), timed(false), (label) =>
      ctx.step(`ingest ${label.replace('herald', 'withDedup').replace('baseline', 'withoutDedup')}`),
    );
    const side = (rateSamples: number[], ms: number[]): IngestSide => ({
      requestsPerSec: round(median(rateSamples), 1),
      recordsPerSec: round(median(rateSamples) * 100, 0),
      p50Ms: round(percentile(ms, 50), 2),
      p99Ms: round(percentile(ms, 99), 2),
      requests: ms.length,
    });
    const withDedup = side(rates.herald, latencies.withDedup);
    const withoutDedup = side(rates.baseline, latencies.withoutDedup);
    return {
      recipientsPerRequest: 100,
      withDedup,
      withoutDedup,
      p99Ratio: round(withDedup.p99Ms / withoutDedup.p99Ms, 2),
    };
  } finally {
    await gateway.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
