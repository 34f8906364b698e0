/**
 * What integration tests use to reach the real Kafka broker, Redis and Redis Cluster that
 * test/global-setup.ts started (or reused), plus helpers that keep test files isolated from each other.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { inject } from 'vitest';
import { createRedisClient, type RedisClient } from '../../lambdas/adapters/redis-client.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    redisUrl: string;
    redisClusterNodes: string[];
  }
}

/** Endpoints of the engines under test. */
export interface TestEngines {
  readonly kafkaBrokers: string[];
  readonly redisUrl: string;
  /** Seed nodes (`host:port`) of the Redis Cluster (3 primaries + 3 replicas). */
  readonly redisClusterNodes: string[];
}

/** The real Kafka, Redis and Redis Cluster for this test run. */
export function testEngines(): TestEngines {
  return {
    kafkaBrokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    redisClusterNodes: inject('redisClusterNodes'),
  };
}

/** The two Redis topologies every Redis contract suite runs against. */
export const redisTopologies = ['single node', 'cluster'] as const;

/** A Redis topology under test. */
export type RedisTopology = (typeof redisTopologies)[number];

/**
 * The production client (lambdas/adapters/redis-client.ts) on the test Redis or on the test Redis
 * Cluster (seeded with its first node; the client discovers the rest, as with ElastiCache's
 * configuration endpoint).
 */
export function testRedisClient(topology: RedisTopology): RedisClient {
  const engines = testEngines();
  if (topology === 'single node') return createRedisClient({ url: engines.redisUrl, isCluster: false });
  const seed = engines.redisClusterNodes[0];
  if (!seed) throw new Error('no Redis Cluster under test: global setup provides none');
  return createRedisClient({ url: `redis://${seed}`, isCluster: true });
}

/** A name no other test file or run uses: topic names, key prefixes, consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A kafkajs client on the test broker. */
export function testKafka(clientId = 'herald-test'): Kafka {
  return new Kafka({ clientId, brokers: testEngines().kafkaBrokers, logLevel: logLevel.NOTHING });
}

/**
 * Creates topics and waits until each has a leader. Why the retry: on KRaft, kafkajs can see a
 * fresh topic's metadata before its leader is elected and fail once with LEADER_NOT_AVAILABLE.
 */
export async function createTestTopics(topics: readonly string[], numPartitions = 1): Promise<void> {
  const admin = testKafka('herald-test-admin').admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        // createTopics answers false (no error) for topics that already exist, so a retry after a
        // half-finished attempt is safe.
        await admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })),
        });
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
        const isReady = metadata.every(
          (t) => t.partitions.length === numPartitions && t.partitions.every((p) => p.leader >= 0),
        );
        if (isReady) return;
        if (attempt >= 20) throw new Error(`topics ${topics.join(', ')} have no leaders`);
      } catch (error) {
        if (attempt >= 20) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics created by a test file. */
export async function deleteTestTopics(topics: readonly string[]): Promise<void> {
  const admin = testKafka('herald-test-admin').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics], timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/** A consumed record with its partition. */
export interface ConsumedRecord {
  readonly partition: number;
  readonly message: KafkaMessage;
}

/** Reads `count` records from the start of `topic` with a throwaway consumer group (fails after `timeoutMs`). */
export async function consumeRecords(
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  if (count === 0) return records;
  const consumer = testKafka('herald-test-reader').consumer({ groupId: uniqueName('herald-test-reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${records.length} of ${count} records on ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            records.push({ partition, message });
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
