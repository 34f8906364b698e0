import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../../../local/runtime/topics.ts';
import { deleteTestTopics, testEngines, testKafka, uniqueName } from '../../support/engines.ts';

const topic = uniqueName('runtime-topics');

afterAll(async () => {
  await deleteTestTopics([topic]);
});

async function partitionsOf(name: string): Promise<number> {
  const admin = testKafka('topics-test').admin();
  await admin.connect();
  try {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [name] })).topics;
    return metadata?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

describe('ensureTopics', () => {
  it('creates a missing topic, keeps it on a second run, raises its partitions but never lowers them', async () => {
    const { kafkaBrokers } = testEngines();

    const created = await ensureTopics(kafkaBrokers, [{ name: topic, partitions: 2 }]);
    const kept = await ensureTopics(kafkaBrokers, [{ name: topic, partitions: 2 }]);
    const raised = await ensureTopics(kafkaBrokers, [{ name: topic, partitions: 4 }]);
    const notLowered = await ensureTopics(kafkaBrokers, [{ name: topic, partitions: 1 }]);

    expect(
      [created, kept, raised, notLowered].map(([state]) => `${state?.action}:${state?.partitions}`),
    ).toEqual(['created:2', 'kept:2', 'raised:4', 'kept:4']);
    expect(await partitionsOf(topic)).toBe(4);
  });
});
