/**
 * EumSmsVendor (the official pinpoint-sms-voice-v2 client) against the local EUM fake over the real
 * AWS JSON 1.0 protocol: the Vendor contract, each error class, no SDK retries, timeouts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EumSmsVendor, type EumSmsVendorOptions } from '../../../lambdas/adapters/eum-sms-vendor.ts';
import { startEumSmsFake } from '../../../local/providers/eum-sms-fake.ts';
import type { ProviderFake } from '../../../local/providers/provider-fake.ts';
import { describeVendorContract, vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const logDir = mkdtempSync(join(tmpdir(), 'herald-eum-'));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));
const credentials = { accessKeyId: 'AKIDHERALDTEST', secretAccessKey: 'test-secret' };
const IDENTITY = 'pool-herald-test';

async function fakeAndVendor(timeoutMs = 2_000, options: Partial<EumSmsVendorOptions> = {}) {
  const fake = await startEumSmsFake({
    name: 'eum-a',
    logPath: join(logDir, 'eum.jsonl'),
    originationIdentities: [IDENTITY],
    configurationSets: ['herald-events'],
  });
  const vendor = new EumSmsVendor({
    name: 'eum-a',
    region: 'ap-northeast-2',
    endpoint: fake.url,
    originationIdentity: IDENTITY,
    messageType: 'TRANSACTIONAL',
    configurationSetName: 'herald-events',
    timeoutMs,
    credentials,
    ...options,
  });
  return { fake, vendor };
}

describeVendorContract('EumSmsVendor + EUM fake', async (timeoutMs) => {
  const { fake, vendor } = await fakeAndVendor(timeoutMs);
  return {
    vendor,
    isIdempotent: false,
    hasRetryAfter: false,
    rejectionReason: /ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT/,
    setFaults: async ({ retryAfterSeconds, ...faults }) => {
      if (retryAfterSeconds !== undefined) throw new Error('EUM sends no Retry-After');
      await fake.setFaults(faults);
    },
    deliveredIds: () => fake.deliveries().map((delivery) => delivery.deliveryId),
    close: async () => {
      vendor.destroy();
      await fake.close();
    },
  };
});

describe('EumSmsVendor', () => {
  let fake: ProviderFake | undefined;
  let vendor: EumSmsVendor | undefined;
  const start = async (timeoutMs?: number, options?: Partial<EumSmsVendorOptions>) => {
    ({ fake, vendor } = await fakeAndVendor(timeoutMs, options));
    return { fake, vendor };
  };
  afterEach(async () => {
    vendor?.destroy();
    await fake?.close();
  });

  it('sends one SendTextMessage carrying deliveryId and requestId in Context, logged once', async () => {
    const { fake, vendor } = await start();
    const message = vendorMessage({ to: '+821012345678' });

    const outcome = await vendor.send(message);

    expect(outcome).toMatchObject({ kind: 'accepted', vendorMessageId: expect.any(String) });
    expect(fake.requestCount()).toBe(1);
    const logged = readFileSync(fake.logPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(logged.at(-1)).toMatchObject({
      vendor: 'eum-a',
      channel: 'sms',
      to: '+821012345678',
      deliveryId: message.deliveryId,
      requestId: message.requestId,
      vendorMessageId: outcome.kind === 'accepted' ? outcome.vendorMessageId : '',
    });
  });

  it.each([
    ['ThrottlingException', 'throttled'],
    ['ConflictException:DESTINATION_PHONE_NUMBER_OPTED_OUT', 'rejected'],
    ['ConflictException:DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE', 'rejected'],
    ['ValidationException:DESTINATION_COUNTRY_BLOCKED', 'rejected'],
    ['ConflictException:RESOURCE_NOT_ACTIVE', 'vendor-failed'],
    ['ValidationException:INVALID_IDENTITY_FOR_DESTINATION_COUNTRY', 'vendor-failed'],
    ['AccessDeniedException:ACCOUNT_DISABLED', 'vendor-failed'],
    ['AccessDeniedException:INSUFFICIENT_ACCOUNT_REPUTATION', 'vendor-failed'],
    ['ServiceQuotaExceededException:MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT', 'vendor-failed'],
    ['ResourceNotFoundException', 'vendor-failed'],
    ['InternalServerException', 'ambiguous'],
    ['ServiceUnavailable', 'unavailable'],
  ])('classifies %s as %s, in one request (no SDK retry)', async (failWith, kind) => {
    const { fake, vendor } = await start();
    await fake.setFaults({ failWith });

    const outcome = await vendor.send(vendorMessage());

    expect(outcome.kind).toBe(kind);
    expect(outcome.kind !== 'accepted' && outcome.reason).toContain(failWith.split(':')[0]);
    expect(fake.requestCount()).toBe(1);
    expect(fake.deliveries()).toEqual([]);
  });

  it('is vendor-failed for an origination identity the account does not have', async () => {
    const { vendor } = await start(2_000, { originationIdentity: 'pool-not-mine' });
    expect(await vendor.send(vendorMessage())).toMatchObject({
      kind: 'vendor-failed',
      reason: 'eum-a: ResourceNotFoundException',
    });
  });

  it('rejects a destination the service refuses as invalid, without echoing it', async () => {
    const { vendor } = await start();
    const outcome = await vendor.send(vendorMessage({ to: '010-1234' }));
    expect(outcome).toEqual({
      kind: 'rejected',
      reason: 'eum-a: ValidationException FIELD_VALIDATION_FAILED',
    });
  });

  it('is ambiguous when the answer does not come in time, and does not retry', async () => {
    const { fake, vendor } = await start(300);
    await fake.setFaults({ timeoutRate: 1 });

    const outcome = await vendor.send(vendorMessage());

    expect(outcome).toEqual({ kind: 'ambiguous', reason: 'eum-a: no answer within 300 ms' });
    expect(fake.requestCount()).toBe(1);
    expect(fake.deliveries()).toHaveLength(1);
  });

  it('is unavailable when the endpoint refuses connections', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const { vendor } = await start(2_000, { endpoint: `http://127.0.0.1:${port}` });
    expect(await vendor.send(vendorMessage())).toEqual({
      kind: 'unavailable',
      reason: 'eum-a: ECONNREFUSED',
    });
  });

  it('is unavailable when the signal fired before sending, and sends nothing', async () => {
    const { fake, vendor } = await start();
    expect((await vendor.send(vendorMessage(), AbortSignal.abort())).kind).toBe('unavailable');
    expect(fake.requestCount()).toBe(0);
  });
});

describe('EUM fake', () => {
  let fake: ProviderFake | undefined;
  afterEach(async () => fake?.close());

  it('answers an unsigned request with the AWS error shape, and takes faults through its admin endpoint', async () => {
    fake = await startEumSmsFake({ name: 'eum-x', logPath: join(logDir, 'x.jsonl') });
    const unsigned = await fetch(`${fake.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'PinpointSMSVoiceV2.SendTextMessage',
      },
      body: JSON.stringify({ DestinationPhoneNumber: '+15550000001', MessageBody: 'hi' }),
    });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException:/);
    expect(await unsigned.json()).toMatchObject({
      __type: expect.stringMatching(/#MissingAuthenticationTokenException$/),
    });

    const put = (body: unknown) =>
      fetch(`${fake?.adminUrl}/faults`, { method: 'PUT', body: JSON.stringify(body) });
    expect((await put({ failWith: 'NoSuchException' })).status).toBe(400);
    expect((await put({ retryAfterSeconds: 3 })).status).toBe(400);
    expect(await (await put({ failWith: 'ThrottlingException', latencyMs: 5 })).json()).toMatchObject({
      failWith: 'ThrottlingException',
      latencyMs: 5,
    });
    expect(await (await fetch(`${fake.adminUrl}/faults/reset`, { method: 'POST' })).json()).toMatchObject({
      failWith: null,
      latencyMs: 0,
    });
  });
});
