import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import { hashToken, loadIngestConfig } from '../../../lambdas/ingest/ingest-config.ts';

const minimal = { KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'redis://127.0.0.1:6379' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadIngestConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadIngestConfig', () => {
  it('applies every default once: IAM auth, 24 h idempotency window, 7 d status retention, herald.deliveries', () => {
    expect(loadIngestConfig(minimal)).toEqual({
      kafka: { brokers: ['127.0.0.1:9092'], auth: 'none', timeoutMs: 10_000 },
      deliveriesTopic: 'herald.deliveries',
      redis: {
        url: 'redis://127.0.0.1:6379',
        isCluster: false,
        keyPrefix: 'herald:',
        waitReplicas: 0,
        waitTimeoutMs: 250,
      },
      auth: { mode: 'iam' },
      idempotencyWindowSeconds: 86_400,
      statusRetentionSeconds: 604_800,
    });
  });

  it('parses bearer tokens into client ids, keyed by token hash', () => {
    const config = loadIngestConfig({
      ...minimal,
      HERALD_AUTH_MODE: 'token',
      HERALD_API_TOKENS: 'tok-a=orders, tok-b = billing',
      HERALD_DELIVERIES_TOPIC: 'custom.topic',
      HERALD_IDEMPOTENCY_WINDOW_SECONDS: '600',
    });
    expect(config.auth).toEqual({
      mode: 'token',
      clientIdsByTokenHash: new Map([
        [hashToken('tok-a'), 'orders'],
        [hashToken('tok-b'), 'billing'],
      ]),
    });
    expect(config.deliveriesTopic).toBe('custom.topic');
    expect(config.idempotencyWindowSeconds).toBe(600);
  });

  it('takes the high-priority lane topic when set, and refuses one equal to the deliveries topic', () => {
    expect(
      loadIngestConfig({ ...minimal, HERALD_HIGH_PRIORITY_TOPIC: 'herald.deliveries.high' }),
    ).toMatchObject({
      deliveriesTopic: 'herald.deliveries',
      highPriorityTopic: 'herald.deliveries.high',
    });
    expect(configError({ ...minimal, HERALD_HIGH_PRIORITY_TOPIC: 'herald.deliveries' }).keys).toEqual([
      'HERALD_HIGH_PRIORITY_TOPIC',
    ]);
    expect(configError({ ...minimal, HERALD_HIGH_PRIORITY_TOPIC: 'no spaces' }).keys).toEqual([
      'HERALD_HIGH_PRIORITY_TOPIC',
    ]);
  });

  it('names every bad key at once', () => {
    const error = configError({
      REDIS_URL: 'http://nope',
      HERALD_AUTH_MODE: 'token',
      HERALD_IDEMPOTENCY_WINDOW_SECONDS: '-1',
    });
    expect([...error.keys].sort()).toEqual(
      ['HERALD_API_TOKENS', 'HERALD_IDEMPOTENCY_WINDOW_SECONDS', 'KAFKA_BROKERS', 'REDIS_URL'].sort(),
    );
  });

  it.each([['s3cr3t-no-equals'], ['=client'], ['s3cr3t='], ['s3cr3t=a,s3cr3t=b']])(
    'refuses HERALD_API_TOKENS=%s without echoing the token',
    (tokens) => {
      const error = configError({ ...minimal, HERALD_AUTH_MODE: 'token', HERALD_API_TOKENS: tokens });
      expect(error.keys).toEqual(['HERALD_API_TOKENS']);
      expect(error.message).not.toContain('s3cr3t');
    },
  );
});
