import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { hashToken } from '../../../lambdas/ingest/ingest-config.ts';
import { messageStatus } from '../../../lambdas/ingest/request-schema.ts';
import { apiEvent, smsBody } from './support/api-event.ts';
import { fakeIngest } from './support/harness.ts';

const tokenAuth = {
  mode: 'token' as const,
  clientIdsByTokenHash: new Map([
    [hashToken('tok-orders'), 'orders'],
    [hashToken('tok-billing'), 'billing'],
  ]),
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('GET /v1/messages/{requestId}', () => {
  it('shows per-recipient statuses and counts to the client that sent the request', async () => {
    const ingest = fakeIngest();
    const accepted = await ingest.call(apiEvent({ body: smsBody(['+821012345678', '+821087654321']) }));
    const requestId = String(accepted.json.requestId);
    await ingest.statuses.recordUpdates([
      {
        requestId,
        clientId: 'arn:aws:sts::111122223333:assumed-role/orders-service',
        deliveryId: deliveryIdFor(requestId, '+821012345678'),
        state: 'sent',
        vendor: 'vendor-a',
        at: new Date().toISOString(),
      },
    ]);

    const response = await ingest.call(apiEvent({ method: 'GET', path: `/v1/messages/${requestId}` }));

    expect(response.statusCode).toBe(200);
    const status = messageStatus.parse(response.json);
    expect(status.counts).toEqual({
      total: 2,
      queued: 1,
      sent: 1,
      'maybe-sent': 0,
      failed: 0,
      suppressed: 0,
      unknown: 0,
      delivered: 0,
      undeliverable: 0,
      bounced: 0,
      complained: 0,
    });
    expect(status.recipients.map((r) => [r.position, r.state, r.vendor])).toEqual([
      [0, 'sent', 'vendor-a'],
      [1, 'queued', undefined],
    ]);
    expect(JSON.stringify(status)).not.toContain('+8210');
  });

  it('lets another session of the same IAM role read it (the session name is not part of the client id)', async () => {
    const ingest = fakeIngest();
    const accepted = await ingest.call(apiEvent({ body: smsBody() }));
    const otherSession = 'arn:aws:sts::111122223333:assumed-role/orders-service/another-container';
    const response = await ingest.call(
      apiEvent({
        method: 'GET',
        path: `/v1/messages/${accepted.json.requestId}`,
        principalArn: otherSession,
      }),
    );
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['another client', 'arn:aws:iam::111122223333:user/billing', undefined],
    ['an unknown id', undefined, 'f'.repeat(64)],
    ['a malformed id', undefined, 'not-a-request-id'],
    ['a percent-garbled id', undefined, '%E0%A4%A'],
  ])('answers 404 for %s', async (_case, principalArn, requestId) => {
    const ingest = fakeIngest();
    const accepted = await ingest.call(apiEvent({ body: smsBody() }));
    const id = requestId ?? String(accepted.json.requestId);
    const response = await ingest.call(
      apiEvent({ method: 'GET', path: `/v1/messages/${id}`, ...(principalArn ? { principalArn } : {}) }),
    );
    expect(response.statusCode).toBe(404);
    expect(response.json.error).toBe('not_found');
  });
});

describe('routing', () => {
  it.each([
    ['GET', '/v1/nothing-here', 404, undefined],
    ['POST', '/v1/messages/', 404, undefined],
    ['GET', '/v1/messages', 405, 'POST'],
    ['DELETE', '/v1/messages/abc', 405, 'GET'],
    ['POST', '/v1/openapi.json', 405, 'GET'],
  ])('%s %s → %i', async (method, path, statusCode, allow) => {
    const ingest = fakeIngest();
    const response = await ingest.call(apiEvent({ method, path, body: smsBody() }));
    expect(response.statusCode).toBe(statusCode);
    expect(response.headers.allow).toBe(allow);
  });

  it('serves the OpenAPI document without credentials', async () => {
    const ingest = fakeIngest();
    const response = await ingest.call(
      apiEvent({ method: 'GET', path: '/v1/openapi.json', principalArn: null }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json.openapi).toBe('3.1.0');
  });
});

describe('authentication', () => {
  it('answers 401 in IAM mode when API Gateway passed no IAM principal', async () => {
    const ingest = fakeIngest();
    const response = await ingest.call(apiEvent({ body: smsBody(), principalArn: null }));
    expect(response.statusCode).toBe(401);
    expect(ingest.records()).toHaveLength(0);
  });

  it.each([
    ['no Authorization header', {}],
    ['an unknown token', bearer('tok-unknown')],
    ['another scheme', { authorization: 'Basic dG9rLW9yZGVyczo=' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers 401 in token mode for %s', async (_case, headers) => {
    const ingest = fakeIngest({ auth: tokenAuth });
    const response = await ingest.call(apiEvent({ body: smsBody(), headers, principalArn: null }));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('maps a bearer token to its client, and hides one client’s status from the other', async () => {
    const ingest = fakeIngest({ auth: tokenAuth });
    const accepted = await ingest.call(apiEvent({ body: smsBody(), headers: bearer('tok-orders') }));
    const path = `/v1/messages/${accepted.json.requestId}`;
    expect(accepted.statusCode).toBe(202);
    expect(
      (await ingest.call(apiEvent({ method: 'GET', path, headers: bearer('tok-orders') }))).statusCode,
    ).toBe(200);
    expect(
      (await ingest.call(apiEvent({ method: 'GET', path, headers: bearer('tok-billing') }))).statusCode,
    ).toBe(404);
  });
});

describe('failure answers', () => {
  it('answers 500 without internals when something unexpected breaks', async () => {
    const ingest = fakeIngest();
    ingest.producer.send = async () => {
      throw new Error('secret detail: sasl password hunter2 at b-1.msk:9098');
    };
    const event = apiEvent({ body: smsBody() });
    const response = await ingest.call(event);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/hunter2|msk|sasl|stack/i);
    expect(response.json).toEqual({
      error: 'internal',
      message: 'internal error',
      correlationId: event.requestContext.requestId,
    });
  });
});

describe('logging', () => {
  afterEach(() => vi.restoreAllMocks());

  it('logs each decision once with the requestId, never a recipient or message text', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const logger = new Logger({ serviceName: 'herald-ingest-test', logLevel: 'INFO' });
    const ingest = fakeIngest({ logger });
    const secretText = 'Your one-time code is 918273';
    const accepted = await ingest.call(apiEvent({ body: smsBody(['+821099998888'], secretText) }));
    await ingest.call(apiEvent({ body: smsBody(['+8210bad'], secretText) }));
    vi.restoreAllMocks();

    const output = lines.join('');
    expect(output).not.toContain('+821099998888');
    expect(output).not.toContain('+8210bad');
    expect(output).not.toContain('918273');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const acceptedLogs = records.filter((r) => r.message === 'accepted');
    expect(acceptedLogs).toHaveLength(1);
    expect(acceptedLogs[0]).toMatchObject({ requestId: accepted.json.requestId, accepted: 1 });
    expect(records.find((r) => r.message === 'request refused')).toMatchObject({
      statusCode: 400,
      issuePaths: ['recipients[0]'],
    });
  });
});
