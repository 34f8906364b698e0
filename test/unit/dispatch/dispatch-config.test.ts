/** Validation of the dispatch configuration and the vendors JSON. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import { checkLeaseCoversVendors, loadDispatchConfig } from '../../../lambdas/dispatch/dispatch-config.ts';
import { parseVendorsConfig } from '../../../lambdas/dispatch/vendors-config.ts';

const vendor = (name: string, extra: object = {}) => ({
  name,
  url: `https://${name}.example.com/v1/messages`,
  ...extra,
});
const vendorsJson = (extra: object = {}) =>
  JSON.stringify({
    channels: {
      sms: { primary: vendor('sms-a', extra), secondary: vendor('sms-b'), tertiary: vendor('sms-c') },
    },
  });
const baseEnv = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
  HERALD_VENDORS: vendorsJson(),
};

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadDispatchConfig', () => {
  it('waits for one replica after each claim and mark in cluster mode unless told otherwise', () => {
    const cluster = { ...baseEnv, HERALD_REDIS_CLUSTER: 'true' };
    expect(loadDispatchConfig(cluster).redis).toMatchObject({ waitReplicas: 1, waitTimeoutMs: 250 });
    expect(
      loadDispatchConfig({ ...cluster, HERALD_REDIS_WAIT_REPLICAS: '0', HERALD_REDIS_WAIT_TIMEOUT_MS: '50' })
        .redis,
    ).toMatchObject({ waitReplicas: 0, waitTimeoutMs: 50 });
    expect(
      configError(() => loadDispatchConfig({ ...cluster, HERALD_REDIS_WAIT_REPLICAS: '-1' })).keys,
    ).toEqual(['HERALD_REDIS_WAIT_REPLICAS']);
  });

  it('applies the defaults', () => {
    const config = loadDispatchConfig(baseEnv);
    expect(config).toMatchObject({
      deadLetterTopic: 'herald.deliveries.dlq',
      dedupWindowSeconds: 86_400,
      claimLeaseMs: 25_000,
      statusRetentionSeconds: 604_800,
      ambiguousRetryPolicy: 'hold',
      ambiguousRetryPolicyByChannel: {},
      reportBatchItemFailures: false,
      maxInFlightSends: 100,
      redis: { keyPrefix: 'herald:', isCluster: false, waitReplicas: 0, waitTimeoutMs: 250 },
    });
    expect('config' in config.vendors && config.vendors.config.tiers.sms).toEqual({
      primary: { name: 'sms-a', weight: 100 },
      secondary: { name: 'sms-b', weight: 0 },
      tertiary: { name: 'sms-c', weight: 0 },
    });
  });

  it.each([
    ['no vendors at all', { HERALD_VENDORS: undefined }, 'HERALD_VENDORS'],
    [
      'both vendors sources',
      { HERALD_VENDORS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:v' },
      'HERALD_VENDORS',
    ],
    ['a bad policy', { HERALD_AMBIGUOUS_RETRY_POLICY: 'sometimes' }, 'HERALD_AMBIGUOUS_RETRY_POLICY'],
    [
      'a policy for an unknown channel',
      { HERALD_AMBIGUOUS_RETRY_POLICY: 'hold,fax=failover' },
      'HERALD_AMBIGUOUS_RETRY_POLICY',
    ],
    [
      'the old default policy name',
      { HERALD_AMBIGUOUS_RETRY_POLICY: 'same-vendor-then-failover' },
      'HERALD_AMBIGUOUS_RETRY_POLICY',
    ],
    ['a lease under 5 s', { HERALD_CLAIM_LEASE_MS: '1000' }, 'HERALD_CLAIM_LEASE_MS'],
    ['no brokers', { KAFKA_BROKERS: undefined }, 'KAFKA_BROKERS'],
    ['no send in flight', { HERALD_MAX_IN_FLIGHT_SENDS: '0' }, 'HERALD_MAX_IN_FLIGHT_SENDS'],
    [
      'more sends in flight than sockets',
      { HERALD_MAX_IN_FLIGHT_SENDS: '5000' },
      'HERALD_MAX_IN_FLIGHT_SENDS',
    ],
    ['vendors that are not JSON', { HERALD_VENDORS: '{' }, 'HERALD_VENDORS'],
  ])('refuses %s', (_name, change, key) => {
    expect(configError(() => loadDispatchConfig({ ...baseEnv, ...change })).keys).toContain(key);
  });

  it('reads a default ambiguity policy with per-channel exceptions', () => {
    const config = loadDispatchConfig({
      ...baseEnv,
      HERALD_AMBIGUOUS_RETRY_POLICY: 'same-vendor, sms=hold,email=failover',
    });
    expect(config.ambiguousRetryPolicy).toBe('same-vendor');
    expect(config.ambiguousRetryPolicyByChannel).toEqual({ sms: 'hold', email: 'failover' });
  });

  it('takes the in-flight send bound from HERALD_MAX_IN_FLIGHT_SENDS', () => {
    expect(loadDispatchConfig({ ...baseEnv, HERALD_MAX_IN_FLIGHT_SENDS: '16' }).maxInFlightSends).toBe(16);
  });

  it('answers partial-batch responses only when told the mapping honours them', () => {
    expect(
      loadDispatchConfig({ ...baseEnv, HERALD_REPORT_BATCH_ITEM_FAILURES: 'true' }).reportBatchItemFailures,
    ).toBe(true);
  });

  it('takes vendors from the secret when only its ARN is set', () => {
    const config = loadDispatchConfig({
      ...baseEnv,
      HERALD_VENDORS: undefined,
      HERALD_VENDORS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:v',
    });
    expect(config.vendors).toEqual({ secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:v' });
  });

  it('refuses clear-text vendor credentials in the environment when running in AWS, without echoing them', () => {
    const env = {
      ...baseEnv,
      HERALD_VENDORS: vendorsJson({ auth: { header: 'authorization', value: 'Bearer top-secret' } }),
    };
    expect(loadDispatchConfig(env).vendors).toHaveProperty('config.hasCredentials', true);
    const error = configError(() =>
      loadDispatchConfig({ ...env, AWS_LAMBDA_FUNCTION_NAME: 'herald-dispatch' }),
    );
    expect(error.keys).toEqual(['HERALD_VENDORS']);
    expect(error.message).not.toContain('top-secret');
  });

  it('refuses a lease too short for the slowest vendor to answer twice', () => {
    const config = loadDispatchConfig({
      ...baseEnv,
      HERALD_CLAIM_LEASE_MS: '20000',
      HERALD_VENDORS: vendorsJson({ timeoutMs: 10_000 }),
    });
    const vendors = 'config' in config.vendors ? config.vendors.config : undefined;
    expect(configError(() => checkLeaseCoversVendors(config, vendors as never)).keys).toEqual([
      'HERALD_CLAIM_LEASE_MS',
    ]);
  });
});

describe('parseVendorsConfig', () => {
  const tiers = (a: object, b: object, c: object) =>
    JSON.stringify({ channels: { sms: { primary: a, secondary: b, tertiary: c } } });
  it.each([
    [
      'the same vendor twice in a channel',
      tiers(vendor('x'), vendor('x'), vendor('y')),
      'three different vendors',
    ],
    ['all weights zero', tiers(vendor('x', { weight: 0 }), vendor('y'), vendor('z')), 'weight must be > 0'],
    ['a non-http url', tiers(vendor('x', { url: 'ftp://x' }), vendor('y'), vendor('z')), 'url'],
    ['an unknown field', tiers(vendor('x', { colour: 'red' }), vendor('y'), vendor('z')), 'colour'],
    ['no channel', JSON.stringify({ channels: {} }), 'at least one channel'],
    ['an unknown channel', JSON.stringify({ channels: { fax: {} } }), 'channels'],
  ])('refuses %s', (_name, json, fragment) => {
    expect(configError(() => parseVendorsConfig(json, 'HERALD_VENDORS')).message).toContain(fragment);
  });

  it('shares one vendor across channels when defined identically', () => {
    const json = JSON.stringify({
      channels: {
        sms: { primary: vendor('multi'), secondary: vendor('sms-b'), tertiary: vendor('sms-c') },
        push: {
          primary: vendor('push-a'),
          secondary: vendor('multi', { weight: 5 }),
          tertiary: vendor('push-c'),
        },
      },
    });
    expect(
      parseVendorsConfig(json, 'HERALD_VENDORS')
        .vendors.map((v) => v.name)
        .sort(),
    ).toEqual(['multi', 'push-a', 'push-c', 'sms-b', 'sms-c']);
  });
});
