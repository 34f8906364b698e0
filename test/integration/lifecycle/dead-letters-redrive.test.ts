/**
 * Dead-lettered deliveries and redrive on the real engines: the MSK event source mapping emulator
 * gives up on records the dispatcher keeps failing (retries exhausted → its Kafka on-failure
 * destination, the dead-letter topic); the dead-letters app, fed by a second mapping on that topic,
 * records them `failed: retries exhausted`; once the dispatcher works again, `herald redrive` puts them
 * back and each is sent exactly once; a second redrive sends nothing.
 */
import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { MSKEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redriveDeadLetters } from '../../../cli/redrive-dead-letters.ts';
import { DeadLetterCause } from '../../../lambdas/core/dead-letter.ts';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
import { createDeadLettersApp } from '../../../lambdas/dead-letters/app.ts';
import {
  type MskEventSourceMapping,
  startMskEventSourceMapping,
} from '../../../local/msk-esm/msk-event-source-mapping.ts';
import { testEngines, testKafka, uniqueName } from '../../support/engines.ts';
import { lambdaContext, makeDelivery } from '../../unit/dispatch/support/deliveries.ts';
import { quietMetrics } from '../../unit/ingest/support/harness.ts';
import {
  type DispatchHarness,
  sendCounts,
  startDispatchHarness,
} from '../dispatch/support/dispatch-harness.ts';

const COUNT = 100;
let h: DispatchHarness;
let isDispatchBroken = true;
const mappings: MskEventSourceMapping[] = [];
const RUN = uniqueName('redrive');
const deliveries: Delivery[] = Array.from({ length: COUNT }, (_, i) =>
  makeDelivery({
    // Ten requests, with request ids as ingest makes them (64 hex digits: the status store keys by them).
    requestId: createHash('sha256')
      .update(`${RUN}-${i % 10}`)
      .digest('hex'),
  }),
);

async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  isDone: (value: T) => boolean,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (isDone(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function statesOf(): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const requestIds = [...new Set(deliveries.map((d) => d.requestId))];
  for (const requestId of requestIds) {
    for (const d of deliveries.filter((delivery) => delivery.requestId === requestId)) {
      const r = await h.statuses.readDelivery(requestId, 'client-a', d.deliveryId);
      if (r) states.set(d.deliveryId, `${r.state}${r.reason ? `: ${r.reason}` : ''}`);
    }
  }
  return states;
}

/** Records of the deliveries topic the dispatch mapping has not committed yet. */
async function dispatchLag(groupId: string): Promise<number> {
  const admin = testKafka('herald-test-lag').admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(h.topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [h.topic] });
    return ends.reduce((lag, end) => {
      const done = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      return lag + Number(end.high) - Math.max(0, done);
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

const dispatchGroup = uniqueName('dispatch-group');

beforeAll(async () => {
  h = await startDispatchHarness({ partitions: 2 });
  for (const requestId of new Set(deliveries.map((d) => d.requestId))) {
    const mine = deliveries.filter((d) => d.requestId === requestId);
    await h.statuses.recordAccepted({
      requestId,
      clientId: 'client-a',
      acceptedAt: new Date().toISOString(),
      deliveries: mine.map((d, position) => ({ position, deliveryId: d.deliveryId })),
    });
  }
  const brokers = testEngines().kafkaBrokers;
  mappings.push(
    await startMskEventSourceMapping({
      brokers,
      config: {
        topics: [h.topic],
        consumerGroupId: dispatchGroup,
        mode: 'provisioned',
        reportBatchItemFailures: true,
        maximumRetryAttempts: 1,
        onFailureDestination: `kafka://${h.deadLetterTopic}`,
        maximumBatchingWindowMs: 100,
        retryBackoffMs: { initial: 20, max: 100 },
      },
      // The dispatcher "bug": every invocation fails until it is fixed.
      invoke: async (event: MSKEvent) =>
        isDispatchBroken
          ? { kind: 'error', error: { errorType: 'Runtime.ExitError', errorMessage: 'dispatcher crashed' } }
          : { kind: 'success', payload: await h.invoke(event) },
      log: () => undefined,
    }),
  );
  const deadLetters = createDeadLettersApp({
    statuses: h.statuses,
    logger: new Logger({ serviceName: 'herald-dead-letters-test', logLevel: 'SILENT' }),
    metrics: quietMetrics(),
  });
  mappings.push(
    await startMskEventSourceMapping({
      brokers,
      config: {
        topics: [h.deadLetterTopic],
        consumerGroupId: uniqueName('dead-letters-group'),
        maximumBatchingWindowMs: 100,
      },
      invoke: async (event: MSKEvent) => ({
        kind: 'success',
        payload: await deadLetters(event, lambdaContext()),
      }),
      log: () => undefined,
    }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(mappings.map((m) => m.stop()));
  await h?.close();
});

describe('dead-lettered deliveries and redrive', () => {
  it('records a delivery the mapping gives up on as failed: retries exhausted', async () => {
    await h.produce(deliveries);

    const states = await waitFor('every delivery failed', statesOf, (s) =>
      deliveries.every((d) => s.get(d.deliveryId)?.startsWith('failed')),
    );

    expect(new Set(deliveries.map((d) => states.get(d.deliveryId)))).toEqual(
      new Set(['failed: retries exhausted']),
    );
    expect(h.vendorLog()).toEqual([]);
  }, 120_000);

  it('lists what would move on a dry run and moves nothing', async () => {
    const summary = await redriveDeadLetters(testKafka('herald-test-redrive'), {
      deadLetterTopic: h.deadLetterTopic,
      deliveriesTopic: h.topic,
      filter: { causes: [DeadLetterCause.retriesExhausted] },
      isDryRun: true,
    });

    expect(summary.moved).toBe(0);
    expect(summary.selected.map((item) => item.deliveryId).sort()).toEqual(
      deliveries.map((d) => d.deliveryId).sort(),
    );
    expect(summary.selected.every((item) => item.reason === 'retries exhausted')).toBe(true);
    expect(JSON.stringify(summary)).not.toContain(deliveries[0]?.recipient);
  });

  it('filters by requestId and by cause', async () => {
    const requestId = deliveries[0]?.requestId as string;
    const kafka = testKafka('herald-test-redrive');
    const base = { deadLetterTopic: h.deadLetterTopic, deliveriesTopic: h.topic, isDryRun: true };

    const one = await redriveDeadLetters(kafka, { ...base, filter: { requestIds: [requestId] } });
    const poison = await redriveDeadLetters(kafka, { ...base, filter: { causes: [DeadLetterCause.poison] } });
    const future = await redriveDeadLetters(kafka, { ...base, filter: { sinceMs: Date.now() + 60_000 } });

    expect(one.selected.map((i) => i.deliveryId).sort()).toEqual(
      deliveries
        .filter((d) => d.requestId === requestId)
        .map((d) => d.deliveryId)
        .sort(),
    );
    expect(poison.selected).toEqual([]);
    expect(future.scanned).toBe(0);
  });

  it('redrives every delivery once fixed; each is sent exactly once and a second redrive sends nothing', async () => {
    isDispatchBroken = false;
    const kafka = testKafka('herald-test-redrive');
    const options = {
      deadLetterTopic: h.deadLetterTopic,
      deliveriesTopic: h.topic,
      filter: { causes: [DeadLetterCause.retriesExhausted] },
      isDryRun: false,
    };

    const first = await redriveDeadLetters(kafka, options);
    await waitFor('every delivery sent', statesOf, (s) =>
      deliveries.every((d) => s.get(d.deliveryId)?.startsWith('sent')),
    );
    await waitFor(
      'dispatch caught up',
      () => dispatchLag(dispatchGroup),
      (lag) => lag === 0,
    );
    const second = await redriveDeadLetters(kafka, options);
    await waitFor(
      'dispatch caught up again',
      () => dispatchLag(dispatchGroup),
      (lag) => lag === 0,
    );

    expect(first.moved).toBe(COUNT);
    expect(second.moved).toBe(COUNT);
    const counts = sendCounts(h.vendorLog());
    expect(counts.size).toBe(COUNT);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 180_000);
});
