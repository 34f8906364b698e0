/**
 * The topic custom resource's event logic (CDK Provider framework onEvent), built from injected
 * dependencies so tests can drive it with a real local broker. Create and Update reconcile; Delete
 * keeps the topics: records are never deleted by a stack operation.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { reconcileTopics, type TopicAdmin } from './reconcile-topics.ts';
import { parseTopicsRequest } from './topic-spec.ts';

/** An admin session on one cluster; `close` always runs. */
export interface AdminSession {
  readonly admin: TopicAdmin;
  close(): Promise<void>;
}

/** The logging the app does (a Powertools Logger fits). */
export interface TopicsLogger {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
}

/** What the app needs. */
export interface TopicsAppDeps {
  /** Opens an admin connection to the cluster named by its ARN, through `brokers` when given. */
  readonly openAdmin: (clusterArn: string, brokers?: readonly string[]) => Promise<AdminSession>;
  readonly logger: TopicsLogger;
}

/** The Provider framework's onEvent answer. */
export interface TopicsResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** Builds the onEvent handler. */
export function createTopicsApp(deps: TopicsAppDeps) {
  return async function onEvent(event: CloudFormationCustomResourceEvent): Promise<TopicsResponse> {
    if (event.RequestType === 'Delete') {
      deps.logger.info('stack no longer manages the topics; keeping them and their records', {
        physicalResourceId: event.PhysicalResourceId,
      });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const request = parseTopicsRequest(event.ResourceProperties);
    // Why derived from the cluster: a new cluster is a new resource (CloudFormation then sends a
    // Delete for the old id, which keeps the old topics); a topic change on the same cluster is not.
    const physicalResourceId = `herald-topics:${request.clusterArn}`;
    const session = await deps.openAdmin(request.clusterArn, request.bootstrapBrokers);
    try {
      const outcomes = await reconcileTopics(session.admin, request.topics);
      for (const outcome of outcomes) {
        const { topic, action, partitions, isConfigUpdated } = outcome;
        deps.logger.info('topic reconciled', { topic, action, partitions, isConfigUpdated });
        for (const warning of outcome.warnings)
          deps.logger.warn('topic request refused', { topic: outcome.topic, warning });
      }
      return {
        PhysicalResourceId: physicalResourceId,
        Data: { Topics: outcomes.map((outcome) => `${outcome.topic}:${outcome.partitions}`).join(',') },
      };
    } finally {
      await session.close();
    }
  };
}
