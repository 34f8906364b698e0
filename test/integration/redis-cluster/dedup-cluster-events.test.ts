/**
 * RedisDedupStore through what a Redis Cluster goes through in production: a slot migrating between
 * primaries (the documented answer to the memory alarm is "add shards"), a replica that stops
 * acknowledging, and a primary killed with kill -9 and replaced by its replica. Runs on its own
 * 3 + 3 node cluster (local/redis/redis-cluster.ts), since it moves slots and kills nodes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../../lambdas/adapters/redis-client.ts';
import { RedisDedupStore } from '../../../lambdas/adapters/redis-dedup-store.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { isAlive } from '../../../local/infra/process-utils.ts';
import {
  type ClusterNodeView,
  clusterNodes,
  moveSlot,
  primaryOfSlot,
  servesSlot,
  slotOfKey,
  waitForPromotion,
} from '../../../local/redis/cluster-operations.ts';
import { RedisCluster } from '../../../local/redis/redis-cluster.ts';
import { uniqueName } from '../../support/engines.ts';

const home = mkdtempSync(join(tmpdir(), 'herald-cluster-events-'));
const cluster = new RedisCluster({ home });
const admins = new Map<number, Redis>();
let client: RedisClient;

/** An admin connection to one node (by port). */
function admin(port: number): Redis {
  let connection = admins.get(port);
  if (!connection) {
    connection = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    connection.on('error', () => undefined);
    admins.set(port, connection);
  }
  return connection;
}

/** `count` deliveryIds of slot group `group` (the top 4 bits of the first byte; 16 groups). */
function idsOfGroup(group: number, count: number): string[] {
  return Array.from({ length: count }, () => {
    const raw = randomBytes(16);
    raw[0] = (group << 4) | ((raw[0] as number) & 0x0f);
    return raw.toString('base64url');
  });
}

const sent = (ids: readonly string[]) => ids.map((deliveryId) => ({ deliveryId, kind: 'sent' as const }));
/** A live node to ask (a test may have killed others). */
const seedPort = () => cluster.recordedNodes().find((node) => isAlive(node.pid))?.port as number;

beforeAll(async () => {
  const { seeds } = await cluster.start();
  client = createRedisClient({ url: `redis://${seeds[0]}`, isCluster: true });
});

afterAll(async () => {
  client?.disconnect();
  for (const connection of admins.values()) connection.disconnect();
  await cluster.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('RedisDedupStore on a Redis Cluster', () => {
  it('never claims a marked id while its slot migrates: it fails closed until the slot has moved, then finds the marks', async () => {
    // Prepare
    const prefix = `${uniqueName('mig')}:`;
    const store = new RedisDedupStore(client, { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 });
    const marked = idsOfGroup(0, 200);
    await store.claim(marked, 'sender');
    await store.mark(sent(marked), 'sender');
    const base = store.groupBase(marked[0] as string);
    const slot = await slotOfKey(seedPort(), base);
    const view = await clusterNodes(seedPort());
    const source = view.find((node) => node.isPrimary && servesSlot(node, slot)) as ClusterNodeView;
    const target = view.find((node) => node.slots.length > 0 && node.id !== source.id) as ClusterNodeView;
    await admin(target.port).call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
    await admin(source.port).call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
    // Half moved: the mark hashes are on the target, the meta that lists them still on the source.
    const markKeys = await admin(source.port).keys(`${base}:s:*`);
    expect(markKeys.length).toBeGreaterThan(0);
    await admin(source.port).call(
      'MIGRATE',
      '127.0.0.1',
      String(target.port),
      '',
      '0',
      '5000',
      'KEYS',
      ...markKeys,
    );

    // Act
    const midMigration = await store.claim(marked, 'redelivery').then(
      (results) => [...results.values()],
      (error: unknown) => error,
    );
    const rest = await admin(source.port).keys(`${base}*`);
    await admin(source.port).call(
      'MIGRATE',
      '127.0.0.1',
      String(target.port),
      '',
      '0',
      '5000',
      'KEYS',
      ...rest,
    );
    for (const node of view.filter((n) => n.slots.length > 0))
      await admin(node.port).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
    const afterMigration = await store.claim(marked, 'redelivery');

    // Assess
    expect(midMigration).toBeInstanceOf(DependencyUnavailableError);
    expect([...afterMigration.values()].filter((result) => result.outcome !== 'duplicate')).toEqual([]);
  });

  it('reports a mark no replica acknowledged as a failure, and succeeds once the replica answers again', async () => {
    // Prepare
    const prefix = `${uniqueName('wait')}:`;
    const store = new RedisDedupStore(client, {
      keyPrefix: prefix,
      windowSeconds: 3600,
      leaseMs: 60_000,
      waitReplicas: 1,
      waitTimeoutMs: 100,
    });
    const ids = idsOfGroup(1, 50);
    await store.claim(ids, 'sender');
    const slot = await slotOfKey(seedPort(), store.groupBase(ids[0] as string));
    const primary = await primaryOfSlot(seedPort(), slot);
    const replica = (await clusterNodes(seedPort())).find(
      (node) => node.primaryId === primary.id,
    ) as ClusterNodeView;
    const replicaPid = cluster.recordedNodes().find((node) => node.port === replica.port)?.pid as number;

    // Act
    process.kill(replicaPid, 'SIGSTOP');
    const whileStopped = await store.mark(sent(ids), 'sender').then(
      () => 'marked',
      (error: unknown) => error,
    );
    process.kill(replicaPid, 'SIGCONT');
    await sleep(200);
    await store.mark(sent(ids), 'sender');

    // Assess
    expect(whileStopped).toBeInstanceOf(DependencyUnavailableError);
    const results = await store.claim(ids, 'redelivery');
    expect([...results.values()].every((result) => result.outcome === 'duplicate')).toBe(true);
  });

  it('keeps every WAIT-acknowledged mark and claim when the primary is killed and its replica takes over, and fails closed while the new primary has no replica', async () => {
    // Prepare
    const prefix = `${uniqueName('failover')}:`;
    const store = new RedisDedupStore(client, {
      keyPrefix: prefix,
      windowSeconds: 3600,
      leaseMs: 60_000,
      waitReplicas: 1,
      waitTimeoutMs: 1_000,
    });
    const marked = idsOfGroup(2, 300);
    const claimed = idsOfGroup(2, 100);
    await store.claim([...marked, ...claimed], 'sender');
    await store.mark(sent(marked), 'sender');
    const slot = await slotOfKey(seedPort(), store.groupBase(marked[0] as string));
    const primary = await primaryOfSlot(seedPort(), slot);
    const replica = (await clusterNodes(seedPort())).find(
      (node) => node.primaryId === primary.id,
    ) as ClusterNodeView;
    const primaryPid = cluster.recordedNodes().find((node) => node.port === primary.port)?.pid as number;
    // Reads what survived; WAIT 1 cannot succeed on a shard whose only replica became its primary.
    const reader = new RedisDedupStore(client, { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 });

    // Act
    process.kill(primaryPid, 'SIGKILL');
    await waitForPromotion(replica.port, replica.id, slot);
    const deadline = Date.now() + 20_000;
    let results: ReadonlyMap<string, { outcome: string }> | undefined;
    while (!results && Date.now() < deadline) {
      // Until the client has found the promoted replica, claims fail closed (and a batch would retry).
      results = await reader.claim([...marked, ...claimed], 'redelivery').catch(() => undefined);
      if (!results) await sleep(200);
    }

    const withWait = await store.claim(marked, 'redelivery').then(
      () => 'claimed',
      (error: unknown) => error,
    );

    // Assess
    expect(withWait).toBeInstanceOf(DependencyUnavailableError);
    expect(results).toBeDefined();
    expect(marked.filter((id) => results?.get(id)?.outcome !== 'duplicate')).toEqual([]);
    expect(claimed.filter((id) => results?.get(id)?.outcome !== 'in-flight')).toEqual([]);
  });

  it('moves a slot group to another primary while batches are claimed and marked: no marked id is ever claimed, every mark is found', async () => {
    // Prepare
    const prefix = `${uniqueName('reshard')}:`;
    const store = new RedisDedupStore(client, { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 });
    const marked = idsOfGroup(3, 500);
    await store.claim(marked, 'sender');
    await store.mark(sent(marked), 'sender');
    const slot = await slotOfKey(seedPort(), store.groupBase(marked[0] as string));
    const source = await primaryOfSlot(seedPort(), slot);
    const target = (await clusterNodes(seedPort())).find(
      (node) => node.isPrimary && node.slots.length > 0 && node.id !== source.id,
    ) as ClusterNodeView;
    let isMoving = true;
    let [batchesDuringMove, failedClosed] = [0, 0];
    const claimedTwice: string[] = [];

    // Act: batches keep claiming marked ids and marking new ones while the slot moves one key at a time.
    const traffic = (async () => {
      while (isMoving) {
        batchesDuringMove += 1;
        const fresh = idsOfGroup(3, 50);
        try {
          const results = await store.claim([...marked.slice(0, 100), ...fresh], 'redelivery');
          claimedTwice.push(...marked.filter((id) => results.get(id)?.outcome === 'claimed'));
          await store.mark(sent(fresh), 'redelivery');
          marked.push(...fresh);
        } catch (error) {
          if (!(error instanceof DependencyUnavailableError)) throw error;
          failedClosed += 1;
        }
      }
    })();
    await moveSlot(seedPort(), slot, target.id, { batchKeys: 1, pauseMs: 50 });
    isMoving = false;
    await traffic;
    const after = await store.claim(marked, 'after-move');

    // Assess
    expect(batchesDuringMove).toBeGreaterThanOrEqual(3);
    expect(claimedTwice).toEqual([]);
    expect((await primaryOfSlot(seedPort(), slot)).id).toBe(target.id);
    expect(marked.filter((id) => after.get(id)?.outcome !== 'duplicate')).toEqual([]);
    console.log(
      `reshard: ${batchesDuringMove} batches during the move, ${failedClosed} failed closed, ${marked.length} marks`,
    );
  });
});
