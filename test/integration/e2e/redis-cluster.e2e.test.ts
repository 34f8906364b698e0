/**
 * The whole pipeline with both Lambdas in Redis Cluster mode (HERALD_REDIS_CLUSTER, WAIT for one
 * replica by default) on the 3 + 3 node cluster of the test run: every recipient exactly once, every
 * status sent, and the dedup marks spread over the cluster's primaries.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, testRedisClient } from '../../support/engines.ts';
import {
  type E2eRuntime,
  inBatches,
  phoneNumbers,
  sendCounts,
  sendMessage,
  showOutputOnFailure,
  startE2eRuntime,
  waitAllSent,
  waitUntilQuiescent,
} from './support/e2e-runtime.ts';

let e2e: E2eRuntime;

beforeAll(async () => {
  const { kafkaBrokers, redisUrl, redisClusterNodes } = testEngines();
  e2e = await startE2eRuntime(kafkaBrokers, redisUrl, { redisClusterNodes });
});

afterAll(async () => {
  await e2e?.stop();
});

describe('the local pipeline on a Redis Cluster', () => {
  it('delivers 10 requests × 100 recipients exactly once, with marks on every primary', async () => {
    showOutputOnFailure(e2e as E2eRuntime);
    // Prepare
    const requests = Array.from({ length: 10 }, () => phoneNumbers(100));

    // Act
    const accepted = await inBatches(
      requests.map(
        (recipients) => () => sendMessage(e2e.runtime.apiUrl, recipients, { idempotencyKey: randomUUID() }),
      ),
      5,
    );
    const requestIds = new Set(accepted.map((a) => a.requestId));
    const sends = await waitUntilQuiescent(e2e, requestIds, 1_000);
    const statuses = await waitAllSent(e2e.runtime.apiUrl, [...requestIds]);

    // Assess
    expect(accepted.map((a) => a.status)).toEqual(Array(10).fill(202));
    const counts = sendCounts(sends);
    expect(counts.size).toBe(1_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(statuses.map((c) => `${c.sent}/${c.total}`)).toEqual(Array(10).fill('100/100'));
    const cluster = testRedisClient('cluster') as Cluster;
    try {
      await cluster.ping();
      const prefix = e2e.keyPrefix;
      const markKeysPerPrimary = await Promise.all(
        cluster.nodes('master').map(async (node) => (await node.keys(`${prefix}dedup{*}:s:*`)).length),
      );
      expect(markKeysPerPrimary.every((count) => count > 0)).toBe(true);
    } finally {
      cluster.disconnect();
    }
  });
});
