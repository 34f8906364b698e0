import { describe, expect, it } from 'vitest';
import { parseEsmConfig } from '../../../../local/msk-esm/esm-config.ts';
import { deployedDeadLettersEsm } from '../../../../local/runtime/lifecycle.ts';

const engines = { kafkaBrokers: ['127.0.0.1:19092'], redisUrl: 'redis://127.0.0.1:6379' };

describe('deployedDeadLettersEsm', () => {
  it('mirrors lib/dead-letters.ts: on-demand, batch 100, TRIM_HORIZON, herald-dead-letters on the dead-letter topic', () => {
    const config = parseEsmConfig(deployedDeadLettersEsm(engines));

    expect(config).toMatchObject({
      topics: ['herald.deliveries.dlq'],
      consumerGroupId: 'herald-dead-letters',
      mode: 'on-demand',
      batchSize: 100,
      startingPosition: 'TRIM_HORIZON',
    });
  });

  it("takes the caller's dead-letter topic and derives its group from the deliveries mapping's", () => {
    const config = deployedDeadLettersEsm({
      ...engines,
      deadLetterTopic: 'test-dlq',
      esm: { consumerGroupId: 'test-dispatch' },
    });

    expect(config).toMatchObject({ topics: ['test-dlq'], consumerGroupId: 'test-dispatch-dead-letters' });
  });

  it('applies deadLettersEsm last', () => {
    const config = deployedDeadLettersEsm({ ...engines, deadLettersEsm: { batchSize: 5 } });

    expect(config.batchSize).toBe(5);
  });
});
