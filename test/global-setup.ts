/**
 * Starts the real Kafka broker, Redis and the 3 + 3 node Redis Cluster once per test run (or reuses
 * running / external ones: KAFKA_BROKERS, REDIS_URL, HERALD_REDIS_CLUSTER_NODES) and hands their
 * endpoints to every test file; stops only what it started.
 */
import type { TestProject } from 'vitest/node';
import { ensureEngines } from '../local/infra/engines.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engines = await ensureEngines(undefined, { redisCluster: true });
  project.provide('kafkaBrokers', engines.kafkaBrokers);
  project.provide('redisUrl', engines.redisUrl);
  project.provide('redisClusterNodes', engines.redisClusterNodes ?? []);
  return () => engines.stop();
}
