/**
 * The capacity model (pure): how many entries of each kind Herald keeps in Redis at the given traffic,
 * how many bytes they take, how they spread over shards, and which node type and shard count keep the
 * fullest node under the memory alarm after ElastiCache's reserved memory.
 */
import { evenSlotRanges, type SlotRanges, slotSharesPerShard, tagSharesPerShard } from './cluster-slots.ts';
import type { EntrySizes } from './entry-sizes.ts';
import { NODE_TYPES, type NodeType } from './node-types.ts';

/** Traffic and retention the cache must hold. */
export interface TrafficInputs {
  /** Deliveries per second at peak (one per recipient). */
  readonly peakDeliveriesPerSecond: number;
  /** Deliveries per second averaged over the longest window; windows fill at this rate. */
  readonly averageDeliveriesPerSecond: number;
  readonly dedupWindowSeconds: number;
  /** RedisDedupStore's time buckets per window; a mark may outlive the window by one bucket. */
  readonly dedupBucketsPerWindow: number;
  readonly claimLeaseSeconds: number;
  /** Request-identity (Idempotency-Key) window. */
  readonly idempotencyWindowSeconds: number;
  readonly statusRetentionSeconds: number;
  /** Average recipients per API request (1 = worst case for per-request records). */
  readonly recipientsPerRequest: number;
  /** Share of requests sent with an Idempotency-Key, 0..1. */
  readonly keyedRequestShare: number;
  /** Average recipient length in characters (status entries store the recipient). */
  readonly recipientChars: number;
  /** Hash tags RedisDedupStore spreads claims and marks over (`{0}`…`{f}` for 16). */
  readonly dedupSlotTags: readonly string[];
}

/** How much of a node the plan may use. */
export interface SizingPolicy {
  /** ElastiCache `reserved-memory-percent`. */
  readonly reservedMemoryPercent: number;
  /** DatabaseMemoryUsagePercentage alarm threshold. */
  readonly alarmPercent: number;
  /** Growth the plan must absorb before the alarm fires, percent of the estimate. */
  readonly growthPercent: number;
  /** Fixed per-node use besides entries (empty-server memory, replication backlog, client buffers). */
  readonly nodeOverheadBytes: number;
  readonly maxShards: number;
}

/** Where a kind of entry lives: under the dedup slot tags, or spread over all slots. */
export type Placement = 'dedup-slot-tags' | 'all-slots';

/** One kind of entry in the estimate. */
export interface KindEstimate {
  readonly kind: keyof Omit<EntrySizes, 'recipientChars'>;
  readonly entries: number;
  readonly bytesPerEntry: number;
  readonly bytes: number;
  readonly placement: Placement;
}

/** Memory per shard for one cluster layout. */
export interface ShardLoad {
  /** Bytes on each shard's primary (entries + node overhead). */
  readonly bytesPerShard: readonly number[];
  readonly fullestShardBytes: number;
}

/** How one node type and shard layout holds the estimate. */
export interface Fit {
  readonly nodeType: string;
  readonly shardCount: number;
  readonly maxMemoryBytes: number;
  /** INFO maxmemory: what remains after the reserved memory. */
  readonly usableBytesPerNode: number;
  /** Usage at which the memory alarm fires. */
  readonly alarmBytesPerNode: number;
  readonly fullestShardBytes: number;
  /** Fullest shard's DatabaseMemoryUsagePercentage. */
  readonly fullestShardPercent: number;
  /** Growth the fullest shard absorbs before the alarm fires (negative: already past it). */
  readonly headroomPercent: number;
  readonly fits: boolean;
}

/** The kinds of entry Herald keeps in Redis. */
export type EntryKind = KindEstimate['kind'];

const PLACEMENTS: Readonly<Record<EntryKind, Placement>> = {
  sentMark: 'dedup-slot-tags',
  inFlightClaim: 'dedup-slot-tags',
  idempotencyRecord: 'all-slots',
  statusEntry: 'all-slots',
  statusRequest: 'all-slots',
};

/** How many entries of each kind live at once at the given traffic. */
export function entryCounts(traffic: TrafficInputs): Record<EntryKind, number> {
  const average = traffic.averageDeliveriesPerSecond;
  const requestsPerSecond = average / traffic.recipientsPerRequest;
  // Why window + one bucket: a whole bucket expires at once, so its first marks outlive the window by
  // up to one bucket span; at the end of a span the cache holds that much more.
  const bucketSpan = Math.max(1, Math.ceil(traffic.dedupWindowSeconds / traffic.dedupBucketsPerWindow));
  return {
    sentMark: average * (traffic.dedupWindowSeconds + bucketSpan),
    // Why peak × lease: a claim lives at most one lease (it is dropped when the mark is written), so
    // even if every invocation crashed, no more than this many exist at once.
    inFlightClaim: traffic.peakDeliveriesPerSecond * traffic.claimLeaseSeconds,
    idempotencyRecord: requestsPerSecond * traffic.keyedRequestShare * traffic.idempotencyWindowSeconds,
    statusEntry: average * traffic.statusRetentionSeconds,
    statusRequest: requestsPerSecond * traffic.statusRetentionSeconds,
  };
}

/**
 * Entries × bytes per entry, per kind. Status entries store the recipient, so their size moves with
 * the recipient length (`recipientChars`) relative to the length they were measured with.
 */
export function estimateKinds(
  counts: Readonly<Partial<Record<EntryKind, number>>>,
  sizes: EntrySizes,
  recipientChars = sizes.recipientChars,
): KindEstimate[] {
  const bytesPerEntry: Record<EntryKind, number> = {
    sentMark: sizes.sentMark,
    inFlightClaim: sizes.inFlightClaim,
    idempotencyRecord: sizes.idempotencyRecord,
    statusEntry: sizes.statusEntry + (recipientChars - sizes.recipientChars),
    statusRequest: sizes.statusRequest,
  };
  return (Object.keys(PLACEMENTS) as EntryKind[]).map((kind) => {
    const entries = counts[kind] ?? 0;
    return {
      kind,
      entries,
      bytesPerEntry: bytesPerEntry[kind],
      bytes: entries * bytesPerEntry[kind],
      placement: PLACEMENTS[kind],
    };
  });
}

/** Entries and bytes per kind at the given traffic. */
export function estimateEntries(traffic: TrafficInputs, sizes: EntrySizes): KindEstimate[] {
  return estimateKinds(entryCounts(traffic), sizes, traffic.recipientChars);
}

/** Bytes on each shard when `kinds` are stored on a cluster with `shards` slot ranges. */
export function shardLoad(
  kinds: readonly KindEstimate[],
  shards: readonly SlotRanges[],
  dedupSlotTags: readonly string[],
  nodeOverheadBytes: number,
): ShardLoad {
  const tagShares = tagSharesPerShard(shards, dedupSlotTags);
  const slotShares = slotSharesPerShard(shards);
  const grouped = sum(kinds.filter((k) => k.placement === 'dedup-slot-tags').map((k) => k.bytes));
  const spread = sum(kinds.filter((k) => k.placement === 'all-slots').map((k) => k.bytes));
  const bytesPerShard = shards.map(
    (_, shard) => grouped * (tagShares[shard] ?? 0) + spread * (slotShares[shard] ?? 0) + nodeOverheadBytes,
  );
  return { bytesPerShard, fullestShardBytes: Math.max(...bytesPerShard) };
}

/** How `nodeType` with the given slot layout holds `kinds`. */
export function fitOf(
  kinds: readonly KindEstimate[],
  nodeType: NodeType,
  shards: readonly SlotRanges[],
  dedupSlotTags: readonly string[],
  policy: SizingPolicy,
): Fit {
  const { fullestShardBytes } = shardLoad(kinds, shards, dedupSlotTags, policy.nodeOverheadBytes);
  const usableBytesPerNode = nodeType.maxMemoryBytes * (1 - policy.reservedMemoryPercent / 100);
  const alarmBytesPerNode = usableBytesPerNode * (policy.alarmPercent / 100);
  const headroomPercent = (alarmBytesPerNode / fullestShardBytes - 1) * 100;
  return {
    nodeType: nodeType.name,
    shardCount: shards.length,
    maxMemoryBytes: nodeType.maxMemoryBytes,
    usableBytesPerNode,
    alarmBytesPerNode,
    fullestShardBytes,
    fullestShardPercent: (fullestShardBytes / usableBytesPerNode) * 100,
    headroomPercent,
    fits: headroomPercent >= policy.growthPercent,
  };
}

/** For each node type of `family`: the fewest even-slot shards that fit, or undefined when none does. */
export function fitsByNodeType(
  kinds: readonly KindEstimate[],
  family: string,
  dedupSlotTags: readonly string[],
  policy: SizingPolicy,
): Array<{ nodeType: NodeType; fit?: Fit }> {
  return NODE_TYPES.filter((type) => type.family === family).map((nodeType) => {
    for (let shardCount = 1; shardCount <= policy.maxShards; shardCount++) {
      const fit = fitOf(kinds, nodeType, evenSlotRanges(shardCount), dedupSlotTags, policy);
      if (fit.fits) return { nodeType, fit };
    }
    return { nodeType };
  });
}

/** The cheapest-looking fit: least provisioned memory (a price proxy within a family), then fewer shards. */
export function recommend(options: ReadonlyArray<{ fit?: Fit }>): Fit | undefined {
  const fits = options.flatMap((option) => (option.fit ? [option.fit] : []));
  fits.sort(
    (a, b) =>
      a.maxMemoryBytes * a.shardCount - b.maxMemoryBytes * b.shardCount || a.shardCount - b.shardCount,
  );
  return fits[0];
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
