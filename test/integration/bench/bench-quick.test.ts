/**
 * `herald bench --quick --json <file>` end to end on the test engines: checks the STRUCTURE of what it
 * writes (every scenario's keys, figures finite and positive, both sides measured every round, the
 * chart next to the JSON). Never its speed: targets are reported by the benchmark, not asserted here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../../bench/report.ts';
import { testEngines } from '../../support/engines.ts';

const root = resolve(import.meta.dirname, '../../..');
const REQUIRED_POSITIVE = [
  'dedup.herald.recordsPerSec',
  'dedup.herald.roundTripsPerBatch',
  'dedup.perRecord.recordsPerSec',
  'dedup.perRecord.roundTripsPerBatch',
  'dedup.ratio',
  'dedup.atNetworkRtt.rttMs',
  'dedup.atNetworkRtt.herald.recordsPerSec',
  'dedup.atNetworkRtt.perRecord.recordsPerSec',
  'dedup.atNetworkRtt.ratio',
  'memory.heraldBytesPerEntry',
  'memory.plainKeyBytesPerEntry',
  'memory.statusBytesPerRecipient',
  'memory.idempotencyBytesPerRecord',
  'memory.ratio',
  'endToEnd.herald.deliveriesPerSec',
  'endToEnd.naive.deliveriesPerSec',
  'endToEnd.ratio',
  'endToEnd.ceiling.recordsPerSec',
  'endToEnd.heraldToCeiling',
  'endToEnd.dedupWait.withWait.medianMs',
  'endToEnd.dedupWait.withoutWait.medianMs',
  'endToEnd.dedupWait.ratio',
  'ingest.withDedup.requestsPerSec',
  'ingest.withDedup.p50Ms',
  'ingest.withDedup.p99Ms',
  'ingest.withoutDedup.requestsPerSec',
  'ingest.withoutDedup.p50Ms',
  'ingest.withoutDedup.p99Ms',
  'ingest.p99Ratio',
  'eos.transactional.recordsPerSec',
  'eos.atLeastOnce.recordsPerSec',
  'eos.ratio',
  'priority.backlogDeliveries',
  'priority.high.p50Ms',
  'priority.high.p99Ms',
  'priority.normal.p50Ms',
  'priority.normal.p99Ms',
  'priority.backlogDeliveriesPerSec',
  'scaling.kafkaCeiling.recordsPerSec',
  'scaling.heraldToFair',
  'scaling.heraldToKafka',
  'scaling.perPartitionDeliveriesPerSec',
  'rateLimit.steady.busiestOneSecondAtLimitedVendor',
  'rateLimit.steady.delivered',
  'rateLimit.throttling.busiestOneSecondAtLimitedVendor',
  'rateLimit.throttling.requestsAtLimitedVendor',
  'rateLimit.throttling.delivered',
];

function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}

function numbersIn(value: unknown, path = ''): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]];
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, child]) => numbersIn(child, path ? `${path}.${key}` : key));
  return [];
}

let dir: string;
let run: { status: number | null; stdout: string; stderr: string };
let results: BenchResults;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-bench-test-'));
  const { kafkaBrokers, redisUrl } = testEngines();
  const child = spawnSync(
    process.execPath,
    [join(root, 'cli/herald.mjs'), 'bench', '--quick', '--json', join(dir, 'bench.json')],
    {
      cwd: root,
      env: { ...process.env, KAFKA_BROKERS: kafkaBrokers.join(','), REDIS_URL: redisUrl },
      encoding: 'utf8',
      timeout: 470_000,
    },
  );
  run = { status: child.status, stdout: child.stdout, stderr: child.stderr };
  if (existsSync(join(dir, 'bench.json')))
    results = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
}, 480_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('herald bench --quick --json', () => {
  it('exits 0 with no failed scenario', () => {
    expect(run.stderr.slice(-2_000) && run.status).toBe(0);
    expect(results.errors).toEqual({});
  });

  it('writes every scenario with the issue’s keys as finite positive numbers', () => {
    expect(results).toMatchObject({ formatVersion: 1, isQuick: true });
    expect(Object.keys(results.scenarios).sort()).toEqual([
      'dedup',
      'endToEnd',
      'eos',
      'ingest',
      'memory',
      'priority',
      'rateLimit',
      'scaling',
    ]);
    for (const path of REQUIRED_POSITIVE) {
      const value = at(results.scenarios, path);
      expect(typeof value, path).toBe('number');
      expect(Number.isFinite(value) && (value as number) > 0, `${path} = ${String(value)}`).toBe(true);
    }
    for (const [path, value] of numbersIn(results.scenarios)) {
      expect(Number.isFinite(value) && value >= 0, `${path} = ${value}`).toBe(true);
    }
  });

  it('measures Herald and its baseline in every round', () => {
    const { dedup, memory, endToEnd, eos } = results.scenarios;
    expect(dedup?.herald.samplesRecordsPerSec).toHaveLength(results.rounds);
    expect(dedup?.perRecord.samplesRecordsPerSec).toHaveLength(results.rounds);
    expect(memory?.samples.herald.length).toBe(memory?.samples.plainKey.length);
    expect(endToEnd?.herald.samples).toHaveLength(results.rounds);
    expect(endToEnd?.naive.samples).toHaveLength(results.rounds);
    expect(endToEnd?.ceiling.samples).toHaveLength(results.rounds);
    expect(eos?.transactional.samplesRecordsPerSec).toHaveLength(results.rounds);
    expect(eos?.atLeastOnce.samplesRecordsPerSec).toHaveLength(results.rounds);
  });

  it('measures both lanes with every request, and every partition count beside its fair ceiling', () => {
    const { priority, scaling } = results.scenarios;
    expect(priority?.high.requests).toBe(20);
    expect(priority?.normal.requests).toBe(20);
    expect(scaling?.points.map((point) => point.partitions)).toEqual([1, 3, 6, 12]);
    for (const point of scaling?.points ?? []) {
      expect(point.herald.samples).toHaveLength(Math.min(results.rounds, 2));
      expect(point.fairCeiling.samples).toHaveLength(Math.min(results.rounds, 2));
      expect(point.heraldToFair).toBeCloseTo(
        point.herald.deliveriesPerSec / point.fairCeiling.deliveriesPerSec,
        2,
      );
    }
    expect(scaling?.heraldToFair).toBe(scaling?.points.find((point) => point.partitions === 6)?.heraldToFair);
  });

  it('delivers every endToEnd recipient exactly once', () => {
    expect(results.scenarios.endToEnd?.herald.duplicates).toBe(0);
  });

  it('reports the machine and checks the issue’s targets', () => {
    expect(results.machine).toMatchObject({ cpus: expect.any(Number), node: process.version });
    expect(results.targets.map((t) => t.name)).toEqual([
      'dedup.ratio',
      'dedup.atNetworkRtt.ratio',
      'dedup.herald.roundTripsPerStep',
      'memory.ratio',
      'memory.heraldBytesPerEntry',
      'endToEnd.ratio',
      'endToEnd.heraldToCeiling',
      'endToEnd.herald.duplicates',
      'priority.high.p99Ms',
      'scaling.heraldToFair',
      'rateLimit.steady.busiestOneSecondAtLimitedVendor',
      'rateLimit.steady.lost',
      'rateLimit.steady.sentTwice',
      'rateLimit.throttling.lost',
      'rateLimit.throttling.sentTwice',
    ]);
  });

  it('writes an SVG chart next to the JSON with a panel per scenario', () => {
    const svg = readFileSync(join(dir, 'bench.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const title of [
      'dedup:',
      'memory:',
      'endToEnd:',
      'endToEnd WAIT cost:',
      'ingest:',
      'eos:',
      'priority:',
      'scaling:',
      'rate limit:',
    ])
      expect(svg).toContain(title);
    expect(run.stdout).toContain(`wrote ${join(dir, 'bench.svg')}`);
  });
});
