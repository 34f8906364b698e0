/**
 * Reading what is on a test topic: how many records (from partition offsets, exact and instant) and
 * the records themselves (with a throwaway consumer group).
 */
import type { OutboundRecord } from '../../../../lambdas/ports/message-producer.ts';
import { consumeRecords, testKafka } from '../../../support/engines.ts';

/** Number of records on `topic`: the sum of every partition's high watermark minus its low one. */
export async function countRecords(topic: string): Promise<number> {
  const admin = testKafka('herald-test-count').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every record on `topic` (all partitions, from the beginning); waits until `count` have been read. */
export async function readRecords(
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<OutboundRecord[]> {
  const records = await consumeRecords(topic, count, timeoutMs);
  return records.map(({ message }) => ({
    key: String(message.key),
    value: String(message.value),
    headers: Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
    ),
  }));
}
