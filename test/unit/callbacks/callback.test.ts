import { describe, expect, it } from 'vitest';
import {
  callbackEventId,
  DEFAULT_CALLBACK_RETRY,
  nextAttemptAt,
  signCallback,
  verifyCallback,
} from '../../../lambdas/core/callback.ts';

const secret = 'whsec_unit';
const body = '{"id":"evt_1","state":"delivered"}';

describe('callback signatures', () => {
  it('verifies its own signature within the tolerance', () => {
    const signature = signCallback(secret, 1_764_400_000, body);

    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyCallback(secret, { timestamp: '1764400000', signature }, body, 1_764_400_100)).toBe(true);
  });

  it.each<[string, { timestamp: string; secret?: string }, string, number]>([
    ['a changed body', { timestamp: '1764400000' }, `${body} `, 1_764_400_000],
    ['another secret', { timestamp: '1764400000', secret: 'other' }, body, 1_764_400_000],
    ['a stale timestamp', { timestamp: '1764400000' }, body, 1_764_400_301],
    ['a changed timestamp', { timestamp: '1764400001' }, body, 1_764_400_000],
  ])('refuses %s', (_, given, received, nowSeconds) => {
    const signature = signCallback(given.secret ?? secret, 1_764_400_000, body);

    expect(verifyCallback(secret, { timestamp: given.timestamp, signature }, received, nowSeconds)).toBe(
      false,
    );
  });
});

describe('callbackEventId', () => {
  it('is stable per delivery and state, and differs between states', () => {
    expect(callbackEventId('61LjUq81A0bRoedfwlvj8A', 'delivered')).toBe(
      callbackEventId('61LjUq81A0bRoedfwlvj8A', 'delivered'),
    );
    expect(callbackEventId('61LjUq81A0bRoedfwlvj8A', 'delivered')).not.toBe(
      callbackEventId('61LjUq81A0bRoedfwlvj8A', 'bounced'),
    );
  });
});

describe('nextAttemptAt', () => {
  it('keeps retrying, with growing delays capped at an hour, for at least 24 hours', () => {
    const first = 0;
    let now = first;
    let attempt = 0;
    for (;;) {
      attempt += 1;
      const next = nextAttemptAt(DEFAULT_CALLBACK_RETRY, attempt, first, now, () => 0);
      if (next === undefined) break;
      expect(next - now).toBeLessThanOrEqual(3_600_000);
      now = next;
    }

    expect(now - first).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(attempt).toBeGreaterThan(20);
  });
});
