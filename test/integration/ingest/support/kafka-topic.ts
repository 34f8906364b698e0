/**
 * Reading what is on a test topic: how many records (from partition offsets, exact and instant) and
 * the records themselves (with a throwaway consumer group).
 */
import type { OutboundRecord } from '../../../../lambdas/ports/message-producer.ts';
import { testKafka, uniqueName } from '../../../support/engines.ts';

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
  const records: OutboundRecord[] = [];
  if (count === 0) return records;
  const consumer = testKafka('herald-test-reader').consumer({ groupId: uniqueName('herald-test-reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length}/${count} records of ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const headers = Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
            );
            records.push({ key: String(message.key), value: String(message.value), headers });
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
