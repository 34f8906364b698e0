/**
 * The Lambda of a construct that moves statuses after the send (receipts, dead letters, callbacks):
 * its function with the shared cache and status settings in the environment, reach to ElastiCache and
 * the AWS API endpoints, the cache's AUTH secret, and, when there is one, the webhook registry, so the
 * final states it reaches are queued as callbacks.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { EnvKey } from '../lambdas/shared/env-keys.ts';
import { HERALD_NAMESPACE } from '../lambdas/shared/metric-names.ts';
import type { HeraldCache } from './cache.ts';
import type { LogLevel } from './config/stage-config.ts';
import { type FunctionPlacement, HeraldFunction, placementOf } from './herald-function.ts';

/** What every status function needs from its construct's props. */
export interface StatusFunctionProps extends FunctionPlacement {
  readonly cache: HeraldCache;
  readonly endpoints: ec2.IConnectable;
  readonly statusRetentionSeconds: number;
  /** The webhook registry: final states reached here are queued as callbacks for its clients. */
  readonly callbacksRegistry?: secretsmanager.ISecret;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
}

/** The function's own settings. */
export interface StatusFunctionSettings {
  readonly entry: string;
  readonly description: string;
  /** Service name in logs and metrics, e.g. `herald-receipts`. */
  readonly service: string;
  /** How the security group rules name it, e.g. `receipts`. */
  readonly label: string;
  readonly timeout: Duration;
  /** @default no reserved concurrency */
  readonly reservedConcurrency?: number;
}

/** Creates the construct's `Handler` function in `scope`. */
export function statusFunction(
  scope: Construct,
  props: StatusFunctionProps,
  settings: StatusFunctionSettings,
): HeraldFunction {
  const handler = new HeraldFunction(scope, 'Handler', {
    ...placementOf(props),
    entry: settings.entry,
    description: settings.description,
    memoryMiB: 256,
    timeout: settings.timeout,
    logLevel: props.logLevel,
    ...(settings.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrency: settings.reservedConcurrency }),
    environment: {
      [EnvKey.redisUrl]: props.cache.redisUrl,
      [EnvKey.redisCluster]: 'true',
      [EnvKey.redisAuthSecretArn]: props.cache.authSecret.secretArn,
      [EnvKey.statusRetentionSeconds]: String(props.statusRetentionSeconds),
      [EnvKey.serviceName]: settings.service,
      [EnvKey.metricsNamespace]: HERALD_NAMESPACE,
      [EnvKey.logLevel]: props.logLevel ?? 'INFO',
      ...(props.callbacksRegistry ? { [EnvKey.callbacksSecretArn]: props.callbacksRegistry.secretArn } : {}),
    },
  });
  props.callbacksRegistry?.grantRead(handler);
  handler.allowTo(props.cache, props.cache.port, `${settings.label} to ElastiCache (TLS)`);
  handler.allowTo(props.endpoints, 443, `${settings.label} to AWS API endpoints`);
  props.cache.authSecret.grantRead(handler);
  return handler;
}
