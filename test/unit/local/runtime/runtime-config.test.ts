import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVendorsConfig } from '../../../../lambdas/dispatch/vendors-config.ts';
import { EnvKey } from '../../../../lambdas/shared/env-keys.ts';
import { devStage } from '../../../../lib/config/stages.ts';
import { parseEsmConfig } from '../../../../local/msk-esm/esm-config.ts';
import { DEV_CLIENT_ID, resolveDevToken } from '../../../../local/runtime/dev-token.ts';
import { deployedEsmConfig } from '../../../../local/runtime/runtime.ts';
import { dispatchVendorsEnvironment, vendorSpecs } from '../../../../local/runtime/vendor-config.ts';

describe('deployedEsmConfig', () => {
  it('mirrors the deployed event source mapping of the dev stage', () => {
    const config = parseEsmConfig(deployedEsmConfig('herald.deliveries', 'herald.deliveries.dlq'));
    const deployed = devStage.dispatch;

    expect(config).toMatchObject({
      topics: ['herald.deliveries'],
      consumerGroupId: deployed.consumerGroupId,
      batchSize: deployed.batchSize,
      maximumBatchingWindowMs: deployed.maxBatchingWindowSeconds * 1_000,
      startingPosition: deployed.startingPosition,
      mode: 'provisioned',
      reportBatchItemFailures: deployed.reportBatchItemFailures,
      maximumRetryAttempts: deployed.retryAttempts,
      maximumRecordAgeInSeconds: deployed.maxRecordAgeSeconds,
      onFailureTopic: 'herald.deliveries.dlq',
    });
  });
});

describe('dispatchVendorsEnvironment', () => {
  const running = (set?: 'providers' | 'mock') =>
    vendorSpecs(set).map((spec, i) => ({
      ...spec,
      url: spec.kind === 'mock' ? `http://127.0.0.1:${4000 + i}/v1/messages` : `http://127.0.0.1:${4000 + i}`,
      adminUrl: `http://127.0.0.1:${5000 + i}`,
    }));

  it('describes three vendors per channel in the shape the dispatch Lambda parses: EUM for sms, SES for email', () => {
    const env = dispatchVendorsEnvironment(running());
    const parsed = parseVendorsConfig(env[EnvKey.vendorsJson] as string, EnvKey.vendorsJson);

    expect(parsed.vendors.map((v) => `${v.name}:${v.provider}`).sort()).toEqual([
      'email-a:ses',
      'email-b:ses',
      'email-c:ses',
      'push-a:http',
      'push-b:http',
      'push-c:http',
      'sms-a:eum-sms',
      'sms-b:eum-sms',
      'sms-c:eum-sms',
    ]);
    expect(parsed.tiers.sms?.primary.name).toBe('sms-a');
    expect(parsed.vendors.find((v) => v.name === 'sms-a')).toMatchObject({
      endpoint: 'http://127.0.0.1:4000',
      region: 'ap-northeast-2',
      messageType: 'TRANSACTIONAL',
    });
    expect(parsed.vendors.find((v) => v.name === 'push-a')).toMatchObject({
      url: 'http://127.0.0.1:4003/v1/messages',
    });
    expect(parsed.hasCredentials).toBe(false);
    // The stand-in role credentials the AWS SDK signs with, as Lambda provides them.
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
  });

  it('runs the generic mock vendor for every channel when asked', () => {
    const env = dispatchVendorsEnvironment(running('mock'));
    const parsed = parseVendorsConfig(env[EnvKey.vendorsJson] as string, EnvKey.vendorsJson);

    expect(new Set(parsed.vendors.map((v) => v.provider))).toEqual(new Set(['http']));
  });

  it('refuses vendors that are not running', () => {
    expect(() => dispatchVendorsEnvironment([])).toThrow('vendor sms-a is not running');
  });
});

describe('resolveDevToken', () => {
  it('generates a token once, keeps it private, and reuses it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'token-')), 'dev-token');

    const first = resolveDevToken(undefined, file);
    const second = resolveDevToken(undefined, file);

    expect(first).toMatchObject({ clientId: DEV_CLIENT_ID, source: 'generated' });
    expect(first.token).toMatch(/^herald-dev-[A-Za-z0-9_-]{24}$/);
    expect(first.apiTokens).toBe(`${first.token}=${DEV_CLIENT_ID}`);
    expect(second).toMatchObject({ token: first.token, source: 'kept' });
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('shows the first token of HERALD_API_TOKENS when it is set', () => {
    const token = resolveDevToken('abc=orders,def=billing', '/nonexistent/dev-token');

    expect(token).toEqual({
      apiTokens: 'abc=orders,def=billing',
      token: 'abc',
      clientId: 'orders',
      source: 'environment',
    });
  });

  it('rejects a malformed HERALD_API_TOKENS', () => {
    expect(() => resolveDevToken('just-a-token', '/nonexistent/dev-token')).toThrow('token=clientId');
  });
});
