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

interface NodeLine {
  readonly id: string;
  readonly port: number;
  readonly isPrimary: boolean;
  readonly primaryId: string;
  readonly slots: string[];
}

/** CLUSTER NODES as seen by the node on `port`, failed nodes left out. */
async function nodes(port: number): Promise<NodeLine[]> {
  const text = String(await admin(port).call('CLUSTER', 'NODES'));
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => !(fields[2] ?? '').includes('fail'))
    .map((fields) => ({
      id: fields[0] as string,
      port: Number((fields[1] as string).split('@')[0]?.split(':')[1]),
      isPrimary: (fields[2] as string).includes('master'),
      primaryId: fields[3] as string,
      slots: fields.slice(8),
    }));
}

function ownsSlot(node: NodeLine, slot: number): boolean {
  return node.slots.some((range) => {
    const [first, last] = range.split('-').map(Number);
    return slot >= (first as number) && slot <= ((last ?? first) as number);
  });
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
const seedPort = () => Number(cluster.runningSeeds()?.[0]?.split(':')[1]);

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
    await store.complete(sent(marked), 'sender');
    const base = store.groupBase(marked[0] as string);
    const slot = Number(await admin(seedPort()).call('CLUSTER', 'KEYSLOT', base));
    const view = await nodes(seedPort());
    const source = view.find((node) => node.isPrimary && ownsSlot(node, slot)) as NodeLine;
    const target = view.find((node) => node.slots.length > 0 && node.id !== source.id) as NodeLine;
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
    const slot = Number(
      await admin(seedPort()).call('CLUSTER', 'KEYSLOT', store.groupBase(ids[0] as string)),
    );
    const view = await nodes(seedPort());
    const primary = view.find((node) => node.isPrimary && ownsSlot(node, slot)) as NodeLine;
    const replica = view.find((node) => node.primaryId === primary.id) as NodeLine;
    const replicaPid = cluster.recordedNodes().find((node) => node.port === replica.port)?.pid as number;

    // Act
    process.kill(replicaPid, 'SIGSTOP');
    const whileStopped = await store.complete(sent(ids), 'sender').then(
      () => 'marked',
      (error: unknown) => error,
    );
    process.kill(replicaPid, 'SIGCONT');
    await sleep(200);
    await store.complete(sent(ids), 'sender');

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
    await store.complete(sent(marked), 'sender');
    const slot = Number(
      await admin(seedPort()).call('CLUSTER', 'KEYSLOT', store.groupBase(marked[0] as string)),
    );
    const before = await nodes(seedPort());
    const primary = before.find((node) => node.isPrimary && ownsSlot(node, slot)) as NodeLine;
    const replica = before.find((node) => node.primaryId === primary.id) as NodeLine;
    const primaryPid = cluster.recordedNodes().find((node) => node.port === primary.port)?.pid as number;
    // Reads what survived; WAIT 1 cannot succeed on a shard whose only replica became its primary.
    const reader = new RedisDedupStore(client, { keyPrefix: prefix, windowSeconds: 3600, leaseMs: 60_000 });

    // Act
    process.kill(primaryPid, 'SIGKILL');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const view = await nodes(replica.port).catch(() => []);
      if (view.some((node) => node.id === replica.id && node.isPrimary && ownsSlot(node, slot))) break;
      await sleep(100);
    }
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
});
