/**
 * The events the SES fake publishes after an accepted SendEmail, as SES's EventBridge event
 * destination does (`source` `aws.ses`, `detail-type` "Email Delivered", "Email Bounced", "Email
 * Complaint Received"; `detail` the SES event record: `eventType`, `mail` with `tags` and the event's
 * section; shapes as the committed samples in test/fixtures/receipts). What happens follows the SES
 * mailbox simulator (developer guide, "Using the mailbox simulator"), labels (`bounce+x@…`) included:
 *
 *   success@simulator.amazonses.com          Delivery
 *   bounce@simulator.amazonses.com           Bounce (Permanent/General, 5.1.1 user unknown)
 *   complaint@simulator.amazonses.com        Delivery, then Complaint (abuse)
 *   suppressionlist@simulator.amazonses.com  Bounce (Permanent/Suppressed), as for a suppressed address
 *   ooto@simulator.amazonses.com, any other  Delivery
 *
 * `mail.tags` holds SES's own tags (`ses:configuration-set`, `ses:from-domain` …) and the request's
 * EmailTags (name → [value]), as SES echoes them.
 */
import { randomUUID } from 'node:crypto';
import type { ReceiptEvent } from './receipt-emitter.ts';

/** The mailbox simulator's domain. */
export const SES_SIMULATOR_DOMAIN = 'simulator.amazonses.com';
const ACCOUNT = '123456789012';
const MTA = 'a8-70.smtp-out.amazonses.com';

/** What the events need from the SendEmail request. */
export interface SesSend {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly configurationSet: string;
  readonly region: string;
  /** The request's EmailTags, name → value. */
  readonly tags: ReadonlyMap<string, string>;
}

/** The simulator scenario of an address (labels ignored), or undefined for an ordinary address. */
export function simulatorScenario(address: string): string | undefined {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  if (domain !== SES_SIMULATOR_DOMAIN) return undefined;
  return local.split('+')[0];
}

/** The events SES publishes for `send` (message `messageId`, sent at `sentAt`), happening at `at`. */
export function sesReceiptEvents(send: SesSend, messageId: string, sentAt: Date, at: Date): ReceiptEvent[] {
  const mail = mailOf(send, messageId, sentAt);
  const timestamp = at.toISOString();
  const resources = [`arn:aws:ses:${send.region}:${ACCOUNT}:configuration-set/${send.configurationSet}`];
  const event = (detailType: string, eventType: string, section: string, body: object): ReceiptEvent => ({
    source: 'aws.ses',
    detailType,
    resources,
    detail: { eventType, mail: eventType === 'Delivery' ? withOutgoingIp(mail) : mail, [section]: body },
  });
  const delivered = event('Email Delivered', 'Delivery', 'delivery', {
    timestamp,
    processingTimeMillis: Math.max(0, at.getTime() - sentAt.getTime()),
    recipients: [send.to],
    smtpResponse: '250 2.6.0 Message received',
    reportingMTA: MTA,
  });
  const bounced = (subType: string, diagnosticCode: string): ReceiptEvent =>
    event('Email Bounced', 'Bounce', 'bounce', {
      bounceType: 'Permanent',
      bounceSubType: subType,
      bouncedRecipients: [{ emailAddress: send.to, action: 'failed', status: '5.1.1', diagnosticCode }],
      timestamp,
      feedbackId: feedbackId(at),
      reportingMTA: `dsn; ${MTA}`,
    });
  switch (simulatorScenario(send.to)) {
    case 'bounce':
      return [bounced('General', 'smtp; 550 5.1.1 user unknown')];
    case 'suppressionlist':
      return [
        bounced(
          'Suppressed',
          'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.',
        ),
      ];
    case 'complaint':
      return [
        delivered,
        event('Email Complaint Received', 'Complaint', 'complaint', {
          complainedRecipients: [{ emailAddress: send.to }],
          timestamp,
          feedbackId: feedbackId(at),
          complaintFeedbackType: 'abuse',
          arrivalDate: timestamp,
        }),
      ];
    default:
      return [delivered];
  }
}

function mailOf(send: SesSend, messageId: string, sentAt: Date) {
  const fromDomain = send.from.split('@').pop() ?? '';
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [send.configurationSet],
    'ses:source-ip': ['192.0.2.0'],
    'ses:from-domain': [fromDomain],
    'ses:caller-identity': ['herald-local-role'],
  };
  for (const [name, value] of send.tags) tags[name] = [value];
  return {
    timestamp: sentAt.toISOString(),
    source: send.from,
    sourceArn: `arn:aws:ses:${send.region}:${ACCOUNT}:identity/${fromDomain}`,
    sendingAccountId: ACCOUNT,
    messageId,
    destination: [send.to],
    headersTruncated: false,
    headers: [
      { name: 'From', value: send.from },
      { name: 'To', value: send.to },
      { name: 'Subject', value: send.subject },
      { name: 'MIME-Version', value: '1.0' },
    ],
    commonHeaders: { from: [send.from], to: [send.to], messageId, subject: send.subject },
    tags,
  };
}

function withOutgoingIp(mail: ReturnType<typeof mailOf>) {
  return { ...mail, tags: { ...mail.tags, 'ses:outgoing-ip': ['192.0.2.0'] } };
}

function feedbackId(at: Date): string {
  return `${at.getTime().toString(16).padStart(16, '0')}-${randomUUID()}-000000`;
}
