/**
 * The local runtime for one benchmark: its own topics, key prefix and consumer groups, mock vendors at
 * a fixed latency, and a producer that puts Herald's own delivery records straight on a topic (a
 * backlog, or a measured load, without going through the API). `stop` removes what it made.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { deleteByPrefix } from '../../capacity/redis-memory.ts';
import { createRedisClient } from '../../lambdas/adapters/redis-client.ts';
import type { OutboundRecord } from '../../lambdas/ports/message-producer.ts';
import { type Runtime, startRuntime } from '../../local/runtime/runtime.ts';
import { ensureTopics } from '../../local/runtime/topics.ts';
import { requestRecords } from './records.ts';
import type { BenchEngines } from './scenario.ts';

/** The bench token the runtime accepts. */
export const BENCH_TOKEN = 'bench-token';

/** A started runtime and its helpers. */
export interface BenchRuntime {
  readonly runtime: Runtime;
  readonly kafka: Kafka;
  readonly vendorLogPath: string;
  readonly deliveriesTopic: string;
  /** Produces `deliveries` records (100-recipient requests) to `topic`; resolves to their requestIds. */
  produce(topic: string, deliveries: number, inFlight?: number): Promise<Set<string>>;
  stop(): Promise<void>;
}

/** Starts a runtime on a fresh `partitions`-partition deliveries topic, vendors at `vendorLatencyMs`. */
export async function startBenchRuntime(
  engines: BenchEngines,
  name: string,
  partitions: number,
  vendorLatencyMs: number,
  extraTopics: ReadonlyArray<{ name: string; partitions: number }> = [],
): Promise<BenchRuntime> {
  const id = randomUUID().slice(0, 8);
  const home = mkdtempSync(join(tmpdir(), `herald-bench-${name}-`));
  const brokers = [...engines.kafkaBrokers];
  const deliveriesTopic = `herald-bench-${name}-${id}`;
  const topics = [
    { name: deliveriesTopic, partitions },
    { name: `${deliveriesTopic}-dlq`, partitions: 1 },
    ...extraTopics,
  ];
  await ensureTopics(brokers, topics);
  const kafka = new Kafka({ clientId: `herald-bench-${name}`, brokers, logLevel: logLevel.NOTHING });
  const keyPrefix = `herald-bench-${name}-${id}:`;
  const vendorLogPath = join(home, 'vendor-deliveries.jsonl');
  const runtime = await startRuntime({
    kafkaBrokers: brokers,
    redisUrl: engines.redisUrl,
    runDir: join(home, 'run'),
    apiPort: 0,
    apiTokens: `${BENCH_TOKEN}=bench-client`,
    vendorLogPath,
    deliveriesTopic,
    deadLetterTopic: `${deliveriesTopic}-dlq`,
    keyPrefix,
    // Why the mock on every channel: the fair ceiling and the naive baseline post to the same vendors
    // with the generic HTTP protocol, which the provider fakes do not speak.
    vendorSet: 'mock',
    logLevel: 'ERROR',
    esm: { consumerGroupId: `herald-bench-${name}-${id}` },
    functionEnvironment: { POWERTOOLS_METRICS_DISABLED: 'true' },
    outputFile: join(home, 'runtime.log'),
    log: () => undefined,
  });
  await Promise.all(
    runtime.vendors.map((vendor) =>
      fetch(`${vendor.adminUrl}/faults`, {
        method: 'PUT',
        body: JSON.stringify({ latencyMs: vendorLatencyMs }),
      }),
    ),
  );
  const producer: Producer = kafka.producer();
  await producer.connect();
  return {
    runtime,
    kafka,
    vendorLogPath,
    deliveriesTopic,
    async produce(topic, deliveries, inFlight = 8) {
      const requestIds = new Set<string>();
      const batches: OutboundRecord[][] = Array.from({ length: Math.ceil(deliveries / 100) }, () =>
        requestRecords(100),
      );
      for (const batch of batches)
        requestIds.add((JSON.parse(batch[0]?.value ?? '{}') as { requestId: string }).requestId);
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let i = next++; i < batches.length; i = next++) {
            const messages = (batches[i] as OutboundRecord[]).map((r) => ({
              key: r.key,
              value: r.value,
              headers: { ...r.headers },
            }));
            await producer.send({ topic, acks: -1, messages });
          }
        }),
      );
      return requestIds;
    },
    async stop() {
      await producer.disconnect().catch(() => undefined);
      await runtime.stop().catch(() => undefined);
      const redis = createRedisClient({ url: engines.redisUrl, isCluster: false });
      await deleteByPrefix(redis as never, keyPrefix).catch(() => undefined);
      redis.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin
        .deleteTopics({ topics: [...topics.map((t) => t.name), runtime.highLane.topic] })
        .catch(() => undefined);
      await admin.disconnect();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Vendor acceptance time (epoch ms) of every logged send, by requestId (the last one of a request). */
export function acceptanceTimes(vendorLogPath: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const line of readFileSync(vendorLogPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { requestId?: string; time?: string };
    if (!entry.requestId || !entry.time) continue;
    times.set(entry.requestId, Math.max(times.get(entry.requestId) ?? 0, Date.parse(entry.time)));
  }
  return times;
}
