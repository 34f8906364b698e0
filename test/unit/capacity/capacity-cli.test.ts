import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUILT_IN_ENTRY_SIZES } from '../../../capacity/entry-sizes.ts';
import type { CapacityPlan } from '../../../capacity/plan.ts';
import { capacity } from '../../../cli/capacity-cli.ts';

function captureConsole() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('herald capacity', () => {
  it('prints a plan as JSON that a stage config can take', async () => {
    const { out } = captureConsole();
    const code = await capacity(['--rate', '300', '--recipients-per-request', '50', '--json']);
    const plan = JSON.parse(out.join('\n')) as CapacityPlan;
    expect(code).toBe(0);
    expect(plan.formatVersion).toBe(2);
    expect(plan.knobs.map((k) => k.knob)).toEqual([
      'statusRetentionSeconds',
      'idempotencyWindowSeconds',
      'dedupWindowSeconds',
    ]);
    for (const knob of plan.knobs) expect(knob.savedBytes).toBeGreaterThan(0);
    expect(plan.entrySizes).toMatchObject({ ...BUILT_IN_ENTRY_SIZES, source: { kind: 'built-in' } });
    expect(plan.kinds.map((k) => k.kind)).toEqual([
      'sentMark',
      'inFlightClaim',
      'idempotencyRecord',
      'statusRecipient',
      'statusRequest',
      'statusPage',
      'receiptTimeout',
    ]);
    expect(plan.totalEntryBytes).toBeCloseTo(
      plan.kinds.reduce((sum, k) => sum + k.entries * k.bytesPerEntry, 0),
      3,
    );
    expect(plan.stageConfig?.cache).toEqual({
      nodeType: plan.recommendation?.nodeType,
      shardCount: plan.recommendation?.shardCount,
    });
    expect(plan.stageConfig?.cache.nodeType).toMatch(/^cache\.r7g\./);
    expect(plan.stageConfig?.observability.cacheMemoryWarnPercent).toBe(70);
  });

  it('prints a readable plan with the recommendation', async () => {
    const { out } = captureConsole();
    expect(await capacity(['--rate', '300'])).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/recommended {2}cache\.r7g\.\S+ × \d+ shard/);
    expect(text).toMatch(/sent marks/);
    expect(text).toMatch(/25% reserved memory, alarm at 70%/);
  });

  it('exits 3 when nothing in the family fits', async () => {
    const { out } = captureConsole();
    expect(await capacity(['--rate', '100000', '--family', 't4g', '--max-shards', '2'])).toBe(3);
    expect(out.join('\n')).toMatch(/nothing in t4g fits/);
  });

  it.each([[['--rate']], [['--rate', '-5']], [['--bogus']], [[]]])(
    'exits 2 on bad arguments %j',
    async (args) => {
      const { err } = captureConsole();
      expect(await capacity(args)).toBe(2);
      expect(err.join('\n')).toMatch(/usage: herald capacity/);
    },
  );

  it('prints usage on --help', async () => {
    const { out } = captureConsole();
    expect(await capacity(['--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/--aws ID/);
  });
});
