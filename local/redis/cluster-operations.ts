/**
 * What an operator (or ElastiCache) does to a running Redis Cluster, for tests and drills on the
 * local cluster: read the topology, find a slot's primary, move a slot to another primary as online
 * resharding does (SETSLOT IMPORTING / MIGRATING, MIGRATE in batches, SETSLOT NODE), wait for a
 * replica to take over after its primary died.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** One node as CLUSTER NODES lists it. */
export interface ClusterNodeView {
  readonly id: string;
  readonly port: number;
  readonly isPrimary: boolean;
  /** The primary's id for a replica, '-' for a primary. */
  readonly primaryId: string;
  /** Slot ranges as listed ("0-5460", "42"). */
  readonly slots: readonly string[];
}

/** A short-lived admin connection to the node on `port`. */
async function withNode<T>(port: number, use: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  node.on('error', () => undefined);
  try {
    return await use(node);
  } finally {
    node.disconnect();
  }
}

/** The cluster as the node on `port` sees it, nodes it considers failed left out. */
export function clusterNodes(port: number): Promise<ClusterNodeView[]> {
  return withNode(port, async (node) =>
    String(await node.call('CLUSTER', 'NODES'))
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
      })),
  );
}

/** True when `node` serves `slot` (importing / migrating markers are ignored). */
export function servesSlot(node: ClusterNodeView, slot: number): boolean {
  return node.slots.some((range) => {
    if (range.startsWith('[')) return false;
    const [first, last] = range.split('-').map(Number) as [number, number | undefined];
    return slot >= first && slot <= (last ?? first);
  });
}

/** The hash slot of `key` (CLUSTER KEYSLOT on the node on `port`). */
export function slotOfKey(port: number, key: string): Promise<number> {
  return withNode(port, async (node) => Number(await node.call('CLUSTER', 'KEYSLOT', key)));
}

/** The primary that serves `slot`, as the node on `port` sees it. */
export async function primaryOfSlot(port: number, slot: number): Promise<ClusterNodeView> {
  const primary = (await clusterNodes(port)).find((node) => node.isPrimary && servesSlot(node, slot));
  if (!primary) throw new Error(`no primary serves slot ${slot}`);
  return primary;
}

/**
 * Moves `slot` to the primary `targetId` while the cluster serves traffic, as `redis-cli --cluster
 * reshard` does: the target imports, the source migrates, keys go over in batches of `batchKeys`
 * with MIGRATE (`pauseMs` apart), then every primary learns the new owner. Clients meanwhile get
 * ASK or TRYAGAIN.
 */
export async function moveSlot(
  seedPort: number,
  slot: number,
  targetId: string,
  options: { batchKeys?: number; pauseMs?: number } = {},
): Promise<void> {
  const { batchKeys = 100, pauseMs = 0 } = options;
  const nodes = await clusterNodes(seedPort);
  const source = nodes.find((node) => node.isPrimary && servesSlot(node, slot));
  const target = nodes.find((node) => node.id === targetId);
  if (!source || !target) throw new Error(`slot ${slot}: no source or no target ${targetId}`);
  if (source.id === target.id) return;
  await withNode(target.port, (node) =>
    node.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id),
  );
  await withNode(source.port, async (node) => {
    await node.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
    for (;;) {
      const keys = (await node.call('CLUSTER', 'GETKEYSINSLOT', String(slot), String(batchKeys))) as string[];
      if (keys.length === 0) break;
      await node.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...keys);
      // Drills hold the slot in migration longer, so traffic meets the half-moved state.
      if (pauseMs > 0) await sleep(pauseMs);
    }
  });
  for (const primary of nodes.filter((node) => node.isPrimary && node.slots.length > 0))
    await withNode(primary.port, (node) => node.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id));
}

/** Waits until the node `replicaId` (reachable on `port`) is a primary serving `slot`. */
export async function waitForPromotion(
  port: number,
  replicaId: string,
  slot: number,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const nodes = await clusterNodes(port).catch(() => []);
    if (nodes.some((node) => node.id === replicaId && node.isPrimary && servesSlot(node, slot))) return;
    await sleep(100);
  }
  throw new Error(`replica ${replicaId} did not take over slot ${slot} within ${timeoutMs} ms`);
}
