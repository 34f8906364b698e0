/**
 * Builds a capacity plan (the object `herald capacity --json` prints): the estimate per kind, the
 * recommended node type and shard count, the alternatives, a stage-config fragment for lib/ and,
 * when a deployed cluster is given, whether the plan fits it.
 */
import {
  estimateEntries,
  type Fit,
  fitOf,
  fitsByNodeType,
  type KindEstimate,
  recommend,
  type SizingPolicy,
  type TrafficInputs,
} from './capacity-model.ts';
import type { SlotRanges } from './cluster-slots.ts';
import type { EntrySizes } from './entry-sizes.ts';
import { findNodeType } from './node-types.ts';

/** Version of the JSON shape; bumped on any incompatible change. */
export const PLAN_FORMAT_VERSION = 2;

/** Where the bytes-per-entry figures came from. */
export type EntrySizesSource =
  | { readonly kind: 'built-in' }
  | { readonly kind: 'measured'; readonly redis: string };

/** A deployed replication group as DescribeReplicationGroups reports it. */
export interface DeployedCluster {
  readonly replicationGroupId: string;
  readonly nodeType: string;
  /** Slot ranges per shard (node group). */
  readonly shards: readonly SlotRanges[];
  readonly replicasPerShard: number;
  readonly status: string;
}

/** What one retention knob costs: the saving if it were halved. */
export interface KnobCost {
  readonly knob: 'statusRetentionSeconds' | 'idempotencyWindowSeconds' | 'dedupWindowSeconds';
  readonly seconds: number;
  readonly halvedSeconds: number;
  /** Entry bytes saved by halving it, the rest unchanged. */
  readonly savedBytes: number;
}

const KNOBS: ReadonlyArray<KnobCost['knob']> = [
  'statusRetentionSeconds',
  'idempotencyWindowSeconds',
  'dedupWindowSeconds',
];

/** What halving each retention knob saves at this traffic. */
export function knobCosts(traffic: TrafficInputs, sizes: EntrySizes): KnobCost[] {
  const total = (t: TrafficInputs) => estimateEntries(t, sizes).reduce((sum, k) => sum + k.bytes, 0);
  const base = total(traffic);
  return KNOBS.map((knob) => {
    const halvedSeconds = Math.max(1, Math.round(traffic[knob] / 2));
    return {
      knob,
      seconds: traffic[knob],
      halvedSeconds,
      savedBytes: base - total({ ...traffic, [knob]: halvedSeconds }),
    };
  });
}

/** The plan. */
export interface CapacityPlan {
  readonly formatVersion: number;
  readonly traffic: TrafficInputs;
  readonly policy: SizingPolicy & { readonly family: string };
  readonly entrySizes: EntrySizes & { readonly source: EntrySizesSource };
  readonly kinds: readonly KindEstimate[];
  readonly totalEntryBytes: number;
  /** A line per retention knob: what halving it saves. */
  readonly knobs: readonly KnobCost[];
  /** Undefined when no node type of the family fits within maxShards. */
  readonly recommendation?: Fit;
  readonly alternatives: ReadonlyArray<{ readonly nodeType: string; readonly fit?: Fit }>;
  /** Spread into a stage config (lib/config/stages.ts): `cache` merges into CacheSettings. */
  readonly stageConfig?: {
    readonly cache: { readonly nodeType: string; readonly shardCount: number };
    readonly ingest: { readonly idempotencyWindowSeconds: number; readonly statusRetentionSeconds: number };
    readonly dispatch: { readonly dedupWindowSeconds: number };
    readonly observability: { readonly cacheMemoryWarnPercent: number };
  };
  readonly deployed?: DeployedCluster & { readonly fit: Fit };
}

/** Computes the plan; `deployed` adds the fit check against a running cluster. */
export function buildPlan(
  traffic: TrafficInputs,
  policy: SizingPolicy & { readonly family: string },
  entrySizes: EntrySizes & { readonly source: EntrySizesSource },
  deployed?: DeployedCluster,
): CapacityPlan {
  const kinds = estimateEntries(traffic, entrySizes);
  const options = fitsByNodeType(kinds, policy.family, traffic, policy);
  const recommendation = recommend(options);
  const plan: CapacityPlan = {
    formatVersion: PLAN_FORMAT_VERSION,
    traffic,
    policy,
    entrySizes,
    kinds,
    totalEntryBytes: kinds.reduce((total, kind) => total + kind.bytes, 0),
    knobs: knobCosts(traffic, entrySizes),
    ...(recommendation ? { recommendation } : {}),
    alternatives: options.map(({ nodeType, fit }) => ({ nodeType: nodeType.name, ...(fit ? { fit } : {}) })),
    ...(recommendation
      ? {
          stageConfig: {
            cache: { nodeType: recommendation.nodeType, shardCount: recommendation.shardCount },
            ingest: {
              idempotencyWindowSeconds: traffic.idempotencyWindowSeconds,
              statusRetentionSeconds: traffic.statusRetentionSeconds,
            },
            dispatch: { dedupWindowSeconds: traffic.dedupWindowSeconds },
            observability: { cacheMemoryWarnPercent: policy.alarmPercent },
          },
        }
      : {}),
  };
  if (!deployed) return plan;
  const nodeType = findNodeType(deployed.nodeType);
  if (!nodeType) throw new Error(`node type ${deployed.nodeType} is not in the planner's table`);
  return {
    ...plan,
    deployed: { ...deployed, fit: fitOf(kinds, nodeType, deployed.shards, traffic, policy) },
  };
}
