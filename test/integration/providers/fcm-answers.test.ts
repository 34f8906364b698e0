/**
 * FcmVendor against a scripted HTTP server answering each exact FCM v1 error body (google.rpc status
 * with an FcmError detail, or without one), the token coming from the FCM fake's token endpoint.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFcmVendor } from '../../../lambdas/adapters/fcm-vendor.ts';
import { createServiceAccount, type FcmFake, startFcmFake } from '../../../local/providers/fcm-fake.ts';
import { vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const PROJECT = 'herald-test';
const logDir = mkdtempSync(join(tmpdir(), 'herald-fcm-answers-'));
const account = createServiceAccount(PROJECT);
afterAll(() => rmSync(logDir, { recursive: true, force: true }));
const pushMessage = () =>
  vendorMessage({ channel: 'push', to: `fcm:${randomBytes(40).toString('base64url')}` });

function startFake(name: string): Promise<FcmFake> {
  return startFcmFake({
    name,
    projectId: PROJECT,
    clientEmail: account.key.client_email,
    publicKeyPem: account.publicKeyPem,
    logPath: join(logDir, `${name}.jsonl`),
  });
}

describe('FcmVendor classifies each FCM error body', () => {
  let fake: FcmFake;
  let scripted: Server;
  let answer: { status: number; body: object; headers?: Record<string, string>; delayMs?: number };
  beforeAll(async () => {
    fake = await startFake('fcm-scripted');
    scripted = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        setTimeout(() => {
          response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          response.end(JSON.stringify(answer.body));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
    return async () => {
      scripted.close();
      await fake.close();
    };
  });

  const rpc = (code: number, status: string, errorCode?: string) => ({
    error: {
      code,
      message: 'The registration token fcm-secret-token is not valid',
      status,
      ...(errorCode
        ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] }
        : {}),
    },
  });

  it.each([
    [
      400,
      rpc(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'),
      {},
      { kind: 'rejected', reason: 'x: HTTP 400 INVALID_ARGUMENT' },
    ],
    [
      404,
      rpc(404, 'NOT_FOUND', 'UNREGISTERED'),
      {},
      { kind: 'rejected', reason: 'x: HTTP 404 UNREGISTERED' },
    ],
    [
      403,
      rpc(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH'),
      {},
      { kind: 'rejected', reason: 'x: HTTP 403 SENDER_ID_MISMATCH' },
    ],
    [
      429,
      rpc(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED'),
      { 'retry-after': '30' },
      { kind: 'throttled', reason: 'x: HTTP 429 QUOTA_EXCEEDED', retryAfterMs: 30_000 },
    ],
    [
      429,
      rpc(429, 'RESOURCE_EXHAUSTED'),
      {},
      { kind: 'throttled', reason: 'x: HTTP 429 RESOURCE_EXHAUSTED', retryAfterMs: 60_000 },
    ],
    [
      503,
      rpc(503, 'UNAVAILABLE', 'UNAVAILABLE'),
      {},
      { kind: 'unavailable', reason: 'x: HTTP 503 UNAVAILABLE' },
    ],
    [500, rpc(500, 'INTERNAL', 'INTERNAL'), {}, { kind: 'ambiguous', reason: 'x: HTTP 500 INTERNAL' }],
    [502, { error: 'bad gateway' }, {}, { kind: 'ambiguous', reason: 'x: HTTP 502' }],
    [
      401,
      rpc(401, 'UNAUTHENTICATED', 'THIRD_PARTY_AUTH_ERROR'),
      {},
      { kind: 'vendor-failed', reason: 'x: HTTP 401 THIRD_PARTY_AUTH_ERROR' },
    ],
    [
      403,
      rpc(403, 'PERMISSION_DENIED'),
      {},
      { kind: 'vendor-failed', reason: 'x: HTTP 403 PERMISSION_DENIED' },
    ],
    [404, rpc(404, 'NOT_FOUND'), {}, { kind: 'vendor-failed', reason: 'x: HTTP 404 NOT_FOUND' }],
  ])('HTTP %i %j → %j', async (status, body, headers, expected) => {
    answer = { status, body, headers };
    const { port } = scripted.address() as AddressInfo;
    const vendor = createFcmVendor({
      name: 'x',
      serviceAccountKey: account.key,
      endpoint: `http://127.0.0.1:${port}`,
      tokenUrl: fake.tokenUrl,
      timeoutMs: 2_000,
    });
    const outcome = await vendor.send(pushMessage());
    expect(outcome).toEqual(expected);
    expect(JSON.stringify(outcome)).not.toContain('fcm-secret-token');
  });

  it('spends one timeout on the token fetch and the send together (the claim lease covers one)', async () => {
    // The token endpoint answers after 1 s, FCM after 1.5 s: within 2 s only if each had its own 2 s.
    const slowTokens = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        setTimeout(async () => {
          const upstream = await fetch(fake.tokenUrl, {
            method: 'POST',
            body: Buffer.concat(chunks).toString(),
          });
          response.writeHead(upstream.status, { 'content-type': 'application/json' });
          response.end(await upstream.text());
        }, 1_000);
      });
    });
    await new Promise<void>((resolve) => slowTokens.listen(0, '127.0.0.1', resolve));
    answer = { status: 200, body: { name: 'projects/herald-test/messages/1' }, delayMs: 1_500 };
    try {
      const vendor = createFcmVendor({
        name: 'x',
        serviceAccountKey: account.key,
        endpoint: `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`,
        tokenUrl: `http://127.0.0.1:${(slowTokens.address() as AddressInfo).port}/token`,
        timeoutMs: 2_000,
      });
      expect(await vendor.send(pushMessage())).toMatchObject({ kind: 'ambiguous' });
      // Once the token is cached the whole budget is the send's.
      expect(await vendor.send(pushMessage())).toMatchObject({ kind: 'accepted' });
    } finally {
      slowTokens.close();
    }
  });
});
