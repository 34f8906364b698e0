import { describe, expect, it } from 'vitest';
import { type EsmConfigInput, parseEsmConfig } from '../../../../local/msk-esm/esm-config.ts';

const base = { topics: ['herald.deliveries'], consumerGroupId: 'herald-dispatch' };

describe('parseEsmConfig', () => {
  it('applies AWS defaults: 100 records, 500 ms window, 6 MB, on-demand, infinite retries', () => {
    const config = parseEsmConfig(base);

    expect(config).toMatchObject({
      batchSize: 100,
      maximumBatchingWindowMs: 500,
      maxPayloadBytes: 6 * 1024 * 1024,
      mode: 'on-demand',
      startingPosition: 'TRIM_HORIZON',
      reportBatchItemFailures: false,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
    });
    expect(config.onFailureTopic).toBeUndefined();
  });

  it('caps infinite retries at 10 when an on-failure destination is set', () => {
    const config = parseEsmConfig({
      ...base,
      mode: 'provisioned',
      onFailureDestination: 'kafka://herald.failed',
    });

    expect(config.maximumRetryAttempts).toBe(10);
    expect(config.onFailureTopic).toBe('herald.failed');
  });

  it.each<[string, Partial<EsmConfigInput>, string]>([
    ['a batch size over 10,000', { batchSize: 10_001 }, 'batchSize'],
    ['a batch size of 0', { batchSize: 0 }, 'batchSize'],
    ['a window over 300 s', { maximumBatchingWindowMs: 300_001 }, 'maximumBatchingWindowMs'],
    [
      'ReportBatchItemFailures in on-demand mode',
      { reportBatchItemFailures: true },
      'reportBatchItemFailures needs provisioned mode',
    ],
    [
      'retry attempts in on-demand mode',
      { maximumRetryAttempts: 3 },
      'maximumRetryAttempts needs provisioned mode',
    ],
    [
      'bisect in on-demand mode',
      { bisectBatchOnFunctionError: true },
      'bisectBatchOnFunctionError needs provisioned mode',
    ],
    [
      'a destination in on-demand mode',
      { onFailureDestination: 'kafka://x' },
      'onFailureDestination needs provisioned mode',
    ],
    [
      'retry attempts over 10,000',
      { mode: 'provisioned', maximumRetryAttempts: 10_001 },
      'maximumRetryAttempts',
    ],
    [
      'a record age under 60 s',
      { mode: 'provisioned', maximumRecordAgeInSeconds: 59 },
      'maximumRecordAgeInSeconds',
    ],
    [
      'a destination that is not kafka://',
      { mode: 'provisioned', onFailureDestination: 'arn:aws:sqs:us-east-1:1:q' },
      'expected kafka://',
    ],
    [
      'the source topic as destination',
      { mode: 'provisioned', onFailureDestination: 'kafka://herald.deliveries' },
      'cannot be a source topic',
    ],
  ])('rejects %s', (_name, overrides, message) => {
    expect(() => parseEsmConfig({ ...base, ...overrides })).toThrow(message);
  });
});
