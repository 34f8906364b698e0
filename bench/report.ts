/** The benchmark results: their JSON shape, the targets they are held to, the text summary and the chart. */
import type { Panel } from './chart.ts';
import type { DedupResult } from './scenarios/dedup.ts';
import type { EndToEndResult } from './scenarios/end-to-end.ts';
import type { EosResult } from './scenarios/eos.ts';
import type { IngestResult } from './scenarios/ingest.ts';
import type { MemoryResult } from './scenarios/memory.ts';
import type { PriorityResult } from './scenarios/priority.ts';
import type { RateLimitResult } from './scenarios/rate-limit.ts';
import type { ScalingResult } from './scenarios/scaling.ts';

/** Scenario results by JSON key. */
export interface ScenarioResults {
  dedup?: DedupResult;
  memory?: MemoryResult;
  endToEnd?: EndToEndResult;
  ingest?: IngestResult;
  eos?: EosResult;
  priority?: PriorityResult;
  scaling?: ScalingResult;
  rateLimit?: RateLimitResult;
}

/** One target from the issue, and whether this run reached it. */
export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly value: number;
  readonly isMet: boolean;
}

/** Everything `--json` writes. */
export interface BenchResults {
  readonly formatVersion: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly isQuick: boolean;
  readonly rounds: number;
  readonly machine: Readonly<Record<string, string | number | readonly number[]>>;
  readonly scenarios: ScenarioResults;
  readonly targets: readonly TargetCheck[];
  /** Scenarios that failed, with the reason. */
  readonly errors: Readonly<Record<string, string>>;
}

/** The targets, checked against whatever scenarios ran. */
export function checkTargets(s: ScenarioResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (name: string, target: string, value: number, isMet: boolean) =>
    checks.push({ name, target, value, isMet });
  if (s.dedup) {
    add('dedup.ratio', '≥ 10', s.dedup.ratio, s.dedup.ratio >= 10);
    add('dedup.atNetworkRtt.ratio', '≥ 10', s.dedup.atNetworkRtt.ratio, s.dedup.atNetworkRtt.ratio >= 10);
    add(
      'dedup.herald.roundTripsPerStep',
      '= 1 per batch per shard',
      s.dedup.herald.roundTripsPerStep,
      s.dedup.herald.roundTripsPerStep === 1,
    );
  }
  if (s.memory) {
    add('memory.ratio', '≤ 0.41', s.memory.ratio, s.memory.ratio <= 0.41);
    add(
      'memory.heraldBytesPerEntry',
      '≤ 48',
      s.memory.heraldBytesPerEntry,
      s.memory.heraldBytesPerEntry <= 48,
    );
  }
  if (s.endToEnd) {
    add('endToEnd.ratio', '≥ 3', s.endToEnd.ratio, s.endToEnd.ratio >= 3);
    add('endToEnd.heraldToCeiling', '≥ 0.5', s.endToEnd.heraldToCeiling, s.endToEnd.heraldToCeiling >= 0.5);
    const { duplicates } = s.endToEnd.herald;
    add('endToEnd.herald.duplicates', '= 0', duplicates, duplicates === 0);
  }
  if (s.priority) {
    const p99 = s.priority.high.p99Ms;
    add('priority.high.p99Ms', `≤ ${s.priority.highP99TargetMs}`, p99, p99 <= s.priority.highP99TargetMs);
  }
  if (s.scaling) add('scaling.heraldToFair', '≥ 0.7', s.scaling.heraldToFair, s.scaling.heraldToFair >= 0.7);
  if (s.rateLimit) {
    const { steady, throttling } = s.rateLimit;
    const busiest = steady.busiestOneSecondAtLimitedVendor;
    add('rateLimit.steady.busiestOneSecondAtLimitedVendor', '≤ 55 (limit 50/s)', busiest, busiest <= 55);
    for (const [name, run] of [
      ['steady', steady],
      ['throttling', throttling],
    ] as const) {
      add(`rateLimit.${name}.lost`, '= 0', run.lost, run.lost === 0);
      add(`rateLimit.${name}.sentTwice`, '= 0', run.sentTwice, run.sentTwice === 0);
    }
  }
  return checks;
}

/** One panel per scenario that ran. */
export function chartPanels(s: ScenarioResults): Panel[] {
  const panels: Panel[] = [];
  if (s.dedup)
    panels.push({
      title: 'dedup: claim + mark, 100-record batches, real Redis',
      subtitle: `ratio ${s.dedup.ratio} (target ≥ 10); round trips per batch: Herald ${s.dedup.herald.roundTripsPerBatch}, per-record ${s.dedup.perRecord.roundTripsPerBatch}`,
      unit: 'records/s',
      bars: [
        { label: 'Herald RedisDedupStore', value: s.dedup.herald.recordsPerSec, isHerald: true },
        { label: 'per record (SET NX + SET)', value: s.dedup.perRecord.recordsPerSec, isHerald: false },
        {
          label: 'per record, 100 in flight',
          value: s.dedup.perRecordConcurrent.recordsPerSec,
          isHerald: false,
        },
      ],
    });
  if (s.dedup)
    panels.push({
      title: `dedup through a proxy adding network delay (RTT ${s.dedup.atNetworkRtt.rttMs} ms)`,
      subtitle: `ratio ${s.dedup.atNetworkRtt.ratio}; loopback has almost no round-trip cost, a Lambda → ElastiCache hop about 1 ms`,
      unit: 'records/s',
      bars: [
        { label: 'Herald RedisDedupStore', value: s.dedup.atNetworkRtt.herald.recordsPerSec, isHerald: true },
        {
          label: 'per record (SET NX + SET)',
          value: s.dedup.atNetworkRtt.perRecord.recordsPerSec,
          isHerald: false,
        },
      ],
    });
  if (s.memory)
    panels.push({
      title: `memory: bytes per sent mark at ${s.memory.entries.toLocaleString('en')} entries (lower is better)`,
      subtitle: `ratio ${s.memory.ratio} (target ≤ 0.41, ≤ 48 B per entry); redis-server ${s.memory.redisVersion}`,
      unit: 'B/entry',
      bars: [
        { label: 'Herald sent mark', value: s.memory.heraldBytesPerEntry, isHerald: true },
        { label: 'SET <22-char key> 1 EX ttl', value: s.memory.plainKeyBytesPerEntry, isHerald: false },
        {
          label: 'Herald status per recipient',
          value: s.memory.statusBytesPerRecipient,
          isHerald: true,
        },
        { label: 'Herald idempotency record', value: s.memory.idempotencyBytesPerRecord, isHerald: true },
      ],
    });
  if (s.endToEnd)
    panels.push({
      title: 'endToEnd: deliveries/s, local runtime, mock vendors at 20 ms',
      subtitle: `ratio ${s.endToEnd.ratio} (target ≥ 3); heraldToCeiling ${s.endToEnd.heraldToCeiling} (target ≥ 0.5); recipients sent twice by the non-idempotent vendors: ${s.endToEnd.herald.duplicates} (target 0)`,
      unit: '/s',
      bars: [
        { label: 'Herald', value: s.endToEnd.herald.deliveriesPerSec, isHerald: true },
        { label: 'naive pipeline', value: s.endToEnd.naive.deliveriesPerSec, isHerald: false },
        {
          label: 'ceiling (bare Kafka)',
          value: s.endToEnd.ceiling.recordsPerSec,
          isHerald: false,
        },
      ],
    });
  if (s.endToEnd?.dedupWait) {
    const wait = s.endToEnd.dedupWait;
    const added = Math.round((wait.withWait.medianMs - wait.withoutWait.medianMs) * 100) / 100;
    panels.push({
      title: `endToEnd WAIT cost: dedup claim + mark per ${wait.batchSize}-record batch, local Redis Cluster (lower is better)`,
      subtitle: `WAIT for 1 replica adds ${added} ms per batch at the median (×${wait.ratio}; p95 ${wait.withWait.p95Ms} vs ${wait.withoutWait.p95Ms} ms; loopback: on ElastiCache add a replica round trip, ~0.5-1 ms)`,
      unit: 'ms',
      bars: [
        { label: 'with WAIT 1 replica', value: wait.withWait.medianMs, isHerald: true },
        { label: 'without WAIT', value: wait.withoutWait.medianMs, isHerald: false },
      ],
    });
  }
  if (s.priority)
    panels.push({
      title: `priority: 202 → vendor acceptance with ${s.priority.backlogDeliveries.toLocaleString('en')} normal deliveries backlogged (lower is better)`,
      subtitle: `high p99 ${s.priority.high.p99Ms} ms (target ≤ ${s.priority.highP99TargetMs}); backlog drained at ${s.priority.backlogDeliveriesPerSec}/s`,
      unit: 'ms',
      bars: [
        { label: 'high lane, p50', value: s.priority.high.p50Ms, isHerald: true },
        { label: 'high lane, p99', value: s.priority.high.p99Ms, isHerald: true },
        { label: 'normal (behind the backlog), p50', value: s.priority.normal.p50Ms, isHerald: false },
        { label: 'normal (behind the backlog), p99', value: s.priority.normal.p99Ms, isHerald: false },
      ],
    });
  if (s.scaling)
    panels.push({
      title: `scaling: deliveries/s by partitions, vendors at ${s.scaling.vendorLatencyMs} ms`,
      subtitle: `at 6 partitions: Herald ÷ fair ceiling ${s.scaling.heraldToFair} (target ≥ 0.7), ÷ bare Kafka ${s.scaling.heraldToKafka} (bare Kafka ${s.scaling.kafkaCeiling.recordsPerSec}/s)`,
      unit: '/s',
      bars: s.scaling.points.flatMap((point) => [
        {
          label: `Herald, ${point.partitions} partitions`,
          value: point.herald.deliveriesPerSec,
          isHerald: true,
        },
        {
          label: `fair ceiling, ${point.partitions} partitions`,
          value: point.fairCeiling.deliveriesPerSec,
          isHerald: false,
        },
      ]),
    });
  if (s.rateLimit)
    panels.push({
      title: `rate limit: busiest 1-s window at a vendor limited to ${s.rateLimit.limitPerSecond}/s, ${s.rateLimit.apps} dispatchers`,
      subtitle: `${s.rateLimit.steady.deliveries} deliveries a run; lost ${s.rateLimit.steady.lost} / ${s.rateLimit.throttling.lost}, sent twice ${s.rateLimit.steady.sentTwice} / ${s.rateLimit.throttling.sentTwice}; throttling: ${s.rateLimit.throttling.throttledAtLimitedVendor} answered 429, ${s.rateLimit.throttling.atOtherVendors} went to the next tier`,
      unit: 'sends',
      bars: [
        { label: 'steady', value: s.rateLimit.steady.busiestOneSecondAtLimitedVendor, isHerald: true },
        {
          label: `vendor takes only ${s.rateLimit.throttling.vendorMaxPerSecond}/s`,
          value: s.rateLimit.throttling.busiestOneSecondAtLimitedVendor,
          isHerald: true,
        },
        { label: 'the limit', value: s.rateLimit.limitPerSecond, isHerald: false },
      ],
    });
  if (s.ingest)
    panels.push({
      title: 'ingest: latency of 100-recipient requests (lower is better)',
      subtitle: `p99 ratio ${s.ingest.p99Ratio}; ${s.ingest.withDedup.requestsPerSec} vs ${s.ingest.withoutDedup.requestsPerSec} requests/s`,
      unit: 'ms',
      bars: [
        { label: 'with request dedup, p50', value: s.ingest.withDedup.p50Ms, isHerald: true },
        { label: 'without, p50', value: s.ingest.withoutDedup.p50Ms, isHerald: false },
        { label: 'with request dedup, p99', value: s.ingest.withDedup.p99Ms, isHerald: true },
        { label: 'without, p99', value: s.ingest.withoutDedup.p99Ms, isHerald: false },
      ],
    });
  if (s.eos)
    panels.push({
      title: 'eos: producing 100-record requests, same broker',
      subtitle: `ratio ${s.eos.ratio} (Herald's at-least-once ÷ transactional exactly-once)`,
      unit: 'records/s',
      bars: [
        { label: 'Herald acks=all, at least once', value: s.eos.atLeastOnce.recordsPerSec, isHerald: true },
        { label: 'transactional (exactly once)', value: s.eos.transactional.recordsPerSec, isHerald: false },
      ],
    });
  return panels;
}

/** The text summary printed at the end of a run. */
export function summary(results: BenchResults): string {
  const lines = [
    `Herald benchmarks (${results.isQuick ? 'quick' : 'full'}, ${results.rounds} rounds, medians)`,
  ];
  const m = results.machine;
  lines.push(
    `machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}, load ${String(m.loadAverageAtStart)}`,
  );
  for (const panel of chartPanels(results.scenarios)) {
    lines.push('', panel.title, `  ${panel.subtitle}`);
    for (const bar of panel.bars)
      lines.push(`  ${bar.label.padEnd(38)} ${bar.value.toLocaleString('en')} ${panel.unit}`);
  }
  if (results.targets.length > 0) lines.push('', 'targets:');
  for (const t of results.targets)
    lines.push(`  ${t.isMet ? 'met   ' : 'MISSED'} ${t.name} = ${t.value} (target ${t.target})`);
  for (const [name, error] of Object.entries(results.errors))
    lines.push('', `FAILED ${name}: ${error.split('\n')[0]}`);
  return lines.join('\n');
}
