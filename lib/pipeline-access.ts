/**
 * What the ingest and dispatch functions share: the environment that points them at MSK (IAM auth),
 * the topics and ElastiCache (cluster mode, AUTH token from Secrets Manager), and the network paths
 * and secret read that go with it. One place, so the two functions cannot drift.
 */

import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EnvKey } from '../lambdas/shared/env-keys.ts';
import type { HeraldCache } from './cache.ts';
import type { LogLevel } from './config/stage-config.ts';
import type { HeraldFunction } from './herald-function.ts';
import { type HeraldKafka, MSK_IAM_PORT } from './kafka.ts';

/** The pipeline a function joins. */
export interface PipelineAccessProps {
  readonly kafka: HeraldKafka;
  readonly cache: HeraldCache;
  readonly deliveriesTopic: string;
  readonly deadLetterTopic: string;
  readonly endpoints: ec2.IConnectable;
}

/** Environment variables every pipeline function needs, plus its Powertools service name. */
export function pipelineEnvironment(
  props: PipelineAccessProps,
  serviceName: string,
  logLevel: LogLevel | undefined,
): Record<string, string> {
  return {
    [EnvKey.kafkaAuth]: 'iam',
    [EnvKey.mskClusterArn]: props.kafka.clusterArn,
    [EnvKey.deliveriesTopic]: props.deliveriesTopic,
    [EnvKey.deadLetterTopic]: props.deadLetterTopic,
    [EnvKey.redisUrl]: props.cache.redisUrl,
    [EnvKey.redisCluster]: 'true',
    [EnvKey.redisAuthSecretArn]: props.cache.authSecret.secretArn,
    [EnvKey.serviceName]: serviceName,
    [EnvKey.metricsNamespace]: 'Herald',
    [EnvKey.logLevel]: logLevel ?? 'INFO',
  };
}

/** Opens the function's paths to MSK, ElastiCache and the AWS API endpoints, and lets it read the AUTH token. */
export function connectToPipeline(handler: HeraldFunction, props: PipelineAccessProps, who: string): void {
  handler.allowTo(props.kafka, MSK_IAM_PORT, `${who} to MSK (SASL/IAM)`);
  handler.allowTo(props.cache, props.cache.port, `${who} to ElastiCache (TLS)`);
  handler.allowTo(props.endpoints, 443, `${who} to AWS API endpoints`);
  props.cache.authSecret.grantRead(handler);
}
