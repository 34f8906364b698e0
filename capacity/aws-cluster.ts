/**
 * Reads a deployed replication group's node type and shards with DescribeReplicationGroups
 * (@aws-sdk/client-elasticache). Credentials and region come from the default AWS chain unless given.
 */
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { evenSlotRanges, parseSlotRanges } from './cluster-slots.ts';
import type { DeployedCluster } from './plan.ts';

/** How to reach the ElastiCache API. */
export interface ElastiCacheAccess {
  readonly region?: string;
  /** Endpoint override, e.g. a VPC endpoint or a local stand-in. */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Describes `replicationGroupId`; throws when it does not exist or has no node type. */
export async function describeDeployedCluster(
  replicationGroupId: string,
  access: ElastiCacheAccess = {},
): Promise<DeployedCluster> {
  const client = new ElastiCacheClient({
    ...(access.region ? { region: access.region } : {}),
    ...(access.endpoint ? { endpoint: access.endpoint } : {}),
    ...(access.credentials ? { credentials: access.credentials } : {}),
    maxAttempts: 2,
  });
  try {
    const { ReplicationGroups = [] } = await client.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
    );
    const group = ReplicationGroups.find((g) => g.ReplicationGroupId === replicationGroupId);
    if (!group) throw new Error(`replication group ${replicationGroupId} not found`);
    if (!group.CacheNodeType) throw new Error(`replication group ${replicationGroupId} reports no node type`);
    const nodeGroups = group.NodeGroups ?? [];
    if (nodeGroups.length === 0)
      throw new Error(`replication group ${replicationGroupId} reports no node groups`);
    // Cluster mode disabled: one node group holding every slot, and no Slots field.
    const shards = nodeGroups.some((g) => g.Slots)
      ? nodeGroups.map((g) => parseSlotRanges(g.Slots ?? ''))
      : evenSlotRanges(nodeGroups.length);
    const membersPerShard = Math.min(...nodeGroups.map((g) => g.NodeGroupMembers?.length ?? 1));
    return {
      replicationGroupId,
      nodeType: group.CacheNodeType,
      shards,
      replicasPerShard: Math.max(0, membersPerShard - 1),
      status: group.Status ?? 'unknown',
    };
  } finally {
    client.destroy();
  }
}
