/**
 * SigV4 signing and verification against AWS's published test vector (sigv4 test suite,
 * "get-vanilla"): the emulator's IAM mode and the smoke test sign and check as AWS does.
 */
import { describe, expect, it } from 'vitest';
import { parseAuthorization, signRequest, verifySignature } from '../../../../local/api-gateway/sigv4.ts';

const EXAMPLE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const VANILLA = { method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {} };

describe('SigV4', () => {
  it('reproduces the AWS test suite signature of get-vanilla', async () => {
    const headers = await signRequest(VANILLA, EXAMPLE, 'us-east-1', {
      service: 'service',
      signingDate: new Date('2015-08-30T12:36:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('verifies the vector and refuses it under another secret, path or declared payload hash', async () => {
    const headers = await signRequest(VANILLA, EXAMPLE, 'us-east-1', {
      service: 'service',
      signingDate: new Date('2015-08-30T12:36:00Z'),
    });
    const claims = parseAuthorization(headers.authorization) ?? expect.unreachable('not parsed');
    expect(claims).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'service' });
    expect(await verifySignature({ ...VANILLA, headers }, claims, EXAMPLE)).toBe(true);
    expect(await verifySignature({ ...VANILLA, headers }, claims, { ...EXAMPLE, secretAccessKey: 'x' })).toBe(
      false,
    );
    const otherPath = { ...VANILLA, url: new URL('https://example.amazonaws.com/other') };
    expect(await verifySignature({ ...otherPath, headers }, claims, EXAMPLE)).toBe(false);
    const lying = { ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    expect(await verifySignature({ ...VANILLA, headers: lying }, claims, EXAMPLE)).toBe(false);
  });

  it.each([undefined, 'Bearer abc', 'AWS4-HMAC-SHA256 Credential=only'])('treats %s as unsigned', (value) => {
    expect(parseAuthorization(value)).toBeUndefined();
  });
});
