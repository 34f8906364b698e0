/**
 * The custom resource's properties. CloudFormation hands every scalar over as a string, so numbers
 * are coerced here, once, and the rest of the handler works with typed specs.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../core/errors.ts';

const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'not a valid Kafka topic name');

const topicSpecSchema = z.object({
  Name: topicName,
  Partitions: z.coerce.number().int().min(1).max(10_000),
  /** Absent on MSK Serverless, where the service fixes replication. */
  ReplicationFactor: z.coerce.number().int().min(1).max(32).optional(),
  Configs: z.record(z.string(), z.coerce.string()).default({}),
  /** Configs sent only when the topic is created (MSK Serverless refuses cleanup.policy later). */
  CreateConfigs: z.record(z.string(), z.coerce.string()).default({}),
});

const brokerList = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((broker) => broker.trim()))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port[,host:port...]')).min(1));

const propertiesSchema = z.object({
  ClusterArn: z.string().startsWith('arn:'),
  /** Resolved at deploy time; absent only in old stacks, then the handler resolves them itself. */
  BootstrapBrokers: brokerList.optional(),
  Topics: z.array(topicSpecSchema).min(1),
});

/** One topic as the stack wants it. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  /** Set at creation and kept in line on every update. */
  readonly configs: Readonly<Record<string, string>>;
  /** Set at creation only. */
  readonly createConfigs: Readonly<Record<string, string>>;
}

/** The parsed resource properties. */
export interface TopicsRequest {
  readonly clusterArn: string;
  readonly bootstrapBrokers?: readonly string[];
  readonly topics: readonly TopicSpec[];
}

/** Parses CloudFormation ResourceProperties, or throws an InvalidRequestError naming each bad field. */
export function parseTopicsRequest(properties: unknown): TopicsRequest {
  const parsed = propertiesSchema.safeParse(properties);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    throw new InvalidRequestError(
      `invalid topic resource properties: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const names = parsed.data.Topics.map((topic) => topic.Name);
  if (new Set(names).size !== names.length) {
    throw new InvalidRequestError('topic names must be unique', [
      { path: 'Topics', message: 'duplicate name' },
    ]);
  }
  return {
    clusterArn: parsed.data.ClusterArn,
    ...(parsed.data.BootstrapBrokers ? { bootstrapBrokers: parsed.data.BootstrapBrokers } : {}),
    topics: parsed.data.Topics.map((topic) => ({
      name: topic.Name,
      partitions: topic.Partitions,
      ...(topic.ReplicationFactor === undefined ? {} : { replicationFactor: topic.ReplicationFactor }),
      configs: topic.Configs,
      createConfigs: topic.CreateConfigs,
    })),
  };
}
