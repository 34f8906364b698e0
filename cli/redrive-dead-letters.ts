/**
 * The redrive use case on Kafka: reads the dead-letter topic from the first offset at `sinceMs` (or
 * the beginning) up to its end as of the start (records dead-lettered meanwhile wait for the next
 * run), keeps what the filter selects, and produces those records to the deliveries topic with an
 * idempotent producer, acks from all in-sync replicas, in the order read. Reading uses no consumer
 * group: nothing is committed, so a run can be repeated; dispatch's dedup makes a repeat harmless.
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { DeadLetterInfo } from '../lambdas/core/dead-letter.ts';
import type { KafkaRecord } from '../lambdas/core/msk-event.ts';
import { candidateOf, decideRedrive, type RedriveFilter, redrivenRecord } from '../lambdas/core/redrive.ts';

/** How to redrive. */
export interface RedriveOptions {
  readonly deadLetterTopic: string;
  readonly deliveriesTopic: string;
  readonly filter: RedriveFilter;
  readonly isDryRun: boolean;
  /** Records per produce call. @default 500 */
  readonly batchSize?: number;
  readonly onProgress?: (progress: RedriveProgress) => void;
  readonly clock?: () => Date;
}

/** Where a run is. */
export interface RedriveProgress {
  readonly scanned: number;
  readonly total: number;
  readonly moved: number;
}

/** One record the run selected (what `--dry-run` lists): no recipient, no body. */
export interface RedriveItem extends DeadLetterInfo {
  readonly position: string;
  readonly deadLetteredAt?: string;
}

/** What a run did. */
export interface RedriveSummary {
  readonly scanned: number;
  readonly selected: readonly RedriveItem[];
  readonly moved: number;
  readonly filteredOut: number;
  readonly namesNoDelivery: number;
}

/** Runs one redrive. */
export async function redriveDeadLetters(kafka: Kafka, options: RedriveOptions): Promise<RedriveSummary> {
  const records = await readTopic(kafka, options.deadLetterTopic, options.filter.sinceMs);
  const selected: { record: KafkaRecord; item: RedriveItem }[] = [];
  let filteredOut = 0;
  let namesNoDelivery = 0;
  for (const record of records) {
    const candidate = candidateOf(record);
    const decision = decideRedrive(candidate, options.filter);
    if (decision === 'filtered') filteredOut += 1;
    else if (decision === 'names-no-delivery') namesNoDelivery += 1;
    else {
      const position = `${record.topic}/${record.partition}/${record.offset}`;
      const at =
        record.timestamp === undefined ? {} : { deadLetteredAt: new Date(record.timestamp).toISOString() };
      selected.push({ record, item: { ...candidate.info, position, ...at } });
    }
  }
  const summary = {
    scanned: records.length,
    selected: selected.map((s) => s.item),
    filteredOut,
    namesNoDelivery,
  };
  options.onProgress?.({ scanned: records.length, total: selected.length, moved: 0 });
  if (options.isDryRun || selected.length === 0) return { ...summary, moved: 0 };
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let moved = 0;
  try {
    const now = (options.clock ?? (() => new Date()))();
    const size = options.batchSize ?? 500;
    for (let start = 0; start < selected.length; start += size) {
      const chunk = selected.slice(start, start + size);
      await producer.send({
        topic: options.deliveriesTopic,
        acks: -1,
        messages: chunk.map(({ record }) => {
          const out = redrivenRecord(record, now);
          return {
            key: out.key ?? null,
            value: out.value ?? null,
            headers: Object.fromEntries(groupHeaders(out.headers)),
          };
        }),
      });
      moved += chunk.length;
      options.onProgress?.({ scanned: records.length, total: selected.length, moved });
    }
  } finally {
    await producer.disconnect();
  }
  return { ...summary, moved };
}

// Why 60 s: a group join plus fetches on a loaded cluster take seconds, never a minute.
const READ_STALL_MS = 60_000;

function groupHeaders(headers: readonly { name: string; value: Buffer }[]): Map<string, Buffer[]> {
  const grouped = new Map<string, Buffer[]>();
  for (const { name, value } of headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return grouped;
}

/** Every record of `topic` from `sinceMs` (or the start) up to the end offsets as of now. */
async function readTopic(kafka: Kafka, topic: string, sinceMs: number | undefined): Promise<KafkaRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let starts: Map<number, number>;
  let ends: Map<number, number>;
  try {
    const latest = await admin.fetchTopicOffsets(topic);
    ends = new Map(latest.map((p) => [p.partition, Number(p.high)]));
    const first =
      sinceMs === undefined
        ? latest.map((p) => ({ partition: p.partition, offset: p.low }))
        : await admin.fetchTopicOffsetsByTimestamp(topic, sinceMs);
    // Why the end for -1: no record at or after the time in that partition.
    starts = new Map(
      first.map((p) => [p.partition, Number(p.offset) < 0 ? (ends.get(p.partition) ?? 0) : Number(p.offset)]),
    );
  } finally {
    await admin.disconnect();
  }
  const pending = [...ends].filter(([partition, end]) => (starts.get(partition) ?? end) < end);
  if (pending.length === 0) return [];
  const records: KafkaRecord[] = [];
  const remaining = new Map(pending);
  let lastProgressMs = Date.now();
  // Why a throwaway group: kafkajs consumers need one; nothing is ever committed to it.
  const consumer = kafka.consumer({
    groupId: `herald-redrive-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition);
            const offset = Number(message.offset);
            // Why the start check too: the group may fetch from the beginning before the seek lands.
            if (end === undefined || offset >= end || offset < (starts.get(partition) ?? 0)) return;
            lastProgressMs = Date.now();
            records.push(toRecord(topic, partition, message));
            if (Number(message.offset) + 1 >= end) remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
    let stalled = () => {};
    const stalledRead = new Promise<never>((_, reject) => {
      stalled = () => reject(new Error(`no progress reading ${topic} for ${READ_STALL_MS / 1000} s`));
    });
    const stall = setInterval(() => {
      if (Date.now() - lastProgressMs > READ_STALL_MS) stalled();
    }, 1_000);
    for (const [partition] of pending)
      consumer.seek({ topic, partition, offset: String(starts.get(partition) ?? 0) });
    await Promise.race([done, stalledRead]).finally(() => clearInterval(stall));
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

function toRecord(topic: string, partition: number, message: KafkaMessage): KafkaRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    ...(message.key ? { key: message.key } : {}),
    ...(message.value ? { value: message.value } : {}),
    headers: Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value])
        .filter((v) => v !== undefined)
        .map((v) => ({ name, value: Buffer.isBuffer(v) ? v : Buffer.from(String(v)) })),
    ),
  };
}
