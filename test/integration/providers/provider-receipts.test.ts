/**
 * The SES and End User Messaging SMS fakes publish the providers' receipt events to the local event
 * bus after an accepted send, driven by the official SDK clients (endpoint override only): SES's
 * mailbox simulator and the SMS simulator's numbers decide the outcome, `mail.tags` / `context` echo
 * the request's EmailTags / Context, and the events parse (core/receipts.ts) into the state and ids
 * the receipts Lambda applies. Receipts come after the answer, can be turned off, and a bus that is
 * down never changes the send's answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { receiptTagsFor } from '../../../lambdas/core/receipt-tags.ts';
import { type EventBridgeEvent, parseReceipt } from '../../../lambdas/core/receipts.ts';
import { type BusEvent, LocalEventBus } from '../../../local/event-bus/event-bus.ts';
import { type EventBusServer, startEventBusServer } from '../../../local/event-bus/event-bus-server.ts';
import { addReceiptRules } from '../../../local/event-bus/receipts-rules.ts';
import { startEumSmsFake } from '../../../local/providers/eum-sms-fake.ts';
import type { ProviderFake } from '../../../local/providers/provider-fake.ts';
import { startSesFake } from '../../../local/providers/ses-fake.ts';

const logDir = mkdtempSync(join(tmpdir(), 'herald-receipts-'));
const credentials = { accessKeyId: 'AKIDHERALDTEST', secretAccessKey: 'test-secret' };
const ids = { deliveryId: 'AAAAAAAAAAAAAAAAAAAAAA', requestId: 'ab'.repeat(32), clientId: 'shop:orders' };
const tags = receiptTagsFor(ids);
const received: BusEvent[] = [];
const bus = new LocalEventBus();
addReceiptRules(bus, async (event) => received.push(event));
let server: EventBusServer;
let ses: ProviderFake;
let sms: ProviderFake;
let sesClient: SESv2Client;
let smsClient: PinpointSMSVoiceV2Client;

beforeAll(async () => {
  server = await startEventBusServer(bus);
  const common = {
    logPath: join(logDir, 'vendors.jsonl'),
    eventBusUrl: server.url,
    receipts: { delayMs: 50 },
  };
  ses = await startSesFake({ name: 'email-a', ...common, configurationSets: ['herald-events'] });
  sms = await startEumSmsFake({ name: 'sms-a', ...common, configurationSets: ['herald-events'] });
  const client = { region: 'eu-west-1', credentials, maxAttempts: 1 };
  sesClient = new SESv2Client({ ...client, endpoint: ses.url });
  smsClient = new PinpointSMSVoiceV2Client({ ...client, endpoint: sms.url });
});

afterAll(async () => {
  sesClient.destroy();
  smsClient.destroy();
  await Promise.all([ses.close(), sms.close()]);
  await server.close();
  rmSync(logDir, { recursive: true, force: true });
});

beforeEach(() => {
  received.length = 0;
  ses.setReceipts({ enabled: true, delayMs: 50 });
  sms.setReceipts({ enabled: true, delayMs: 50 });
});

function sendEmail(to: string, options: { configurationSet?: string | null } = {}) {
  const set = options.configurationSet === undefined ? 'herald-events' : options.configurationSet;
  return sesClient.send(
    new SendEmailCommand({
      FromEmailAddress: 'noreply@herald.example.com',
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Your code is 123456' } } } },
      EmailTags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value })),
      ...(set ? { ConfigurationSetName: set } : {}),
    }),
  );
}

function sendSms(to: string) {
  return smsClient.send(
    new SendTextMessageCommand({
      DestinationPhoneNumber: to,
      MessageBody: 'Your code is 123456',
      MessageType: 'TRANSACTIONAL',
      ConfigurationSetName: 'herald-events',
      Context: tags,
    }),
  );
}

/** The events the bus delivered, after the fakes published everything they scheduled. */
async function receipts(): Promise<BusEvent[]> {
  await Promise.all([ses.drainReceipts(), sms.drainReceipts()]);
  await bus.drain();
  return [...received];
}

const parsed = (event: BusEvent) => parseReceipt(event as EventBridgeEvent);

describe('SES fake receipts (mailbox simulator)', () => {
  it.each([
    ['success@simulator.amazonses.com', ['Email Delivered'], 'delivered', 'delivered: smtp 250'],
    ['bounce@simulator.amazonses.com', ['Email Bounced'], 'bounced', 'Permanent/General 5.1.1'],
    ['bounce+label1@simulator.amazonses.com', ['Email Bounced'], 'bounced', 'Permanent/General 5.1.1'],
    ['suppressionlist@simulator.amazonses.com', ['Email Bounced'], 'bounced', 'Permanent/Suppressed 5.1.1'],
    ['someone@example.org', ['Email Delivered'], 'delivered', 'delivered: smtp 250'],
  ])('publishes what SES publishes for %s', async (to, detailTypes, state, reason) => {
    const answer = await sendEmail(to);

    const events = await receipts();

    expect(events.map((event) => event['detail-type'])).toEqual(detailTypes);
    const event = events[0] as BusEvent;
    expect(event.source).toBe('aws.ses');
    expect(event.resources).toEqual(['arn:aws:ses:eu-west-1:123456789012:configuration-set/herald-events']);
    const mail = (event.detail as { mail: { messageId: string; tags: Record<string, string[]> } }).mail;
    expect(mail.messageId).toBe(answer.MessageId);
    expect(mail.tags).toMatchObject({
      'ses:configuration-set': ['herald-events'],
      'ses:from-domain': ['herald.example.com'],
      deliveryId: [tags.deliveryId],
      requestId: [tags.requestId],
      clientId: [tags.clientId],
    });
    expect(parsed(event)).toMatchObject({
      kind: 'receipt',
      receipt: { ...ids, state, reason, recipient: to },
    });
  });

  it('publishes a delivery and then a complaint for complaint@', async () => {
    await sendEmail('complaint@simulator.amazonses.com');

    const events = await receipts();

    expect(events.map((event) => parsed(event))).toEqual([
      expect.objectContaining({ receipt: expect.objectContaining({ state: 'delivered' }) }),
      expect.objectContaining({
        receipt: expect.objectContaining({ state: 'complained', reason: 'complaint: abuse' }),
      }),
    ]);
  });

  it('publishes nothing for a send that names no configuration set', async () => {
    await sendEmail('bounce@simulator.amazonses.com', { configurationSet: null });

    expect(await receipts()).toEqual([]);
  });

  it('publishes again for a repeated send (SES does not dedupe)', async () => {
    await sendEmail('success@simulator.amazonses.com');
    await sendEmail('success@simulator.amazonses.com');

    expect(await receipts()).toHaveLength(2);
  });
});

describe('EUM SMS fake receipts (SMS simulator)', () => {
  it.each([
    ['+14254147755', 'TEXT_DELIVERED', 'delivered'],
    ['+447860019067', 'TEXT_CARRIER_UNREACHABLE', 'undeliverable'],
    ['+14254147167', 'TEXT_CARRIER_UNREACHABLE', 'undeliverable'],
    ['+821012345678', 'TEXT_DELIVERED', 'delivered'],
  ])('publishes the delivery status of a send to %s, echoing its Context', async (to, eventType, state) => {
    const answer = await sendSms(to);

    const events = await receipts();

    expect(events).toHaveLength(1);
    const event = events[0] as BusEvent;
    expect(event).toMatchObject({
      source: 'aws.sms-voice',
      'detail-type': 'Text Message Delivery Status Updated',
    });
    expect(event.detail).toMatchObject({
      eventType,
      messageId: answer.MessageId,
      destinationPhoneNumber: to,
      isFinal: true,
      messageType: 'TRANSACTIONAL',
      context: tags,
    });
    expect(parsed(event)).toMatchObject({ kind: 'receipt', receipt: { ...ids, state, recipient: to } });
  });
});

describe('receipt settings and failures', () => {
  it('publishes nothing while receipts are turned off on the admin endpoint', async () => {
    const off = await fetch(`${sms.adminUrl}/receipts`, { method: 'PUT', body: '{"enabled":false}' });
    expect(await off.json()).toEqual({ enabled: false, delayMs: 50 });

    await sendSms('+14254147755');

    expect(await receipts()).toEqual([]);
  });

  it('refuses an invalid receipt setting', async () => {
    const response = await fetch(`${ses.adminUrl}/receipts`, { method: 'PUT', body: '{"delayMs":-1}' });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ problems: ['delayMs must be an integer 0..3600000'] });
  });

  it('answers the send before the delayed receipt is published', async () => {
    await fetch(`${ses.adminUrl}/receipts`, { method: 'PUT', body: '{"delayMs":3000}' });

    const answer = await sendEmail('success@simulator.amazonses.com');
    await sleep(200);

    expect(answer.MessageId).toBeTruthy();
    expect(received).toEqual([]);
    expect(await receipts()).toHaveLength(1);
    expect(ses.receiptCounts().failed).toBe(0);
  });

  it('answers 200 when the event bus is down, and the receipt is lost, not the send', async () => {
    const lonely = await startSesFake({
      name: 'email-x',
      logPath: join(logDir, 'vendors.jsonl'),
      eventBusUrl: 'http://127.0.0.1:9', // discard port: nothing listens
      receipts: { delayMs: 0 },
    });
    const client = new SESv2Client({
      region: 'eu-west-1',
      credentials,
      endpoint: lonely.url,
      maxAttempts: 1,
    });

    const answer = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'noreply@herald.example.com',
        Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' } } } },
        ConfigurationSetName: 'herald-events',
      }),
    );
    await lonely.drainReceipts();

    expect(answer.MessageId).toBeTruthy();
    expect(lonely.deliveries()).toHaveLength(1);
    expect(lonely.receiptCounts()).toEqual({ published: 0, failed: 1 });
    client.destroy();
    await lonely.close();
  });
});
