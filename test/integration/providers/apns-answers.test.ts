/**
 * ApnsVendor against a scripted HTTP/2 + TLS server for the answers the APNs fake does not give
 * (certificate and configuration errors, 5xx, a refused stream), and the apns-id derivation.
 */
import { randomBytes } from 'node:crypto';
import { constants, createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApnsVendor, apnsIdOf, createApnsVendor } from '../../../lambdas/adapters/apns-vendor.ts';
import { createApnsSigningKey } from '../../../local/providers/apns-fake.ts';
import { createLocalTls } from '../../../local/providers/local-ca.ts';
import { vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const tls = createLocalTls();
const key = createApnsSigningKey();
const pushMessage = () => vendorMessage({ channel: 'push', to: `apns:${randomBytes(32).toString('hex')}` });
const vendors: ApnsVendor[] = [];
afterEach(() => {
  for (const vendor of vendors.splice(0)) vendor.close();
});

function vendorFor(url: string): ApnsVendor {
  const vendor = createApnsVendor({
    name: 'apns-a',
    teamId: 'TEAM123456',
    keyId: 'KEY1234567',
    signingKey: key.signingKey,
    topic: 'com.example.herald',
    endpoint: url,
    caPem: tls.caPem,
    timeoutMs: 2_000,
  });
  vendors.push(vendor);
  return vendor;
}

describe('ApnsVendor classifies each APNs answer', () => {
  let server: Http2SecureServer;
  let script: { status: number; body?: object; refuse?: boolean; goAway?: boolean };
  beforeAll(async () => {
    server = createSecureServer({ key: tls.keyPem, cert: tls.certPem });
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.resume();
      stream.on('end', () => {
        if (script.refuse) return stream.close(constants.NGHTTP2_REFUSED_STREAM);
        if (script.goAway) {
          // GOAWAY naming ours as the last stream processed, then the connection drops: maybe sent.
          stream.session?.goaway(constants.NGHTTP2_INTERNAL_ERROR, stream.id ?? 0);
          return void setTimeout(() => stream.session?.destroy(), 20);
        }
        stream.respond({ ':status': script.status, 'content-type': 'application/json' });
        stream.end(JSON.stringify(script.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return () => new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each([
    [
      { status: 410, body: { reason: 'Unregistered', timestamp: 1_700_000_000_000 } },
      'rejected',
      'HTTP 410 Unregistered',
    ],
    [{ status: 400, body: { reason: 'BadCollapseId' } }, 'rejected', 'HTTP 400 BadCollapseId'],
    [{ status: 400, body: { reason: 'TopicDisallowed' } }, 'vendor-failed', 'HTTP 400 TopicDisallowed'],
    [
      { status: 403, body: { reason: 'BadCertificateEnvironment' } },
      'vendor-failed',
      'HTTP 403 BadCertificateEnvironment',
    ],
    [
      { status: 403, body: { reason: 'MissingProviderToken' } },
      'vendor-failed',
      'HTTP 403 MissingProviderToken',
    ],
    [{ status: 405, body: { reason: 'MethodNotAllowed' } }, 'vendor-failed', 'HTTP 405 MethodNotAllowed'],
    [
      { status: 429, body: { reason: 'TooManyProviderTokenUpdates' } },
      'throttled',
      'HTTP 429 TooManyProviderTokenUpdates',
    ],
    [{ status: 500, body: { reason: 'InternalServerError' } }, 'ambiguous', 'HTTP 500 InternalServerError'],
    [{ status: 502, body: { reason: 'a free text <script>' } }, 'ambiguous', 'HTTP 502'],
    [{ status: 503, body: { reason: 'Shutdown' } }, 'unavailable', 'HTTP 503 Shutdown'],
    [{ status: 0, refuse: true }, 'unavailable', 'stream refused'],
    [{ status: 0, goAway: true }, 'ambiguous', 'ERR_HTTP2_SESSION_ERROR'],
  ])('%j → %s', async (answer, kind, reason) => {
    script = answer;
    const { port } = server.address() as AddressInfo;
    const vendor = vendorFor(`https://127.0.0.1:${port}`);
    expect(await vendor.send(pushMessage())).toEqual({ kind, reason: `apns-a: ${reason}` });
  });
});

describe('apnsIdOf', () => {
  it('writes a deliveryId’s 16 bytes as a UUID, so the apns-id leads back to the delivery', () => {
    const deliveryId = randomBytes(16).toString('base64url');
    const id = apnsIdOf(deliveryId);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Buffer.from(id.replaceAll('-', ''), 'hex').toString('base64url')).toBe(deliveryId);
    expect(apnsIdOf('not-a-delivery-id')).toMatch(/^[0-9a-f]{8}-/);
  });
});
