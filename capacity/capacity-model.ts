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
  /** RedisStatusStore's page hash tags (16^pageTagDigits). */
  readonly statusPageTags: number;
  /** RedisStatusStore's time buckets per retention; a status may outlive the retention by one bucket. */
  readonly statusPagesPerRetention: number;
  /** Hash tags RedisDedupStore spreads claims and marks over (`{0}`…`{f}` for 16). */
  readonly dedupSlotTags: readonly string[];
  /** Share of deliveries sent for clients with a webhook, 0..1: each waits for its receipt timeout. */
  readonly webhookDeliveryShare: number;
  /** How long a receipt-timeout entry lives: the timeout plus one time bucket. */
  readonly receiptTimeoutLifeSeconds: number;
  /** Hash tags RedisReceiptTimeouts spreads its entries over (`{rt:0}`…`{rt:15}`). */
  readonly receiptTimeoutTags: readonly string[];
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

/** Where a kind of entry lives: under the dedup slot tags, the receipt-timeout tags, or all slots. */
export type Placement = 'dedup-slot-tags' | 'receipt-timeout-tags' | 'all-slots';

/** One kind of entry in the estimate. */
export interface KindEstimate {
  readonly kind: keyof EntrySizes;
  readonly entries: number;
  readonly bytesPerEntry: number;
  readonly bytes: number;
  readonly placement: Placement;
}

/** The hash tags the kinds that are not spread over all slots live under. */
export type SlotTags = Pick<TrafficInputs, 'dedupSlotTags' | 'receiptTimeoutTags'>;

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
  statusRecipient: 'all-slots',
  statusRequest: 'all-slots',
  statusPage: 'all-slots',
  receiptTimeout: 'receipt-timeout-tags',
};

/**
 * How many of `tags` pages hold at least one of `requests` requests spread evenly at random:
 * the expected occupancy tags × (1 − e^(−requests/tags)).
 */
export function occupiedPages(requests: number, tags: number): number {
  return tags * -Math.expm1(-requests / tags);
}

/** How many entries of each kind live at once at the given traffic. */
export function entryCounts(traffic: TrafficInputs): Record<EntryKind, number> {
  const average = traffic.averageDeliveriesPerSecond;
  const requestsPerSecond = average / traffic.recipientsPerRequest;
  // Why window + one bucket: a whole bucket expires at once, so its first marks outlive the window by
  // up to one bucket span; at the end of a span the cache holds that much more.
  const bucketSpan = Math.max(1, Math.ceil(traffic.dedupWindowSeconds / traffic.dedupBucketsPerWindow));
  const statusSpan = Math.max(1, Math.ceil(traffic.statusRetentionSeconds / traffic.statusPagesPerRetention));
  const statusLife = traffic.statusRetentionSeconds + statusSpan;
  return {
    sentMark: average * (traffic.dedupWindowSeconds + bucketSpan),
    // Why peak × lease: a claim lives at most one lease (it is dropped when the mark is written), so
    // even if every invocation crashed, no more than this many exist at once.
    inFlightClaim: traffic.peakDeliveriesPerSecond * traffic.claimLeaseSeconds,
    idempotencyRecord: requestsPerSecond * traffic.keyedRequestShare * traffic.idempotencyWindowSeconds,
    // Why retention + one bucket: a status page expires whole a retention after its time bucket ends.
    statusRecipient: average * statusLife,
    statusRequest: requestsPerSecond * statusLife,
    statusPage:
      (traffic.statusPagesPerRetention + 1) *
      occupiedPages(requestsPerSecond * statusSpan, traffic.statusPageTags),
    receiptTimeout: average * traffic.webhookDeliveryShare * traffic.receiptTimeoutLifeSeconds,
  };
}

/**
 * Entries × bytes per entry, per kind. Statuses hold no recipient address, so no size depends on the
 * channel: phone numbers, e-mail addresses and push tokens give the same plan.
 */
export function estimateKinds(
  counts: Readonly<Partial<Record<EntryKind, number>>>,
  sizes: EntrySizes,
): KindEstimate[] {
  return (Object.keys(PLACEMENTS) as EntryKind[]).map((kind) => {
    const entries = counts[kind] ?? 0;
    return {
      kind,
      entries,
      bytesPerEntry: sizes[kind],
      bytes: entries * sizes[kind],
      placement: PLACEMENTS[kind],
    };
  });
}

/** Entries and bytes per kind at the given traffic. */
export function estimateEntries(traffic: TrafficInputs, sizes: EntrySizes): KindEstimate[] {
  return estimateKinds(entryCounts(traffic), sizes);
}

/** Bytes on each shard when `kinds` are stored on a cluster with `shards` slot ranges. */
export function shardLoad(
  kinds: readonly KindEstimate[],
  shards: readonly SlotRanges[],
  tags: SlotTags,
  nodeOverheadBytes: number,
): ShardLoad {
  const shares: Record<Placement, readonly number[]> = {
    'dedup-slot-tags': tagSharesPerShard(shards, tags.dedupSlotTags),
    'receipt-timeout-tags': tagSharesPerShard(shards, tags.receiptTimeoutTags),
    'all-slots': slotSharesPerShard(shards),
  };
  const bytesPerShard = shards.map(
    (_, shard) => sum(kinds.map((k) => k.bytes * (shares[k.placement][shard] ?? 0))) + nodeOverheadBytes,
  );
  return { bytesPerShard, fullestShardBytes: Math.max(...bytesPerShard) };
}

/** How `nodeType` with the given slot layout holds `kinds`. */
export function fitOf(
  kinds: readonly KindEstimate[],
  nodeType: NodeType,
  shards: readonly SlotRanges[],
  tags: SlotTags,
  policy: SizingPolicy,
): Fit {
  const { fullestShardBytes } = shardLoad(kinds, shards, tags, policy.nodeOverheadBytes);
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
  tags: SlotTags,
  policy: SizingPolicy,
): Array<{ nodeType: NodeType; fit?: Fit }> {
  return NODE_TYPES.filter((type) => type.family === family).map((nodeType) => {
    for (let shardCount = 1; shardCount <= policy.maxShards; shardCount++) {
      const fit = fitOf(kinds, nodeType, evenSlotRanges(shardCount), tags, policy);
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
