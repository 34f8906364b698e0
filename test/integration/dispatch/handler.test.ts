/**
 * handler.ts as Lambda runs it: imported once in its own execution-environment process (the local
 * runtime's FunctionProcess) with its configuration in the environment, wired to the real Kafka,
 * Redis and mock vendor HTTP servers. Fed by the AWS sample event, and by the MSK event source
 * mapping emulator through a full outage of every vendor.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { MSKEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDelivery } from '../../../lambdas/core/send-request.ts';
import { EnvKey } from '../../../lambdas/shared/env-keys.ts';
import { type MockVendor, startMockVendor } from '../../../local/mock-vendor/mock-vendor.ts';
import { FunctionProcess } from '../../../local/msk-esm/function-process.ts';
import {
  type MskEventSourceMapping,
  startMskEventSourceMapping,
} from '../../../local/msk-esm/msk-event-source-mapping.ts';
import {
  createTestTopics,
  deleteTestTopics,
  testEngines,
  testKafka,
  uniqueName,
} from '../../support/engines.ts';
import { makeDelivery } from '../../unit/dispatch/support/deliveries.ts';
import { sendCounts } from './support/dispatch-harness.ts';
import { readDeadLetters } from './support/kafka-topics.ts';

const handlerModule = fileURLToPath(new URL('../../../lambdas/dispatch/handler.ts', import.meta.url));
const sample = JSON.parse(
  readFileSync(new URL('../../fixtures/msk-event.json', import.meta.url), 'utf8'),
) as MSKEvent;
const topic = uniqueName('dispatch-handler-in');
const deadLetterTopic = uniqueName('dispatch-handler-dlq');
const logPath = join(mkdtempSync(join(tmpdir(), 'herald-dispatch-handler-')), 'vendor-deliveries.jsonl');
let vendors: MockVendor[] = [];
let fn: FunctionProcess;

function environment(extra: Record<string, string> = {}): Record<string, string> {
  const [a, b, c] = vendors as [MockVendor, MockVendor, MockVendor];
  const spec = (vendor: MockVendor) => ({
    name: vendor.name,
    url: vendor.url,
    timeoutMs: 1_000,
    halfOpenAfterMs: 300,
  });
  return {
    [EnvKey.kafkaBrokers]: testEngines().kafkaBrokers.join(','),
    [EnvKey.redisUrl]: testEngines().redisUrl,
    [EnvKey.keyPrefix]: `${uniqueName('dsph')}:`,
    [EnvKey.deadLetterTopic]: deadLetterTopic,
    [EnvKey.vendorsJson]: JSON.stringify({
      channels: { sms: { primary: spec(a), secondary: spec(b), tertiary: spec(c) } },
    }),
    [EnvKey.reportBatchItemFailures]: 'true',
    [EnvKey.logLevel]: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...extra,
  };
}

beforeAll(async () => {
  await createTestTopics([topic], 2);
  await createTestTopics([deadLetterTopic], 1);
  vendors = await Promise.all(['sms-a', 'sms-b', 'sms-c'].map((name) => startMockVendor({ name, logPath })));
  fn = new FunctionProcess({
    functionName: 'herald-dispatch',
    modulePath: handlerModule,
    timeoutMs: 30_000,
    environment: environment(),
    log: () => undefined,
  });
});
afterAll(async () => {
  rmSync(dirname(logPath), { recursive: true, force: true });
  await fn.stop();
  await Promise.all(vendors.map((vendor) => vendor.close()));
  await deleteTestTopics([topic, deadLetterTopic]).catch(() => undefined);
});

function vendorLog() {
  try {
    return readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { deliveryId: string; vendor: string });
  } catch {
    return [];
  }
}

describe('dispatch handler.ts', () => {
  it('handles the AWS sample MSK event: its plain-text value goes to the dead-letter topic, nothing is retried', async () => {
    const outcome = await fn.invoke(sample);

    expect(outcome).toEqual({ kind: 'success', payload: { batchItemFailures: [] } });
    const [letter] = await readDeadLetters(deadLetterTopic, 1);
    expect(letter).toMatchObject({
      source: { topic: 'mytopic', partition: 0, offset: 15 },
      reason: 'value is not JSON',
    });
    expect(letter?.value?.toString()).toBe('Hello, this is a test.');
    expect(letter?.key).toEqual(Buffer.from('abcDEFghiJKLmnoPQRstuVWXyz1234==', 'base64'));
  });

  it('under the event source mapping: all vendors down → retried, then each delivered once after one recovers', async () => {
    await Promise.all(vendors.map((vendor) => vendor.setFaults({ down: true })));
    const deliveries = Array.from({ length: 8 }, () => makeDelivery());
    const producer = testKafka('herald-test-handler').producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: deliveries.map(encodeDelivery) });
    await producer.disconnect();
    let invocations = 0;
    let failedResponses = 0;
    const esm: MskEventSourceMapping = await startMskEventSourceMapping({
      brokers: testEngines().kafkaBrokers,
      config: {
        topics: [topic],
        consumerGroupId: uniqueName('dispatch-handler'),
        mode: 'provisioned',
        reportBatchItemFailures: true,
        maximumBatchingWindowMs: 100,
        retryBackoffMs: { initial: 100, max: 400 },
      },
      invoke: async (event) => {
        invocations++;
        const outcome = await fn.invoke(event);
        const failures =
          outcome.kind === 'success'
            ? (outcome.payload as { batchItemFailures: unknown[] }).batchItemFailures
            : [];
        if (failures.length > 0) failedResponses++;
        return outcome;
      },
      log: () => undefined,
    });
    try {
      await waitFor(() => failedResponses >= 3, 20_000);
      expect(vendorLog()).toHaveLength(0);

      await vendors[1]?.setFaults({ down: false });
      await waitFor(() => vendorLog().length >= 8, 30_000);
      await sleep(1_000);
    } finally {
      await esm.stop();
    }
    const counts = sendCounts(vendorLog() as never);
    expect(counts).toEqual(new Map(deliveries.map((d) => [d.deliveryId, 1])));
    expect(vendorLog().every((entry) => entry.vendor === 'sms-b')).toBe(true);
    // Each delivery reached the vendor exactly once: redelivered records were suppressed by Herald,
    // not by the vendor's idempotency.
    expect(vendors[1]?.requestCount()).toBe(8);
    expect(invocations).toBeGreaterThan(failedResponses);
  });
});

describe('dispatch handler.ts in on-demand mode (no partial-batch responses)', () => {
  it('fails the invocation while records need a retry; the whole-batch retries send each delivery once', async () => {
    const onDemandTopic = uniqueName('dispatch-handler-od');
    await createTestTopics([onDemandTopic], 2);
    // Primary and tertiary down, the secondary failing half the calls: the first invocation sends some
    // deliveries (P(none) = P(all) = 2^-30) and must be retried whole for the rest.
    await vendors[0]?.setFaults({ down: true });
    await vendors[1]?.setFaults({ down: false, errorRate: 0.5 });
    await vendors[2]?.setFaults({ down: true });
    const onDemand = new FunctionProcess({
      functionName: 'herald-dispatch-od',
      modulePath: handlerModule,
      timeoutMs: 30_000,
      environment: environment({ [EnvKey.reportBatchItemFailures]: 'false' }),
      log: () => undefined,
    });
    const deliveries = Array.from({ length: 30 }, () => makeDelivery());
    const before = vendorLog().length;
    const producer = testKafka('herald-test-handler').producer();
    await producer.connect();
    await producer.send({ topic: onDemandTopic, acks: -1, messages: deliveries.map(encodeDelivery) });
    await producer.disconnect();
    let errors = 0;
    const esm = await startMskEventSourceMapping({
      brokers: testEngines().kafkaBrokers,
      config: {
        topics: [onDemandTopic],
        consumerGroupId: uniqueName('dispatch-od'),
        maximumBatchingWindowMs: 100,
        retryBackoffMs: { initial: 100, max: 300 },
      },
      invoke: async (event) => {
        const outcome = await onDemand.invoke(event);
        if (outcome.kind === 'error') errors++;
        return outcome;
      },
      log: () => undefined,
    });
    try {
      await waitFor(() => errors >= 1, 20_000);
      expect(vendorLog().length - before).toBeGreaterThan(0);
      await vendors[2]?.setFaults({ down: false });
      await waitFor(() => vendorLog().length - before >= 30, 30_000);
      await sleep(1_000);
    } finally {
      await esm.stop();
      await onDemand.stop();
      await deleteTestTopics([onDemandTopic]).catch(() => undefined);
    }
    const counts = sendCounts(vendorLog().slice(before) as never);
    expect(counts).toEqual(new Map(deliveries.map((d) => [d.deliveryId, 1])));
    expect(vendors.reduce((sum, vendor) => sum + vendor.repeatCount(), 0)).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(100);
  }
}
