/** The text `herald plan` prints. */
import type { PeakPlan, PeakSizing } from './peak-plan.ts';

const usd = (value: number) =>
  Number.isFinite(value) ? `$${value.toLocaleString('en', { maximumFractionDigits: 0 })}` : 'no list price';

function column(sizing: PeakSizing): string[] {
  const cost = sizing.monthlyUsd;
  return [
    `${sizing.deliveriesPerSec.toLocaleString('en')} deliveries/s`,
    `${sizing.partitions} partitions`,
    `${sizing.pollers.min}..${sizing.pollers.max} pollers`,
    `${sizing.dispatchConcurrency} concurrent`,
    sizing.cache ? `${sizing.cache.nodeType} × ${sizing.cache.shardCount}` : 'nothing fits',
    `${sizing.vendorBudget.deliveriesPerSec.toLocaleString('en')}/s, ${sizing.vendorBudget.concurrentRequests} open`,
    usd(cost.msk),
    usd(cost.elastiCache),
    usd(cost.dispatchLambda),
    usd(cost.eventPollers),
    usd(cost.total),
  ];
}

/** Renders the plan as a table plus the stage-config changes. */
export function formatPeakPlan(plan: PeakPlan): string {
  const labels = [
    'peak rate',
    'MSK deliveries partitions',
    'provisioned pollers (min..max)',
    'dispatch concurrency (both lanes)',
    'ElastiCache node type × shards',
    'each vendor must accept',
    'MSK brokers + storage / month',
    'ElastiCache nodes / month',
    'dispatch Lambda / month (peak all month)',
    'event pollers (min) / month',
    'total / month',
  ];
  const now = column(plan.current);
  const target = column(plan.target);
  const width = Math.max(...now.map((cell) => cell.length)) + 2;
  const lines = [
    `Herald peak plan against stage '${plan.stage}' (${plan.perPartitionDeliveriesPerSec} deliveries/s per partition, measured; docs/capacity.md)`,
    '',
    `  ${''.padEnd(42)}${'now'.padEnd(width)}${plan.multiplier}× peak`,
    ...labels.map((label, i) => `  ${label.padEnd(42)}${(now[i] ?? '').padEnd(width)}${target[i] ?? ''}`),
    '',
    plan.changes.length === 0
      ? `lib/config/stages.ts (${plan.stage}) already covers ${plan.multiplier}× this peak.`
      : `To reach ${plan.multiplier}× this peak, change in lib/config/stages.ts (${plan.stage}):`,
    ...plan.changes.map(
      (change) => `  ${change.path.padEnd(34)} ${String(change.current)} → ${String(change.planned)}`,
    ),
    '',
    'Prices: AWS on-demand list prices, us-east-1 (capacity/prices.ts, with their sources and date).',
  ];
  return lines.join('\n');
}
