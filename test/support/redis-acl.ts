/**
 * Makes part of a real Redis refuse a store's commands, to show how a store behaves when one slot
 * group of a cluster fails and the others do not: an ACL user that may touch only the keys of some
 * hash tags (`~*{g}*`), narrowed and widened at run time on every primary. Commands on the other
 * groups' keys get NOPERM, as a real failing shard answers an error.
 */
import type { Cluster } from 'ioredis';
import { createRedisClient, type RedisClient } from '../../lambdas/adapters/redis-client.ts';
import { type RedisTopology, testEngines, uniqueName } from './engines.ts';

/** A client logged in as its own ACL user, and the knobs on that user's key permissions. */
export interface RestrictedClient {
  readonly client: RedisClient;
  /** From now on, keys whose hash tag is one of `tags` are refused; all others allowed. */
  refuse(tags: readonly string[]): Promise<void>;
  /** From now on, every key is refused. */
  refuseAll(): Promise<void>;
  /** Allows every key again. */
  allowAll(): Promise<void>;
  /** Disconnects and deletes the user. */
  close(): Promise<void>;
}

const HEX_TAGS = Array.from({ length: 16 }, (_, g) => g.toString(16));

/** Connects as a fresh ACL user (allowed everything at first) to the test Redis of `topology`. */
export async function restrictedClient(topology: RedisTopology): Promise<RestrictedClient> {
  const engines = testEngines();
  const url =
    topology === 'single node' ? engines.redisUrl : `redis://${engines.redisClusterNodes[0] as string}`;
  const isCluster = topology === 'cluster';
  const admin = createRedisClient({ url, isCluster });
  const user = uniqueName('acl');
  const password = uniqueName('pw');
  const onEveryNode = async (...args: string[]) => {
    const nodes = isCluster ? (admin as Cluster).nodes('all') : [admin];
    await Promise.all(nodes.map((node) => node.call('ACL', ...args)));
  };
  const setKeys = (patterns: readonly string[]) =>
    onEveryNode('SETUSER', user, 'on', `>${password}`, '+@all', 'resetkeys', ...patterns);
  if (isCluster) await (admin as Cluster).ping();
  await setKeys(['~*']);
  const target = new URL(url);
  target.username = user;
  target.password = password;
  const client = createRedisClient({ url: target.toString(), isCluster });
  return {
    client,
    refuse: (tags) => setKeys(HEX_TAGS.filter((tag) => !tags.includes(tag)).map((tag) => `~*{${tag}}*`)),
    refuseAll: () => setKeys([]),
    allowAll: () => setKeys(['~*']),
    async close() {
      client.disconnect();
      await onEveryNode('DELUSER', user).catch(() => undefined);
      admin.disconnect();
    },
  };
}
