import { describe, expect, it } from 'vitest';
import { planInputsFrom } from '../../../capacity/plan-inputs.ts';
import { formatBytes, formatDuration, parseDuration } from '../../../capacity/units.ts';

describe('parseDuration', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['30m', 1_800],
    ['24h', 86_400],
    ['7d', 604_800],
    ['1h30m', 5_400],
    ['1.5h', 5_400],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'abc', '10x', '5m3', '0', '0s', 'h'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
  });

  it('prints what it reads back the same', () => {
    for (const seconds of [45, 60, 5_400, 86_400, 604_800, 90_061]) {
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    }
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GiB');
  });
});

describe('planInputsFrom', () => {
  it('fills every default from the rate alone', () => {
    const { traffic, policy } = planInputsFrom({ rate: '2000' });
    expect(traffic).toMatchObject({
      peakDeliveriesPerSecond: 2_000,
      averageDeliveriesPerSecond: 2_000,
      dedupWindowSeconds: 86_400,
      idempotencyWindowSeconds: 86_400,
      statusRetentionSeconds: 604_800,
      claimLeaseSeconds: 25,
      recipientsPerRequest: 1,
      keyedRequestShare: 1,
    });
    expect(policy).toMatchObject({
      family: 'r7g',
      reservedMemoryPercent: 25,
      alarmPercent: 70,
      growthPercent: 20,
    });
  });

  it('takes every option', () => {
    const { traffic, policy } = planInputsFrom({
      rate: '500',
      'average-rate': '120',
      'dedup-window': '12h',
      'idempotency-window': '2d',
      'status-retention': '3d',
      'claim-lease': '5m',
      'recipients-per-request': '40',
      'keyed-share': '0.25',
      'recipient-chars': '13',
      family: 'm7g',
      'reserved-percent': '30',
      'alarm-percent': '80',
      'growth-percent': '0',
      'node-overhead-mib': '0',
      'max-shards': '90',
    });
    expect(traffic).toMatchObject({
      averageDeliveriesPerSecond: 120,
      dedupWindowSeconds: 43_200,
      idempotencyWindowSeconds: 172_800,
      statusRetentionSeconds: 259_200,
      claimLeaseSeconds: 300,
      recipientsPerRequest: 40,
      keyedRequestShare: 0.25,
      recipientChars: 13,
    });
    expect(policy).toEqual({
      family: 'm7g',
      reservedMemoryPercent: 30,
      alarmPercent: 80,
      growthPercent: 0,
      nodeOverheadBytes: 0,
      maxShards: 90,
    });
  });

  it.each([
    [{}, /--rate is required/],
    [{ rate: '0' }, /--rate must be a positive/],
    [{ rate: 'lots' }, /--rate/],
    [{ rate: '10', 'keyed-share': '1.5' }, /--keyed-share/],
    [{ rate: '10', family: 'x9z' }, /--family/],
    [{ rate: '10', 'dedup-window': 'forever' }, /bad duration/],
    [{ rate: '10', 'alarm-percent': '100' }, /--alarm-percent/],
    [{ rate: '10', 'max-shards': '2.5' }, /--max-shards/],
    [{ rate: '10', 'recipients-per-request': '0' }, /--recipients-per-request/],
    [{ rate: '10', 'average-rate': '11' }, /--average-rate must not exceed/],
  ])('rejects %j', (options, message) => {
    expect(() => planInputsFrom(options)).toThrow(message);
  });
});
