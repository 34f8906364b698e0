/** Renders a capacity plan for people (`herald capacity` without `--json`). */
import type { Fit } from './capacity-model.ts';
import type { CapacityPlan } from './plan.ts';
import { formatBytes, formatCount, formatDuration } from './units.ts';

const KIND_LABELS: Readonly<Record<string, string>> = {
  sentMark: 'sent marks',
  inFlightClaim: 'in-flight claims',
  idempotencyRecord: 'idempotency records',
  statusRecipient: 'status recipients',
  statusRequest: 'status requests',
  statusPage: 'status pages',
  receiptTimeout: 'receipt timeouts',
};

const KNOB_LABELS: Readonly<Record<string, string>> = {
  statusRetentionSeconds: 'status retention',
  idempotencyWindowSeconds: 'idempotency window',
  dedupWindowSeconds: 'dedup window',
};

function placementLabel(placement: string, t: CapacityPlan['traffic']): string {
  if (placement === 'dedup-slot-tags') return `${t.dedupSlotTags.length} slot groups`;
  if (placement === 'receipt-timeout-tags') return `${t.receiptTimeoutTags.length} slot groups`;
  return 'all slots';
}

/** The plan as a few lines of text. */
export function formatPlan(plan: CapacityPlan): string {
  const { traffic: t, policy: p, entrySizes: s } = plan;
  const lines = [
    'Herald cache capacity plan',
    `  traffic      ${t.peakDeliveriesPerSecond} deliveries/s at peak, ${t.averageDeliveriesPerSecond} on average; ` +
      `${t.recipientsPerRequest} recipient(s)/request, ${Math.round(t.keyedRequestShare * 100)}% with Idempotency-Key, ` +
      `${Math.round(t.webhookDeliveryShare * 100)}% for webhook clients`,
    `  windows      dedup ${formatDuration(t.dedupWindowSeconds)} (+1 bucket of ${formatDuration(Math.ceil(t.dedupWindowSeconds / t.dedupBucketsPerWindow))}), ` +
      `claim lease ${formatDuration(t.claimLeaseSeconds)}, idempotency ${formatDuration(t.idempotencyWindowSeconds)}, ` +
      `statuses ${formatDuration(t.statusRetentionSeconds)} (+1 page of ${formatDuration(Math.ceil(t.statusRetentionSeconds / t.statusPagesPerRetention))})`,
    `  entry sizes  ${s.source.kind === 'measured' ? `measured on ${s.source.redis}` : 'built-in (measured on redis-server 7.0.15)'}`,
    '',
    `  ${'kind'.padEnd(20)} ${'entries'.padStart(10)} ${'B/entry'.padStart(8)} ${'memory'.padStart(11)}  placement`,
    ...plan.kinds.map(
      (k) =>
        `  ${(KIND_LABELS[k.kind] ?? k.kind).padEnd(20)} ${formatCount(k.entries).padStart(10)} ` +
        `${k.bytesPerEntry.toFixed(1).padStart(8)} ${formatBytes(k.bytes).padStart(11)}  ${placementLabel(k.placement, t)}`,
    ),
    `  ${'total'.padEnd(20)} ${''.padStart(10)} ${''.padStart(8)} ${formatBytes(plan.totalEntryBytes).padStart(11)}`,
    '  (statuses hold no recipient address: phone, e-mail and push recipients cost the same)',
    '',
    ...plan.knobs.map(
      (k) =>
        `  knob         halving ${KNOB_LABELS[k.knob] ?? k.knob} (${formatDuration(k.seconds)} → ${formatDuration(k.halvedSeconds)}) saves ${formatBytes(k.savedBytes)}`,
    ),
    `  policy       ${p.reservedMemoryPercent}% reserved memory, alarm at ${p.alarmPercent}% (DatabaseMemoryUsagePercentage), ` +
      `${p.growthPercent}% growth before the alarm, ${formatBytes(p.nodeOverheadBytes)} fixed per node`,
    // Why say it: the plan is the only margin; a full node refuses writes (noeviction), it never evicts.
    '               maxmemory-policy noeviction: a full node refuses writes and dispatch fails closed (docs/capacity.md)',
  ];
  if (plan.recommendation) {
    lines.push(`  recommended  ${plan.recommendation.nodeType} × ${plan.recommendation.shardCount} shard(s)`);
    lines.push(`               ${describeFit(plan.recommendation)}`);
  } else {
    lines.push(
      `  recommended  nothing in ${p.family} fits within ${p.maxShards} shards: try --family or --max-shards`,
    );
  }
  lines.push(`  ${p.family} options:`);
  for (const option of plan.alternatives) {
    lines.push(
      `    ${option.nodeType.padEnd(20)} ${option.fit ? `${String(option.fit.shardCount).padStart(3)} shard(s), fullest ${option.fit.fullestShardPercent.toFixed(1)}% of usable` : `  — more than ${p.maxShards} shards`}`,
    );
  }
  if (plan.deployed) {
    const d = plan.deployed;
    lines.push('');
    lines.push(
      `  deployed     ${d.replicationGroupId}: ${d.nodeType} × ${d.shards.length} shard(s), ${d.replicasPerShard} replica(s) each, ${d.status}`,
    );
    lines.push(`               ${d.fit.fits ? 'FITS' : 'DOES NOT FIT'}: ${describeFit(d.fit)}`);
  }
  return lines.join('\n');
}

function describeFit(fit: Fit): string {
  return (
    `fullest shard ${formatBytes(fit.fullestShardBytes)} of ${formatBytes(fit.usableBytesPerNode)} usable ` +
    `(${fit.fullestShardPercent.toFixed(1)}%); alarm at ${formatBytes(fit.alarmBytesPerNode)} → ` +
    `${fit.headroomPercent.toFixed(0)}% headroom`
  );
}
