/**
 * Topic custom-resource Lambda entry point: the only file here that builds a real Kafka client
 * (MSK over IAM, brokers from the resource properties, resolved at deploy time).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { z } from 'zod';
import { createKafka } from '../adapters/kafka-client.ts';
import { loadConfig, positiveInt } from '../shared/config.ts';
import { EnvKey } from '../shared/env-keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createTopicsApp, type TopicsResponse } from './app.ts';

const SERVICE = 'herald-topics';
// Why 30 s: topic creation waits for leader election on every partition.
const config = loadConfig(z.object({ [EnvKey.kafkaTimeoutMs]: positiveInt(30_000) }));
const logger = createLogger(SERVICE);

const app = createTopicsApp({
  logger,
  openAdmin: async (clusterArn, brokers) => {
    const kafka = await createKafka({
      clientId: SERVICE,
      auth: 'iam',
      mskClusterArn: clusterArn,
      ...(brokers ? { brokers } : {}),
      timeoutMs: config[EnvKey.kafkaTimeoutMs],
    });
    const admin = kafka.admin();
    await admin.connect();
    return { admin, close: () => admin.disconnect() };
  },
});

/** Provider framework onEvent handler. */
export async function handler(event: CloudFormationCustomResourceEvent): Promise<TopicsResponse> {
  logger.info('topic resource event', {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
  });
  return app(event);
}
