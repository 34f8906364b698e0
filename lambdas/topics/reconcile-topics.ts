/**
 * Brings Kafka topics up to a desired spec without ever losing data: missing topics are created,
 * partition counts only go up, managed topic configs are set; nothing is deleted and no partition
 * count is lowered (Kafka cannot do it without dropping records).
 */
import { type Admin, ConfigResourceTypes } from 'kafkajs';
import type { TopicSpec } from './topic-spec.ts';

/** The admin operations reconciliation needs (a kafkajs Admin). */
export type TopicAdmin = Pick<
  Admin,
  | 'listTopics'
  | 'createTopics'
  | 'createPartitions'
  | 'fetchTopicMetadata'
  | 'describeConfigs'
  | 'alterConfigs'
>;

/** What reconciliation did to one topic. */
export interface TopicOutcome {
  readonly topic: string;
  readonly action: 'created' | 'partitions-raised' | 'unchanged';
  /** Partition count after reconciliation. */
  readonly partitions: number;
  readonly isConfigUpdated: boolean;
  /** Requests that were refused because they would lose data or need a reassignment. */
  readonly warnings: readonly string[];
}

/** How long to wait for new partitions to get leaders. */
export interface ReconcileOptions {
  readonly leaderWaitAttempts?: number;
  readonly leaderWaitMs?: number;
}

/** Reconciles every spec in order and reports what happened to each topic. */
export async function reconcileTopics(
  admin: TopicAdmin,
  specs: readonly TopicSpec[],
  options: ReconcileOptions = {},
): Promise<TopicOutcome[]> {
  const existing = new Set(await admin.listTopics());
  const outcomes: TopicOutcome[] = [];
  for (const spec of specs) {
    const outcome = existing.has(spec.name) ? await updateTopic(admin, spec) : await createTopic(admin, spec);
    await waitForLeaders(admin, spec.name, outcome.partitions, options);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function createTopic(admin: TopicAdmin, spec: TopicSpec): Promise<TopicOutcome> {
  // Returns false when another writer created it first; the update path then checks it.
  const isCreated = await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: spec.name,
        numPartitions: spec.partitions,
        ...(spec.replicationFactor === undefined ? {} : { replicationFactor: spec.replicationFactor }),
        configEntries: Object.entries({ ...spec.createConfigs, ...spec.configs }).map(([name, value]) => ({
          name,
          value,
        })),
      },
    ],
  });
  if (!isCreated) return updateTopic(admin, spec);
  return {
    topic: spec.name,
    action: 'created',
    partitions: spec.partitions,
    isConfigUpdated: false,
    warnings: [],
  };
}

async function updateTopic(admin: TopicAdmin, spec: TopicSpec): Promise<TopicOutcome> {
  const warnings: string[] = [];
  const metadata = await topicMetadata(admin, spec.name);
  const current = metadata.partitions.length;
  let action: TopicOutcome['action'] = 'unchanged';
  let partitions = current;
  if (spec.partitions > current) {
    await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
    action = 'partitions-raised';
    partitions = spec.partitions;
  } else if (spec.partitions < current) {
    warnings.push(`kept ${current} partitions: lowering to ${spec.partitions} would drop records`);
  }
  const replicas = metadata.partitions[0]?.replicas.length;
  if (spec.replicationFactor !== undefined && replicas !== undefined && replicas !== spec.replicationFactor) {
    warnings.push(
      `replication factor is ${replicas}, not ${spec.replicationFactor}: changing it needs a partition reassignment`,
    );
  }
  const isConfigUpdated = await applyConfigs(admin, spec);
  return { topic: spec.name, action, partitions, isConfigUpdated, warnings };
}

/**
 * Sets the managed configs when any differs. Returns whether it wrote. Create-only configs are never
 * sent here: MSK Serverless refuses cleanup.policy on an existing topic.
 */
async function applyConfigs(admin: TopicAdmin, spec: TopicSpec): Promise<boolean> {
  const wanted = Object.entries(spec.configs);
  if (wanted.length === 0) return false;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      { type: ConfigResourceTypes.TOPIC, name: spec.name, configNames: wanted.map(([name]) => name) },
    ],
  });
  const actual = new Map(
    (described.resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]),
  );
  if (wanted.every(([name, value]) => actual.get(name) === value)) return false;
  // Why every managed key at once: AlterConfigs (what kafkajs speaks) replaces the topic's dynamic
  // configs as a set, so the stack owns them all.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: spec.name,
        configEntries: wanted.map(([name, value]) => ({ name, value })),
      },
    ],
  });
  return true;
}

async function topicMetadata(admin: TopicAdmin, topic: string) {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const metadata = topics.find((entry) => entry.name === topic);
  if (!metadata) throw new Error(`topic ${topic} has no metadata`);
  return metadata;
}

/**
 * Why: on KRaft a fresh topic or partition can be visible before its leader is elected (or the
 * serving broker's metadata can still show the old count); producers and the event source mapping
 * must not see LEADER_NOT_AVAILABLE right after the stack finishes.
 */
async function waitForLeaders(
  admin: TopicAdmin,
  topic: string,
  partitions: number,
  options: ReconcileOptions,
): Promise<void> {
  const attempts = options.leaderWaitAttempts ?? 40;
  for (let attempt = 1; ; attempt++) {
    try {
      const metadata = await topicMetadata(admin, topic);
      const isReady =
        metadata.partitions.length >= partitions &&
        metadata.partitions.every((partition) => partition.leader >= 0);
      if (isReady) return;
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    if (attempt >= attempts) throw new Error(`topic ${topic} still has partitions without a leader`);
    await new Promise((resolve) => setTimeout(resolve, options.leaderWaitMs ?? 500));
  }
}
