/** The vendors JSON with providers: each provider's required settings, mixing providers, channels. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import { parseVendorsConfig } from '../../../lambdas/dispatch/vendors-config.ts';

const http = (name: string, extra: object = {}) => ({
  name,
  url: `https://${name}.example.com/v1`,
  ...extra,
});
const eum = (name: string, extra: object = {}) => ({
  name,
  provider: 'eum-sms',
  region: 'ap-northeast-2',
  originationIdentity: 'pool-0123456789abcdef',
  messageType: 'TRANSACTIONAL',
  ...extra,
});
const ses = (name: string, extra: object = {}) => ({
  name,
  provider: 'ses',
  region: 'eu-west-1',
  fromEmailAddress: 'noreply@example.com',
  ...extra,
});
const parse = (channels: object) => parseVendorsConfig(JSON.stringify({ channels }), 'HERALD_VENDORS');

function problemsOf(channels: object): string {
  try {
    parse(channels);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseVendorsConfig with providers', () => {
  it('mixes providers within a channel and defaults the provider to http', () => {
    const config = parse({
      sms: {
        primary: eum('eum-seoul'),
        secondary: http('sms-b'),
        tertiary: eum('eum-tokyo', { region: 'ap-northeast-1' }),
      },
      email: {
        primary: ses('ses-a', { configurationSetName: 'herald-events' }),
        secondary: ses('ses-b', { region: 'us-east-1' }),
        tertiary: http('mail-c'),
      },
    });

    expect(config.vendors.map((v) => [v.name, v.provider])).toEqual([
      ['eum-seoul', 'eum-sms'],
      ['sms-b', 'http'],
      ['eum-tokyo', 'eum-sms'],
      ['ses-a', 'ses'],
      ['ses-b', 'ses'],
      ['mail-c', 'http'],
    ]);
    expect(config.vendors[0]).toMatchObject({ messageType: 'TRANSACTIONAL', timeoutMs: 5_000, weight: 100 });
    expect(config.vendors[3]).toMatchObject({ configurationSetName: 'herald-events' });
    expect(config.hasCredentials).toBe(false);
  });

  it.each([
    [
      'an EUM vendor without region, origination identity and message type, all named at once',
      { sms: { primary: { name: 'e', provider: 'eum-sms' }, secondary: http('b'), tertiary: http('c') } },
      [
        'channels.sms.primary.region',
        'channels.sms.primary.originationIdentity',
        'channels.sms.primary.messageType',
      ],
    ],
    [
      'an SES vendor without region and from address',
      { email: { primary: http('a'), secondary: { name: 's', provider: 'ses' }, tertiary: http('c') } },
      ['channels.email.secondary.region', 'channels.email.secondary.fromEmailAddress'],
    ],
    [
      'an invalid message type and region',
      {
        sms: {
          primary: eum('e', { messageType: 'MARKETING', region: 'Seoul' }),
          secondary: http('b'),
          tertiary: http('c'),
        },
      },
      ['channels.sms.primary.messageType', 'channels.sms.primary.region'],
    ],
    [
      'AWS keys in the config (AWS providers use the role)',
      { sms: { primary: eum('e', { accessKeyId: 'AKIA…' }), secondary: http('b'), tertiary: http('c') } },
      ['accessKeyId'],
    ],
    [
      'an HTTP setting on an SES vendor',
      { email: { primary: ses('s', { url: 'https://x' }), secondary: http('b'), tertiary: http('c') } },
      ['url'],
    ],
    [
      'an unknown provider',
      {
        sms: {
          primary: { name: 'x', provider: 'carrier-pigeon' },
          secondary: http('b'),
          tertiary: http('c'),
        },
      },
      ['channels.sms.primary.provider'],
    ],
    [
      'SES on the sms channel and EUM on the email channel',
      {
        sms: { primary: ses('s'), secondary: http('b'), tertiary: http('c') },
        email: { primary: http('m'), secondary: http('n'), tertiary: eum('e') },
      },
      [
        'channels.sms.primary.provider: ses cannot send sms',
        'channels.email.tertiary.provider: eum-sms cannot send email',
      ],
    ],
    [
      'an endpoint that is not a URL',
      { sms: { primary: eum('e', { endpoint: 'localhost' }), secondary: http('b'), tertiary: http('c') } },
      ['channels.sms.primary.endpoint'],
    ],
  ])('refuses %s', (_, channels, expected) => {
    const message = problemsOf(channels);
    for (const part of expected) expect(message).toContain(part);
  });

  it('never echoes a setting value in the error', () => {
    const message = problemsOf({
      sms: {
        primary: http('a', { auth: { header: 'authorization', value: '' }, secret: 'top-secret' }),
        secondary: http('b'),
        tertiary: http('c'),
      },
    });
    expect(message).not.toContain('top-secret');
  });

  it('says the vendors carry credentials only for an HTTP vendor with auth', () => {
    const config = parse({
      sms: {
        primary: eum('e'),
        secondary: http('b', { auth: { header: 'authorization', value: 'Bearer t' } }),
        tertiary: http('c'),
      },
    });
    expect(config.hasCredentials).toBe(true);
  });

  it('takes FCM and APNs vendors on a push channel beside an HTTP one, and counts their keys as credentials', () => {
    const fcm = {
      name: 'push-fcm',
      provider: 'fcm',
      serviceAccountKey: '{"type":"service_account"}',
      projectId: 'herald-demo',
    };
    const apns = {
      name: 'push-apns',
      provider: 'apns',
      teamId: 'ABCDE12345',
      keyId: 'KEY1234567',
      signingKey: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----',
      topic: 'com.example.app',
    };
    const config = parse({ push: { primary: fcm, secondary: apns, tertiary: http('push-c') } });
    expect(config.vendors.map((v) => v.provider).sort()).toEqual(['apns', 'fcm', 'http']);
    expect(config.hasCredentials).toBe(true);
  });

  it('refuses an APNs vendor with a malformed team id, a missing key and on the sms channel, all at once', () => {
    const bad = { name: 'push-apns', provider: 'apns', teamId: 'x', keyId: 'KEY1234567', topic: 't' };
    const problems = problemsOf({ sms: { primary: bad, secondary: http('b'), tertiary: http('c') } });
    expect(problems).toMatch(/teamId/);
    expect(problems).toMatch(/signingKey/);
  });

  it('takes a vendor rate, strictly spaced unless a burst is given, and refuses a zero rate', () => {
    const config = parse({
      sms: {
        primary: eum('e', { ratePerSecond: 50 }),
        secondary: http('b', { ratePerSecond: 5, rateBurst: 3 }),
        tertiary: http('c'),
      },
    });
    const byName = new Map(config.vendors.map((v) => [v.name, v]));
    expect(byName.get('e')).toMatchObject({ ratePerSecond: 50, rateBurst: 1 });
    expect(byName.get('b')).toMatchObject({ ratePerSecond: 5, rateBurst: 3 });
    expect(byName.get('c')?.ratePerSecond).toBeUndefined();
    expect(
      problemsOf({
        sms: { primary: eum('e', { ratePerSecond: 0 }), secondary: http('b'), tertiary: http('c') },
      }),
    ).toMatch(/ratePerSecond/);
  });
});
