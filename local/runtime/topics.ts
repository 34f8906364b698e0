/**
 * Creates the runtime's topics if they are missing and raises partition counts that are too low;
 * never lowers one (Kafka cannot without losing records). Safe to run at every start.
 */
import { Kafka, logLevel } from 'kafkajs';

/** A topic as the runtime wants it. */
export interface TopicWanted {
  readonly name: string;
  readonly partitions: number;
}

/** What happened to one topic. */
export interface TopicState {
  readonly name: string;
  readonly partitions: number;
  readonly action: 'created' | 'raised' | 'kept';
}

/** Ensures every topic exists with at least the wanted partitions, each partition with a leader. */
export async function ensureTopics(
  brokers: readonly string[],
  topics: readonly TopicWanted[],
): Promise<TopicState[]> {
  const admin = new Kafka({
    clientId: 'herald-runtime-admin',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })),
      });
    }
    const states: TopicState[] = [];
    for (const topic of topics) {
      if (!existing.has(topic.name)) {
        states.push({ name: topic.name, partitions: topic.partitions, action: 'created' });
        continue;
      }
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic.name] })).topics;
      const current = metadata?.partitions.length ?? 0;
      if (current < topic.partitions)
        await admin.createPartitions({ topicPartitions: [{ topic: topic.name, count: topic.partitions }] });
      states.push({
        name: topic.name,
        partitions: Math.max(current, topic.partitions),
        action: current < topic.partitions ? 'raised' : 'kept',
      });
    }
    await waitForLeaders(
      admin,
      topics.map((t) => t.name),
    );
    return states;
  } finally {
    await admin.disconnect();
  }
}

/** Why: on KRaft a new partition's metadata can be visible before its leader is elected. */
async function waitForLeaders(admin: ReturnType<Kafka['admin']>, names: string[]): Promise<void> {
  for (let attempt = 1; attempt <= 40; attempt++) {
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    if (topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0)))
      return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`topics ${names.join(', ')} have partitions without a leader`);
}
