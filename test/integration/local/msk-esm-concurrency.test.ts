/**
 * The MSK event source mapping emulator runs partitions concurrently, as AWS does: one batch in flight
 * per partition, each partition in offset order, every batch in its own execution environment. Checked
 * on the real broker with a function that logs when each invocation started and ended.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

const modulePath = fileURLToPath(new URL('./functions/timed-function.ts', import.meta.url));
const topics: string[] = [];
const running: Array<{ esm: MskEventSourceMapping; fn: FunctionProcess }> = [];
let admin: Admin;
let producer: Producer;

interface Invocation {
  readonly pid: number;
  readonly ids: string[];
  readonly startedAt: number;
  readonly endedAt: number;
}

beforeAll(async () => {
  admin = testKafka('esm-conc-admin').admin();
  producer = testKafka('esm-conc-producer').producer();
  await Promise.all([admin.connect(), producer.connect()]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map(({ esm, fn }) => esm.stop(() => fn.stop())));
});

afterAll(async () => {
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  if (topics.length > 0) await deleteTestTopics(topics);
});

async function setUp(partitions: number, values: string[][], sleepMs: number, batchSize: number) {
  const topic = uniqueName('esm-conc');
  await createTestTopics([topic], partitions);
  topics.push(topic);
  await producer.send({
    topic,
    acks: -1,
    messages: values.flatMap((list, partition) => list.map((value) => ({ value, partition }))),
  });
  const dir = mkdtempSync(join(tmpdir(), 'esm-conc-'));
  const log = join(dir, 'invocations.jsonl');
  const groupId = uniqueName('esm-conc-group');
  const fn = new FunctionProcess({
    functionName: 'esm-concurrency',
    modulePath,
    timeoutMs: 10_000,
    environment: { INVOCATION_LOG: log, STATE_DIR: dir, SLEEP_MS: String(sleepMs) },
    log: () => undefined,
  });
  const esm = await startMskEventSourceMapping({
    brokers: testEngines().kafkaBrokers,
    config: {
      topics: [topic],
      consumerGroupId: groupId,
      batchSize,
      maximumBatchingWindowMs: 100,
      retryBackoffMs: { initial: 50, max: 200 },
    },
    invoke: (event) => fn.invoke(event),
    log: () => undefined,
  });
  running.push({ esm, fn });
  return { topic, log, groupId };
}

function invocations(log: string): Invocation[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Invocation);
}

async function committed(groupId: string, topic: string): Promise<string> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? [])
    .sort((a, b) => a.partition - b.partition)
    .map((p) => p.offset)
    .join();
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const partitionsOf = (invocation: Invocation) => new Set(invocation.ids.map((id) => id.split('@')[0]));
const overlaps = (a: Invocation, b: Invocation) => a.startedAt < b.endedAt && b.startedAt < a.endedAt;

describe('startMskEventSourceMapping concurrency', () => {
  it('runs two partitions’ batches at the same time, in different execution environments', async () => {
    const { topic, log, groupId } = await setUp(2, [Array(4).fill('ok'), Array(4).fill('ok')], 400, 2);

    await waitFor(async () => (await committed(groupId, topic)) === '4,4');

    const all = invocations(log);
    const of = (p: number) => all.filter((i) => partitionsOf(i).has(`${topic}-${p}`));
    const pairs = of(0).flatMap((a) => of(1).map((b) => [a, b] as const));
    const overlapping = pairs.filter(([a, b]) => overlaps(a, b));
    expect(overlapping.length).toBeGreaterThan(0);
    expect(overlapping.every(([a, b]) => a.pid !== b.pid)).toBe(true);
  });

  it('keeps each partition in offset order with one batch in flight at a time', async () => {
    const values = [0, 1, 2].map(() => Array(12).fill('ok'));
    const { topic, log, groupId } = await setUp(3, values, 50, 4);

    await waitFor(async () => (await committed(groupId, topic)) === '12,12,12');

    const all = invocations(log).sort((a, b) => a.startedAt - b.startedAt);
    for (const p of [0, 1, 2]) {
      const key = `${topic}-${p}`;
      const mine = all.filter((i) => partitionsOf(i).has(key));
      for (const [i, invocation] of mine.entries()) {
        const previous = mine[i - 1];
        if (previous) expect(invocation.startedAt).toBeGreaterThanOrEqual(previous.endedAt);
      }
      const offsets = mine.flatMap((i) => i.ids.filter((id) => id.startsWith(`${key}@`)));
      expect(offsets).toEqual(Array.from({ length: 12 }, (_, o) => `${key}@${o}`));
    }
  });

  it('redelivers only the batch whose environment crashed while another partition’s batch completes', async () => {
    const { topic, log, groupId } = await setUp(
      2,
      [
        ['ok', 'crash-once'],
        ['ok', 'ok'],
      ],
      300,
      2,
    );

    await waitFor(async () => (await committed(groupId, topic)) === '2,2');

    const all = invocations(log);
    const ids = all.flatMap((i) => i.ids);
    expect(ids.sort()).toEqual([`${topic}-0@0`, `${topic}-0@1`, `${topic}-1@0`, `${topic}-1@1`].sort());
  });
});
