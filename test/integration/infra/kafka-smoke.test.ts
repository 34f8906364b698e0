import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTopics, deleteTestTopics, testKafka, uniqueName } from '../../support/engines.ts';

/** Consumes until `count` messages arrived or `timeoutMs` passed; returns their values. */
async function consume(groupId: string, topic: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const consumer = testKafka('smoke-consumer').consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`got ${values.length} of ${count} messages`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message, partition }) => {
            values.push(message.value?.toString() ?? '');
            await consumer.commitOffsets([
              { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
            ]);
            if (values.length >= count) {
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
  return values;
}

describe('kafkajs against the local broker', () => {
  const topic = uniqueName('smoke');
  const groupId = uniqueName('smoke-group');

  beforeAll(async () => {
    await createTestTopics([topic], 3);
  });

  afterAll(async () => {
    await deleteTestTopics([topic]);
  });

  it('produces with acks=all and consumes with a group that honours committed offsets on re-join', async () => {
    // Prepare
    const producer = testKafka('smoke-producer').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const first = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `first-${i}` }));
    const second = Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 5}`, value: `second-${i}` }));

    // Act
    const acks = await producer.send({ topic, acks: -1, messages: first });
    const firstSeen = await consume(groupId, topic, first.length);
    await producer.send({ topic, acks: -1, messages: second });
    const secondSeen = await consume(groupId, topic, second.length);
    await producer.disconnect();

    // Assess
    expect(acks.every((ack) => ack.errorCode === 0)).toBe(true);
    expect(firstSeen.sort()).toEqual(first.map((m) => m.value).sort());
    // The re-joined group resumes from its committed offsets: only the new messages arrive.
    expect(secondSeen.sort()).toEqual(second.map((m) => m.value).sort());
  });

  it('lists the created topic and deletes it', async () => {
    // Prepare
    const extra = uniqueName('smoke-delete');
    await createTestTopics([extra], 1);
    const admin = testKafka('smoke-admin').admin();
    await admin.connect();

    // Act
    const before = await admin.listTopics();
    await deleteTestTopics([extra]);
    let after = await admin.listTopics();
    for (let i = 0; i < 20 && after.includes(extra); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await admin.listTopics();
    }
    await admin.disconnect();

    // Assess
    expect(before).toContain(extra);
    expect(after).not.toContain(extra);
  });
});
