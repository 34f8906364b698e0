/**
 * A Kafka broker restart in the middle of a run, on this file's OWN broker (separate home and ports,
 * so the shared test broker is never disturbed): requests keep coming (clients retry 503 with their
 * Idempotency-Key), the event source mapping reconnects, and every recipient reaches a vendor
 * exactly once.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalEnv } from '../../../local/infra/local-env.ts';
import { KAFKA_VERSION, resolveKafkaClasspath } from '../../../local/kafka/kafka-jars.ts';
import { KafkaBroker } from '../../../local/kafka/kafka-launcher.ts';
import { testEngines } from '../../support/engines.ts';
import {
  type E2eRuntime,
  loggedSends,
  phoneNumbers,
  sendMessage,
  showOutputOnFailure,
  startE2eRuntime,
  tallyDeliveries,
  waitUntilQuiescent,
} from './support/e2e-runtime.ts';

let broker: KafkaBroker;
let e2e: E2eRuntime | undefined;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A broker home that reuses the shared, already downloaded Kafka jars. */
function brokerHome(): string {
  const sharedHome = readLocalEnv().heraldHome;
  const jars = resolveKafkaClasspath(sharedHome).replace(/\/\*$/, '');
  const home = mkdtempSync(join(tmpdir(), 'herald-broker-'));
  mkdirSync(join(home, 'cache'), { recursive: true });
  symlinkSync(jars, join(home, 'cache', `kafka-${KAFKA_VERSION}`));
  return home;
}

async function createTopics(topics: string[], partitions: number): Promise<void> {
  const admin = new Kafka({
    clientId: 'e2e-admin',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    // Why the retry: a fresh KRaft broker can report a new topic before its leaders are elected.
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      })
      .catch(() => undefined);
    for (let attempt = 1; ; attempt++) {
      const metadata = await admin.fetchTopicMetadata({ topics }).catch(() => undefined);
      if (
        metadata?.topics.every(
          (t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0),
        )
      )
        return;
      if (attempt >= 40) throw new Error(`topics ${topics.join(', ')} have no leaders`);
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  broker = new KafkaBroker({ home: brokerHome(), port: await freePort(), controllerPort: await freePort() });
  await broker.start();
  e2e = await startE2eRuntime(broker.brokers, testEngines().redisUrl, { createTopics });
});

afterAll(async () => {
  await e2e?.stop();
  await broker?.stop();
  if (broker) rmSync(broker.options.home, { recursive: true, force: true });
});

describe('the local pipeline across a broker restart', () => {
  it('loses nothing and doubles nothing when the Kafka broker restarts mid-run', async () => {
    showOutputOnFailure(e2e as E2eRuntime);
    const runtime = (e2e as E2eRuntime).runtime;
    const requests = Array.from({ length: 20 }, () => ({ recipients: phoneNumbers(100), key: randomUUID() }));
    const requestIds = new Set<string>();
    const send = async (request: { recipients: string[]; key: string }) => {
      const result = await sendMessage(runtime.apiUrl, request.recipients, {
        idempotencyKey: request.key,
        maxWaitMs: 120_000,
      });
      requestIds.add(result.requestId);
      return result;
    };

    // Act: half the requests, then a restart while the other half arrive.
    const before = await Promise.all(requests.slice(0, 10).map(send));
    while (loggedSends((e2e as E2eRuntime).vendorLogPath, requestIds).length < 200) await sleep(20);
    const stopped = broker.stop();
    const during = Promise.all(requests.slice(10).map(send));
    expect(await stopped).toBe('stopped');
    await broker.start();
    const after = await during;
    await waitUntilQuiescent(e2e as E2eRuntime, requestIds, 0, 150_000);

    // Assess
    expect([...before, ...after].map((r) => r.status)).toEqual(Array(20).fill(202));
    const accepted = [...before, ...after];
    const tally = await tallyDeliveries(
      e2e as E2eRuntime,
      new Map(accepted.map((a, i) => [a.requestId, requests[i]?.recipients ?? []])),
    );
    console.log(`broker restart: ${JSON.stringify(tally)}`);
    expect(tally.duplicates).toBe(0);
    expect(tally.unsettled).toEqual([]);
    expect(tally.sentNotOnce).toEqual([]);
    expect(tally.sent + tally.held).toBe(2_000);
  }, 240_000);
});
