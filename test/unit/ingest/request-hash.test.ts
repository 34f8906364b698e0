import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../lambdas/core/canonical-json.ts';
import {
  fingerprintRequest,
  hashParts,
  hashRequest,
  idempotencyScopeId,
  isRequestId,
} from '../../../lambdas/core/request-hash.ts';

const body = { channel: 'sms', recipients: ['+821012345678'], content: { body: 'hi' }, priority: 'normal' };

describe('hashRequest', () => {
  it('is SHA-256 over the length-prefixed tag, client, canonical body and call identity', () => {
    const canonicalBody = canonicalize(body);
    const parts = ['herald.request-id.v1', 'client-a', canonicalBody, 'idempotency-key', 'order-42'];
    const preimage = parts.map((p) => `${Buffer.byteLength(p)}:${p}`).join('');
    const expected = createHash('sha256').update(preimage).digest('hex');
    expect(
      hashRequest({
        clientId: 'client-a',
        canonicalBody,
        call: { kind: 'idempotency-key', value: 'order-42' },
      }),
    ).toBe(expected);
  });

  it('gives the same id for the same client, body and Idempotency-Key, whatever the key order or whitespace (property)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.string(),
        fc.string({ minLength: 1 }),
        fc.integer({ min: 0, max: 6 }),
        (value, clientId, key, indent) => {
          const call = { kind: 'idempotency-key' as const, value: key };
          const reformatted = JSON.parse(JSON.stringify(value, null, indent));
          const reversed = JSON.parse(
            JSON.stringify(value, (_k, v) =>
              v && typeof v === 'object' && !Array.isArray(v)
                ? Object.fromEntries(Object.entries(v).reverse())
                : v,
            ),
          );
          const id = hashRequest({ clientId, canonicalBody: canonicalize(value), call });
          expect(hashRequest({ clientId, canonicalBody: canonicalize(reformatted), call })).toBe(id);
          expect(hashRequest({ clientId, canonicalBody: canonicalize(reversed), call })).toBe(id);
          expect(isRequestId(id)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('separates calls: another client, body, key or gateway call id gives another id', () => {
    const canonicalBody = canonicalize(body);
    const base = {
      clientId: 'client-a',
      canonicalBody,
      call: { kind: 'idempotency-key' as const, value: 'k' },
    };
    const ids = new Set([
      hashRequest(base),
      hashRequest({ ...base, clientId: 'client-b' }),
      hashRequest({ ...base, canonicalBody: canonicalize({ ...body, priority: 'high' }) }),
      hashRequest({ ...base, call: { kind: 'idempotency-key', value: 'k2' } }),
      hashRequest({ ...base, call: { kind: 'gateway-request', value: 'k' } }),
    ]);
    expect(ids.size).toBe(5);
  });

  it('cannot be confused by moving characters between parts (length prefixes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { minLength: 1, maxLength: 5 }),
        fc.array(fc.string(), { minLength: 1, maxLength: 5 }),
        (a, b) => {
          fc.pre(JSON.stringify(a) !== JSON.stringify(b));
          expect(hashParts(a)).not.toBe(hashParts(b));
        },
      ),
    );
    expect(hashParts(['ab', 'c'])).not.toBe(hashParts(['a', 'bc']));
    expect(hashParts(['1:a'])).not.toBe(hashParts(['1', 'a']));
  });
});

describe('fingerprintRequest and idempotencyScopeId', () => {
  it('ignore the call identity, differ per client and body, and never equal a requestId', () => {
    const canonicalBody = canonicalize(body);
    const fingerprint = fingerprintRequest('client-a', canonicalBody);
    expect(fingerprintRequest('client-a', canonicalBody)).toBe(fingerprint);
    expect(fingerprintRequest('client-b', canonicalBody)).not.toBe(fingerprint);
    expect(idempotencyScopeId('client-a', 'k')).not.toBe(idempotencyScopeId('client-b', 'k'));
    expect(idempotencyScopeId('client-a', 'k')).not.toBe(idempotencyScopeId('client-a', 'k2'));
    const id = hashRequest({
      clientId: 'client-a',
      canonicalBody,
      call: { kind: 'idempotency-key', value: '' },
    });
    expect(id).not.toBe(fingerprint);
  });
});
