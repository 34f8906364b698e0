/**
 * ElastiCache node types the planner may recommend, with the `maxmemory` AWS gives each one.
 * Source: Amazon ElastiCache User Guide, "Engine specific parameters" → "Redis OSS node-type specific
 * parameters" (the Valkey table lists the same values for these types). `maxmemory` is the node's
 * whole data memory; ElastiCache then holds back `reserved-memory-percent` (default 25 %) of it, and
 * INFO's `maxmemory` (the denominator of the DatabaseMemoryUsagePercentage metric) is what remains.
 */

/** One ElastiCache node type. */
export interface NodeType {
  readonly name: string;
  /** Node family: the part between `cache.` and the size. */
  readonly family: string;
  /** `maxmemory` of the node type in bytes, as AWS documents it. */
  readonly maxMemoryBytes: number;
}

const MAX_MEMORY_BYTES: Readonly<Record<string, number>> = {
  'cache.t4g.micro': 536_870_912,
  'cache.t4g.small': 1_471_026_299,
  'cache.t4g.medium': 3_317_862_236,
  'cache.m6g.large': 6_854_542_746,
  'cache.m6g.xlarge': 13_891_921_715,
  'cache.m6g.2xlarge': 27_966_669_210,
  'cache.m6g.4xlarge': 56_116_178_125,
  'cache.m6g.8xlarge': 111_325_552_312,
  'cache.m6g.12xlarge': 168_715_971_994,
  'cache.m6g.16xlarge': 225_000_375_228,
  'cache.m7g.large': 6_854_542_746,
  'cache.m7g.xlarge': 13_891_921_715,
  'cache.m7g.2xlarge': 27_966_669_210,
  'cache.m7g.4xlarge': 56_116_178_125,
  'cache.m7g.8xlarge': 111_325_552_312,
  'cache.m7g.12xlarge': 168_715_971_994,
  'cache.m7g.16xlarge': 225_000_375_228,
  'cache.r6g.large': 14_037_181_030,
  'cache.r6g.xlarge': 28_261_849_702,
  'cache.r6g.2xlarge': 56_711_183_565,
  'cache.r6g.4xlarge': 113_609_865_216,
  'cache.r6g.8xlarge': 225_000_375_228,
  'cache.r6g.12xlarge': 341_206_346_547,
  'cache.r6g.16xlarge': 450_000_750_456,
  'cache.r7g.large': 14_037_181_030,
  'cache.r7g.xlarge': 28_261_849_702,
  'cache.r7g.2xlarge': 56_711_183_565,
  'cache.r7g.4xlarge': 113_609_865_216,
  'cache.r7g.8xlarge': 225_000_375_228,
  'cache.r7g.12xlarge': 341_206_346_547,
  'cache.r7g.16xlarge': 450_000_750_456,
};

/** Every node type the planner knows, smallest first within a family. */
export const NODE_TYPES: readonly NodeType[] = Object.entries(MAX_MEMORY_BYTES)
  .map(([name, maxMemoryBytes]) => ({ name, family: familyOf(name), maxMemoryBytes }))
  .sort((a, b) => a.family.localeCompare(b.family) || a.maxMemoryBytes - b.maxMemoryBytes);

/** The families in the table, e.g. `r7g`. */
export const NODE_FAMILIES: readonly string[] = [...new Set(NODE_TYPES.map((type) => type.family))];

/** The node type called `name`, or undefined when the table does not list it. */
export function findNodeType(name: string): NodeType | undefined {
  return NODE_TYPES.find((type) => type.name === name);
}

/** `cache.r7g.large` → `r7g`. */
export function familyOf(nodeTypeName: string): string {
  return nodeTypeName.split('.')[1] ?? '';
}
