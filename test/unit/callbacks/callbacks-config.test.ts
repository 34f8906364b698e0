import { describe, expect, it } from 'vitest';
import { parseWebhooks } from '../../../lambdas/callbacks/callbacks-config.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';

describe('parseWebhooks', () => {
  it('reads clientId → url and secret', () => {
    const webhooks = parseWebhooks(
      JSON.stringify({
        shop: { url: 'https://shop.example.com/hooks/herald', secret: 'whsec_0123456789ab' },
      }),
      'HERALD_CALLBACKS',
    );

    expect(webhooks.get('shop')).toEqual({
      url: 'https://shop.example.com/hooks/herald',
      secret: 'whsec_0123456789ab',
    });
  });

  it('allows http on loopback only', () => {
    expect(
      parseWebhooks(JSON.stringify({ a: { url: 'http://127.0.0.1:9000/h', secret: 'x'.repeat(16) } }), 'K')
        .size,
    ).toBe(1);
    expect(() =>
      parseWebhooks(JSON.stringify({ a: { url: 'http://example.com/h', secret: 'x'.repeat(16) } }), 'K'),
    ).toThrow(/https/);
  });

  it('names every bad entry in one ConfigError', () => {
    const attempt = () =>
      parseWebhooks(
        JSON.stringify({ a: { url: 'ftp://x', secret: 'short' }, b: { secret: 'x'.repeat(16) } }),
        'K',
      );

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/a\.url.*a\.secret.*b\.url|a\.url/);
  });
});
