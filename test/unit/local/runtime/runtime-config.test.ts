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
import {
  dispatchVendorsEnvironment,
  LOCAL_VENDORS_SECRET_ARN,
  needsVendorsSecret,
  vendorSpecs,
  vendorsJson,
} from '../../../../local/runtime/vendor-config.ts';
import type { RunningVendor, VendorSpec } from '../../../../local/runtime/vendors-main.ts';

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
  // The adapter settings a push fake reports, built from the credentials the runtime made for it.
  const pushSettings = (spec: VendorSpec, url: string) => {
    const credentials = spec.credentials;
    if (credentials?.service === 'fcm')
      return { name: spec.name, serviceAccountKey: JSON.stringify(credentials.account.key), endpoint: url };
    if (credentials?.service === 'apns')
      return {
        name: spec.name,
        teamId: 'HERALDTEAM',
        keyId: 'HERALDKEY1',
        signingKey: credentials.key.signingKey,
        topic: 'dev.herald.local',
        endpoint: url,
        caPem: credentials.tls.caPem,
      };
    return undefined;
  };
  const running = (set?: 'providers' | 'mock'): RunningVendor[] =>
    vendorSpecs(set).map((spec, i) => {
      const url =
        spec.kind === 'mock' ? `http://127.0.0.1:${4000 + i}/v1/messages` : `http://127.0.0.1:${4000 + i}`;
      const settings = pushSettings(spec, url);
      return { ...spec, url, adminUrl: `http://127.0.0.1:${5000 + i}`, ...(settings ? { settings } : {}) };
    });

  it('describes three vendors per channel in the shape the dispatch Lambda parses: EUM for sms, SES for email, FCM, APNs and the mock for push', () => {
    const env = dispatchVendorsEnvironment(running());
    const parsed = parseVendorsConfig(env[EnvKey.vendorsJson] as string, EnvKey.vendorsJson);

    expect(parsed.vendors.map((v) => `${v.name}:${v.provider}`).sort()).toEqual([
      'email-a:ses',
      'email-b:ses',
      'email-c:ses',
      'push-a:fcm',
      'push-b:apns',
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
      endpoint: 'http://127.0.0.1:4003',
      serviceAccountKey: expect.stringContaining('PRIVATE KEY'),
    });
    expect(parsed.vendors.find((v) => v.name === 'push-b')).toMatchObject({
      endpoint: 'http://127.0.0.1:4004',
      teamId: 'HERALDTEAM',
      caPem: expect.stringContaining('CERTIFICATE'),
    });
    expect(parsed.vendors.find((v) => v.name === 'push-c')).toMatchObject({
      url: 'http://127.0.0.1:4005/v1/messages',
    });
    // The throwaway push keys travel in HERALD_VENDORS: allowed outside Lambda only.
    expect(parsed.hasCredentials).toBe(true);
    // The stand-in role credentials the AWS SDK signs with, as Lambda provides them.
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
  });

  it('runs the generic mock vendor for every channel when asked', () => {
    const env = dispatchVendorsEnvironment(running('mock'));
    const parsed = parseVendorsConfig(env[EnvKey.vendorsJson] as string, EnvKey.vendorsJson);

    expect(new Set(parsed.vendors.map((v) => v.provider))).toEqual(new Set(['http']));
    expect(parsed.hasCredentials).toBe(false);
  });

  it('makes new credentials for the FCM and APNs fakes only, other ones per runtime', () => {
    const specs = vendorSpecs();
    const fcm = specs.find((s) => s.name === 'push-a')?.credentials;
    const apns = specs.find((s) => s.name === 'push-b')?.credentials;

    expect(fcm?.service).toBe('fcm');
    expect(apns?.service).toBe('apns');
    expect(specs.filter((s) => s.credentials).map((s) => s.name)).toEqual(['push-a', 'push-b']);
    // A second runtime gets other keys.
    const again = vendorSpecs().find((s) => s.name === 'push-a')?.credentials;
    expect(again?.service === 'fcm' && fcm?.service === 'fcm' && again.account.key.private_key).not.toBe(
      fcm?.service === 'fcm' && fcm.account.key.private_key,
    );
  });

  it('points the Lambda at the vendors secret, not clear-text JSON, when given a Secrets Manager endpoint', () => {
    const vendors = running();
    const env = dispatchVendorsEnvironment(vendors, 'http://127.0.0.1:4999');

    expect(needsVendorsSecret(vendors)).toBe(true);
    expect(needsVendorsSecret(running('mock'))).toBe(false);
    expect(env[EnvKey.vendorsJson]).toBeUndefined();
    expect(env[EnvKey.vendorsSecretArn]).toBe(LOCAL_VENDORS_SECRET_ARN);
    expect(env.AWS_ENDPOINT_URL_SECRETS_MANAGER).toBe('http://127.0.0.1:4999');
    expect(parseVendorsConfig(vendorsJson(vendors), 'secret').vendors).toHaveLength(9);
  });

  it('refuses a push fake that reported no adapter settings', () => {
    const vendors = running().map(({ settings: _settings, ...vendor }) => vendor);
    expect(() => dispatchVendorsEnvironment(vendors)).toThrow(
      'vendor push-a (fcm) reported no adapter settings',
    );
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
