import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EsmConfigInput } from '../../../local/msk-esm/esm-config.ts';
import { FunctionProcess } from '../../../local/msk-esm/function-process.ts';
import {
  type MskEventSourceMapping,
  startMskEventSourceMapping,
} from '../../../local/msk-esm/msk-event-source-mapping.ts';
import { FailureHeader } from '../../../local/msk-esm/on-failure-destination.ts';
import {
  createTestTopics,
  deleteTestTopics,
  testEngines,
  testKafka,
  uniqueName,
} from '../../support/engines.ts';

const modulePath = fileURLToPath(new URL('./functions/scripted-function.ts', import.meta.url));
const topics: string[] = [];
let admin: Admin;
let producer: Producer;
const running: Array<{ esm: MskEventSourceMapping; fn: FunctionProcess }> = [];

interface Invocation {
  pid: number;
  ids: string[];
  keys: string[];
}

beforeAll(async () => {
  admin = testKafka('esm-test-admin').admin();
  producer = testKafka('esm-test-producer').producer();
  await Promise.all([admin.connect(), producer.connect()]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map(({ esm, fn }) => esm.stop(() => fn.stop())));
});

afterAll(async () => {
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  if (topics.length > 0) await deleteTestTopics(topics);
});

async function newTopic(partitions: number): Promise<string> {
  const topic = uniqueName('esm');
  await createTestTopics([topic], partitions);
  topics.push(topic);
  return topic;
}

/** Produces `commands` round-robin over `partitions`; returns nothing until acknowledged. */
async function produce(topic: string, partitions: number, commands: readonly string[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: commands.map((value, i) => ({
      key: `k${i}`,
      value,
      partition: i % partitions,
      headers: { h: 'x' },
    })),
  });
}

async function startEsm(
  config: Partial<EsmConfigInput> & { topics: string[] },
): Promise<{ log: string; groupId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'esm-'));
  const log = join(dir, 'invocations.jsonl');
  const groupId = uniqueName('esm-group');
  const fn = new FunctionProcess({
    functionName: 'esm-test',
    modulePath,
    timeoutMs: 5_000,
    environment: { INVOCATION_LOG: log, STATE_DIR: dir },
    log: () => undefined,
  });
  const esm = await startMskEventSourceMapping({
    brokers: testEngines().kafkaBrokers,
    config: {
      consumerGroupId: groupId,
      maximumBatchingWindowMs: 200,
      retryBackoffMs: { initial: 50, max: 200 },
      ...config,
    },
    invoke: (event) => fn.invoke(event),
    log: () => undefined,
  });
  running.push({ esm, fn });
  return { log, groupId };
}

function invocations(log: string): Invocation[] {
  return existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Invocation)
    : [];
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('startMskEventSourceMapping', () => {
  it('delivers every record once, several partitions per event in offset order, and commits to the end', async () => {
    const topic = await newTopic(3);
    await produce(topic, 3, Array(90).fill('ok'));

    const { log, groupId } = await startEsm({ topics: [topic], batchSize: 40 });
    await waitFor(async () => (await committed(groupId, topic)).join() === '30,30,30');

    const all = invocations(log);
    const ids = all.flatMap((i) => i.ids);
    expect(ids).toHaveLength(90);
    expect(new Set(ids).size).toBe(90);
    expect(Math.max(...all.map((i) => i.ids.length))).toBeLessThanOrEqual(40);
    expect(all.some((i) => i.keys.length > 1)).toBe(true);
    for (const invocation of all) {
      for (const key of invocation.keys) {
        const offsets = invocation.ids
          .filter((id) => id.startsWith(`${key}@`))
          .map((id) => Number(id.split('@')[1]));
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      }
    }
  });

  it('commits nothing while the function keeps failing (on-demand retries the whole batch)', async () => {
    const topic = await newTopic(1);
    await produce(topic, 1, ['ok', 'throw', 'ok']);

    const { log, groupId } = await startEsm({ topics: [topic] });
    await waitFor(async () => invocations(log).length >= 3);

    const all = invocations(log);
    expect(all.every((i) => i.ids.join() === all[0]?.ids.join())).toBe(true);
    expect(await committed(groupId, topic)).toEqual([-1]);
  });

  it('redelivers the batch of an invocation whose process was killed, to a fresh process', async () => {
    const topic = await newTopic(2);
    await produce(topic, 2, ['ok', 'ok', 'crash-once', 'ok', 'ok', 'ok']);

    const { log, groupId } = await startEsm({ topics: [topic] });
    await waitFor(async () => (await committed(groupId, topic)).join() === '3,3');

    const all = invocations(log);
    const crashed = all.find((i) => i.ids.includes(`${topic}-0@1`)) as Invocation;
    const retried = all.filter((i) => i.ids.includes(`${topic}-0@1`));
    expect(retried.length).toBe(2);
    expect(retried[1]?.pid).not.toBe(crashed.pid);
    expect(new Set(all.flatMap((i) => i.ids))).toEqual(
      new Set([0, 1, 2].flatMap((o) => [`${topic}-0@${o}`, `${topic}-1@${o}`])),
    );
  });

  it('in provisioned mode, retries reported records and sends the exhausted ones to the Kafka destination', async () => {
    const topic = await newTopic(2);
    const failedTopic = await newTopic(1);
    await produce(topic, 2, ['ok', 'ok', 'ok', 'fail', 'ok', 'ok']);

    const { log, groupId } = await startEsm({
      topics: [topic],
      mode: 'provisioned',
      reportBatchItemFailures: true,
      maximumRetryAttempts: 1,
      onFailureDestination: `kafka://${failedTopic}`,
    });
    await waitFor(async () => (await committed(groupId, topic)).join() === '3,3');

    // Partition 1 holds offsets 0 (ok), 1 (fail), 2 (ok): the retry resumes it from offset 1, once.
    const withFailure = invocations(log).filter((i) => i.ids.includes(`${topic}-1@1`));
    expect(withFailure).toHaveLength(2);
    expect(withFailure[1]?.ids).toEqual([`${topic}-1@1`, `${topic}-1@2`]);
    const dead = await readTopic(failedTopic, 2);
    expect(dead.map((m) => m.value)).toEqual(['fail', 'ok']);
    expect(dead[0]?.headers).toMatchObject({
      h: 'x',
      [FailureHeader.condition]: 'RetryAttemptsExhausted',
      [FailureHeader.sourceTopic]: topic,
      [FailureHeader.sourcePartition]: '1',
      [FailureHeader.sourceOffset]: '1',
    });
  });
});

async function readTopic(
  topic: string,
  count: number,
): Promise<Array<{ value: string; headers: Record<string, string> }>> {
  const consumer = testKafka('esm-test-reader').consumer({ groupId: uniqueName('reader') });
  const messages: Array<{ value: string; headers: Record<string, string> }> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      messages.push({ value: String(message.value), headers });
    },
  });
  await waitFor(async () => messages.length >= count);
  await consumer.disconnect();
  return messages;
}
