/**
 * SesVendor (the official sesv2 client) against the local SES fake over the real REST-JSON protocol:
 * the Vendor contract, each error class, unverified identities, no SDK retries, timeouts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SesVendor, type SesVendorOptions } from '../../../lambdas/adapters/ses-vendor.ts';
import type { ProviderFake } from '../../../local/providers/provider-fake.ts';
import { type SesFakeOptions, startSesFake } from '../../../local/providers/ses-fake.ts';
import { describeVendorContract, vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const logDir = mkdtempSync(join(tmpdir(), 'herald-ses-'));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));
const credentials = { accessKeyId: 'AKIDHERALDTEST', secretAccessKey: 'test-secret' };
const email = (overrides = {}) =>
  vendorMessage({ channel: 'email', to: 'someone@example.org', title: 'Hi', ...overrides });

async function fakeAndVendor(
  timeoutMs = 2_000,
  options: Partial<SesVendorOptions> = {},
  fakeOptions: Partial<SesFakeOptions> = {},
) {
  const fake = await startSesFake({
    name: 'ses-a',
    logPath: join(logDir, 'ses.jsonl'),
    verifiedIdentities: ['herald.example.com'],
    configurationSets: ['herald-events'],
    ...fakeOptions,
  });
  const vendor = new SesVendor({
    name: 'ses-a',
    region: 'eu-west-1',
    endpoint: fake.url,
    fromEmailAddress: 'noreply@herald.example.com',
    configurationSetName: 'herald-events',
    timeoutMs,
    credentials,
    ...options,
  });
  return { fake, vendor };
}

describeVendorContract('SesVendor + SES fake', async (timeoutMs) => {
  const { fake, vendor } = await fakeAndVendor(timeoutMs);
  return {
    vendor,
    isIdempotent: false,
    hasRetryAfter: false,
    rejectionReason: /MessageRejected/,
    recipient: { channel: 'email', to: 'someone@example.org', refusedTo: 'bounce@example.org' },
    setFaults: async ({ retryAfterSeconds, ...faults }) => {
      if (retryAfterSeconds !== undefined) throw new Error('SES sends no Retry-After');
      await fake.setFaults(faults);
    },
    deliveredIds: () => fake.deliveries().map((delivery) => delivery.deliveryId),
    close: async () => {
      vendor.destroy();
      await fake.close();
    },
  };
});

describe('SesVendor', () => {
  let fake: ProviderFake | undefined;
  let vendor: SesVendor | undefined;
  const start = async (...args: Parameters<typeof fakeAndVendor>) => {
    ({ fake, vendor } = await fakeAndVendor(...args));
    return { fake, vendor };
  };
  afterEach(async () => {
    vendor?.destroy();
    await fake?.close();
  });

  it('sends one SendEmail tagged with deliveryId and requestId, logged once', async () => {
    const { fake, vendor } = await start();
    const message = email();

    const outcome = await vendor.send(message);

    expect(outcome).toMatchObject({ kind: 'accepted', vendorMessageId: expect.any(String) });
    const logged = readFileSync(fake.logPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(logged.at(-1)).toMatchObject({
      vendor: 'ses-a',
      channel: 'email',
      to: 'someone@example.org',
      deliveryId: message.deliveryId,
      requestId: message.requestId,
    });
  });

  it('uses the body first line as the subject when the message has no title (SES refuses an empty one)', async () => {
    const { vendor } = await start();
    const { title: _, ...untitled } = email({ body: 'Your code\n123456' });
    expect((await vendor.send(untitled)).kind).toBe('accepted');
  });

  it.each([
    ['TooManyRequestsException', 'throttled'],
    ['MessageRejected', 'rejected'],
    ['AccountSuspendedException', 'vendor-failed'],
    ['SendingPausedException', 'vendor-failed'],
    ['MailFromDomainNotVerifiedException', 'vendor-failed'],
    ['NotFoundException', 'vendor-failed'],
    ['LimitExceededException', 'vendor-failed'],
    ['BadRequestException', 'vendor-failed'],
    ['InternalServiceErrorException', 'ambiguous'],
    ['ServiceUnavailable', 'unavailable'],
  ])('classifies %s as %s, in one request (no SDK retry)', async (failWith, kind) => {
    const { fake, vendor } = await start();
    await fake.setFaults({ failWith });

    const outcome = await vendor.send(email());

    expect(outcome.kind).toBe(kind);
    expect(outcome.kind !== 'accepted' && outcome.reason).toContain(failWith);
    expect(fake.requestCount()).toBe(1);
    expect(fake.deliveries()).toEqual([]);
  });

  it('is vendor-failed when SES says our From identity is not verified', async () => {
    const { vendor } = await start(2_000, { fromEmailAddress: 'noreply@unverified.example.com' });
    expect(await vendor.send(email())).toEqual({
      kind: 'vendor-failed',
      reason: 'ses-a: MessageRejected (sending identity not verified)',
    });
  });

  it('rejects a sandbox recipient SES says is not verified, without echoing it', async () => {
    const { vendor } = await start(2_000, {}, { sandboxRecipients: ['verified@example.org'] });
    const outcome = await vendor.send(email({ to: 'stranger@example.org' }));
    expect(outcome).toEqual({ kind: 'rejected', reason: 'ses-a: MessageRejected' });
  });

  it('is vendor-failed for a configuration set that does not exist', async () => {
    const { vendor } = await start(2_000, { configurationSetName: 'gone' });
    expect((await vendor.send(email())).kind).toBe('vendor-failed');
  });

  it('is ambiguous when the answer does not come in time, and does not retry', async () => {
    const { fake, vendor } = await start(300);
    await fake.setFaults({ timeoutRate: 1 });

    expect(await vendor.send(email())).toEqual({
      kind: 'ambiguous',
      reason: 'ses-a: no answer within 300 ms',
    });
    expect(fake.requestCount()).toBe(1);
    expect(fake.deliveries()).toHaveLength(1);
  });
});
