/**
 * An emulated Lambda event source mapping for Amazon MSK: a Kafka consumer group that hands fetched
 * records to the batch coordinator and commits a partition's offsets only once its records are
 * settled (processed, or given up per the retry settings). Offsets are never committed ahead of
 * processing, so a crash anywhere redelivers rather than loses.
 */
import type { MSKEvent } from 'aws-lambda';
import { type Consumer, type EachBatchPayload, Kafka, logLevel, type Producer } from 'kafkajs';
import { BatchCoordinator, type EsmLog, type InvocationOutcome } from './batch-coordinator.ts';
import { type EsmConfig, type EsmConfigInput, parseEsmConfig } from './esm-config.ts';
import { partitionKeyOf, toPendingRecord } from './msk-event.ts';
import { sendToKafkaDestination } from './on-failure-destination.ts';
import { ContributionAbandonedError, RecordQueue } from './record-queue.ts';

/** How to run the mapping. */
export interface MskEventSourceMappingOptions {
  readonly brokers: readonly string[];
  readonly config: EsmConfigInput;
  readonly invoke: (event: MSKEvent) => Promise<InvocationOutcome>;
  readonly log: EsmLog;
  /** Why 10 s: a killed poller's partitions move to a new one quickly. @default 10_000 */
  readonly sessionTimeoutMs?: number;
}

/** A running mapping. */
export interface MskEventSourceMapping {
  readonly config: EsmConfig;
  /** Stops polling; `beforeDisconnect` runs once no new batch starts (end the function there). */
  stop(beforeDisconnect?: () => Promise<void>): Promise<void>;
}

type Offset = { topic: string; partition: number; offset: number };

async function commitWithRetry(
  consumer: Consumer,
  offsets: readonly Offset[],
  attempts: number,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await consumer.commitOffsets(
        offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })),
      );
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

/** Connects, subscribes and starts invoking. */
export async function startMskEventSourceMapping(
  options: MskEventSourceMappingOptions,
): Promise<MskEventSourceMapping> {
  const config = parseEsmConfig(options.config);
  const { log } = options;
  const kafka = new Kafka({
    clientId: `lambda-esm-${config.consumerGroupId}`,
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 10 },
  });
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const consumer = kafka.consumer({
    groupId: config.consumerGroupId,
    sessionTimeout,
    rebalanceTimeout: sessionTimeout * 2,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  const producer: Producer | undefined = config.onFailureTopic
    ? kafka.producer({ allowAutoTopicCreation: false })
    : undefined;
  const queue = new RecordQueue();
  /** resolveOffset of each partition's batch in progress, so kafkajs refetches from settled progress. */
  const resolvers = new Map<string, (offset: string) => void>();
  const source = { eventSourceArn: config.eventSourceArn, bootstrapServers: options.brokers };
  const coordinator = new BatchCoordinator({
    config,
    source,
    queue,
    invoke: options.invoke,
    log,
    sendToDestination: async (records, condition, error) => {
      if (!producer || !config.onFailureTopic) throw new Error('no on-failure destination');
      await sendToKafkaDestination(
        producer,
        config.onFailureTopic,
        config.eventSourceArn,
        records,
        condition,
        error,
      );
    },
    commit: async (offsets) => {
      for (const { topic, partition, offset } of offsets)
        resolvers.get(partitionKeyOf(topic, partition))?.(String(offset - 1));
      await consumer.commitOffsets(
        offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })),
      );
    },
  });

  async function eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (batch.isEmpty()) return;
    const partitionKey = partitionKeyOf(batch.topic, batch.partition);
    const records = batch.messages.map((message) => toPendingRecord(batch.topic, batch.partition, message));
    resolvers.set(partitionKey, resolveOffset);
    const settled = queue.add(partitionKey, records, Date.now());
    let heartbeatError: unknown;
    // Why a timer: kafkajs only heartbeats when asked, and a batch may wait through long retries.
    const beat = setInterval(() => {
      if (!isRunning() || isStale())
        return queue.abandon(partitionKey, 'partition revoked or consumer stopping');
      heartbeat().catch((error: unknown) => {
        heartbeatError = error;
        queue.abandon(partitionKey, `heartbeat failed: ${String(error)}`);
      });
    }, 1_000);
    try {
      await settled;
    } catch (error) {
      if (heartbeatError) throw heartbeatError;
      if (error instanceof ContributionAbandonedError) return;
      throw error;
    } finally {
      clearInterval(beat);
      resolvers.delete(partitionKey);
    }
    resolveOffset(batch.lastOffset());
    await commitWithRetry(
      consumer,
      [{ topic: batch.topic, partition: batch.partition, offset: Number(batch.lastOffset()) + 1 }],
      5,
    );
  }

  consumer.on(consumer.events.CRASH, ({ payload }) =>
    log('warn', 'kafka consumer crashed', { error: String(payload.error), restart: payload.restart }),
  );
  await producer?.connect();
  await consumer.connect();
  await consumer.subscribe({
    topics: config.topics,
    fromBeginning: config.startingPosition === 'TRIM_HORIZON',
  });
  coordinator.start();
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 256,
    eachBatch,
  });
  log('info', 'event source mapping enabled', {
    topics: config.topics,
    groupId: config.consumerGroupId,
    mode: config.mode,
    batchSize: config.batchSize,
  });

  return {
    config,
    async stop(beforeDisconnect) {
      const stopped = coordinator.stop();
      await beforeDisconnect?.();
      await stopped;
      // Why bounded: leaving the group can wait on a rebalance; offsets are already committed, and a
      // member that does not leave is dropped after its session timeout anyway.
      const leave = Promise.all([consumer.disconnect(), producer?.disconnect()]).catch(() => undefined);
      await Promise.race([leave, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
}
