/**
 * Builds the kafkajs client both Lambdas use. Locally: plaintext brokers from KAFKA_BROKERS. In AWS:
 * MSK with IAM auth over TLS, brokers handed over by the stack (resolved at deploy time) or by the
 * event; resolving them from the cluster ARN is only a fallback (CloudFormation returns none).
 */
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, logLevel } from 'kafkajs';
import { DependencyUnavailableError } from '../core/errors.ts';

/** How to reach Kafka. */
export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers?: readonly string[];
  readonly auth: 'none' | 'iam';
  readonly mskClusterArn?: string;
  readonly timeoutMs: number;
  /** AWS region for IAM signing; defaults to the cluster ARN's region. */
  readonly region?: string;
}

/** Resolves the IAM bootstrap brokers of an MSK cluster. */
export async function resolveMskBrokers(clusterArn: string): Promise<string[]> {
  const region = clusterArn.split(':')[3];
  // Why bounded: this runs inside a request or a cold start; the SDK sets no request timeout itself.
  const client = new KafkaClient({
    ...(region ? { region } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 3_000 },
  });
  try {
    const result = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
    const brokers = result.BootstrapBrokerStringSaslIam ?? result.BootstrapBrokerStringPublicSaslIam;
    if (!brokers) throw new Error('cluster has no IAM bootstrap brokers');
    return brokers.split(',');
  } catch (error) {
    throw new DependencyUnavailableError('kafka', 'could not resolve MSK bootstrap brokers', {
      cause: error,
    });
  } finally {
    client.destroy();
  }
}

/** Creates the kafkajs client (resolving MSK brokers first when only the cluster ARN is given). */
export async function createKafka(options: KafkaClientOptions): Promise<Kafka> {
  const brokers = options.brokers?.length
    ? [...options.brokers]
    : options.mskClusterArn
      ? await resolveMskBrokers(options.mskClusterArn)
      : [];
  if (brokers.length === 0) throw new DependencyUnavailableError('kafka', 'no Kafka brokers configured');
  const region = options.region ?? options.mskClusterArn?.split(':')[3] ?? 'us-east-1';
  return new Kafka({
    clientId: options.clientId,
    brokers,
    connectionTimeout: Math.min(options.timeoutMs, 5_000),
    requestTimeout: options.timeoutMs,
    logLevel: logLevel.ERROR,
    ...(options.auth === 'iam'
      ? {
          ssl: true,
          sasl: {
            mechanism: 'oauthbearer' as const,
            oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
          },
        }
      : {}),
  });
}
