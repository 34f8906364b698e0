/**
 * Starts the real Kafka broker and Redis once per test run (or reuses running / external ones) and
 * hands their endpoints to every test file; stops only what it started.
 */
import type { TestProject } from 'vitest/node';
import { ensureEngines } from '../local/infra/engines.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engines = await ensureEngines();
  project.provide('kafkaBrokers', engines.kafkaBrokers);
  project.provide('redisUrl', engines.redisUrl);
  return () => engines.stop();
}
