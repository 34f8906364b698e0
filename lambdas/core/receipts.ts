/**
 * Delivery receipts: the provider events that say what became of a message after the vendor accepted
 * it, parsed into the status they move a delivery to. Pure; structural types of our own for the
 * EventBridge envelope and the two documented payloads (SES event publishing, End User Messaging SMS
 * events). The send put the delivery's ids in SES `EmailTags` / EUM `Context` (receipt-tags.ts), so a
 * receipt names its delivery without any lookup by provider message id.
 */

import { readReceiptTags } from './receipt-tags.ts';
import type { ReceiptState } from './status-precedence.ts';

/** The EventBridge envelope, as a rule target receives it. */
export interface EventBridgeEvent {
  readonly version?: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account?: string;
  readonly time: string;
  readonly region?: string;
  readonly resources?: readonly string[];
  readonly detail: unknown;
}

/** Event sources of receipts. */
export const ReceiptSource = { ses: 'aws.ses', sms: 'aws.sms-voice' } as const;

/** What one receipt says about one delivery. */
export interface Receipt {
  readonly deliveryId: string;
  readonly requestId: string;
  readonly clientId: string;
  readonly state: ReceiptState;
  /** The provider's words (status codes and descriptions, never an address). */
  readonly reason: string;
  readonly provider: 'ses' | 'eum-sms';
  /** The provider's event type, e.g. `Bounce` or `TEXT_DELIVERED`. */
  readonly eventType: string;
  /** The provider's message id (safe to log). */
  readonly providerMessageId?: string;
  /** ISO-8601 time of the event at the provider. */
  readonly at: string;
  /**
   * The address the provider reports (SES `mail.destination[0]`, SMS `destinationPhoneNumber`), when
   * it reports one: it must hash to the deliveryId. Never logged.
   */
  readonly recipient?: string;
}

/** How an event was understood. */
export type ParsedReceipt =
  | { readonly kind: 'receipt'; readonly receipt: Receipt }
  /** A known event that moves no status (Send, Open, DeliveryDelay, TEXT_PENDING ...). */
  | { readonly kind: 'ignored'; readonly eventType: string; readonly providerMessageId?: string }
  /** Not ours or not attributable (no Herald tags, another source, a malformed detail). */
  | { readonly kind: 'unmatched'; readonly why: string; readonly providerMessageId?: string };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Parses one EventBridge event from SES or End User Messaging SMS. */
export function parseReceipt(event: EventBridgeEvent): ParsedReceipt {
  if (!isObject(event.detail)) return { kind: 'unmatched', why: 'event has no detail object' };
  if (event.source === ReceiptSource.ses) return parseSes(event.detail, event.time);
  if (event.source === ReceiptSource.sms) return parseSms(event.detail, event.time);
  return { kind: 'unmatched', why: `source ${JSON.stringify(event.source)} carries no receipts` };
}

// SES event types (EventBridge detail and SNS/Firehose records use the same words; the API's
// EventType enum spells them DELIVERY, BOUNCE, ...: compared without case, spaces or underscores).
const SES_IGNORED = new Set(['send', 'open', 'click', 'deliverydelay', 'subscription']);

function parseSes(detail: Json, fallbackAt: string): ParsedReceipt {
  const eventType = text(detail.eventType) ?? text(detail.notificationType) ?? '';
  const mail = isObject(detail.mail) ? detail.mail : {};
  const providerMessageId = text(mail.messageId);
  const id = providerMessageId ? { providerMessageId } : {};
  const kind = eventType.toLowerCase().replace(/[\s_]/g, '');
  if (SES_IGNORED.has(kind)) return { kind: 'ignored', eventType, ...id };
  const outcome = sesOutcome(kind, detail);
  if (!outcome) return { kind: 'unmatched', why: `SES event type ${JSON.stringify(eventType)}`, ...id };
  const tags = readReceiptTags(isObject(mail.tags) ? mail.tags : {});
  if (!tags.ok) return { kind: 'unmatched', why: tags.why, ...id };
  const section = isObject(detail[outcome.section]) ? (detail[outcome.section] as Json) : {};
  return {
    kind: 'receipt',
    receipt: {
      ...tags.ids,
      state: outcome.state,
      reason: outcome.reason,
      provider: 'ses',
      eventType,
      ...id,
      ...recipientOf(Array.isArray(mail.destination) ? mail.destination[0] : undefined),
      at: isoOf(section.timestamp) ?? isoOf(fallbackAt) ?? new Date(0).toISOString(),
    },
  };
}

function sesOutcome(
  kind: string,
  detail: Json,
): { state: ReceiptState; reason: string; section: string } | undefined {
  const part = (name: string): Json => (isObject(detail[name]) ? (detail[name] as Json) : {});
  switch (kind) {
    case 'delivery': {
      const smtp = text(part('delivery').smtpResponse);
      // Why only the code: the SMTP response text can echo the recipient's address.
      return {
        state: 'delivered',
        reason: `delivered${smtp ? `: smtp ${smtp.slice(0, 3)}` : ''}`,
        section: 'delivery',
      };
    }
    case 'bounce': {
      const bounce = part('bounce');
      const first = Array.isArray(bounce.bouncedRecipients) ? bounce.bouncedRecipients[0] : undefined;
      const status = isObject(first) ? text(first.status) : undefined;
      const reason = [text(bounce.bounceType) ?? 'Undetermined', text(bounce.bounceSubType)]
        .filter(Boolean)
        .join('/');
      return { state: 'bounced', reason: `${reason}${status ? ` ${status}` : ''}`, section: 'bounce' };
    }
    case 'complaint': {
      const feedback = text(part('complaint').complaintFeedbackType);
      return {
        state: 'complained',
        reason: `complaint${feedback ? `: ${feedback}` : ''}`,
        section: 'complaint',
      };
    }
    case 'reject':
      return {
        state: 'undeliverable',
        reason: `rejected: ${text(part('reject').reason) ?? 'unspecified'}`,
        section: 'reject',
      };
    case 'renderingfailure':
      return { state: 'undeliverable', reason: 'rendering failure', section: 'failure' };
    default:
      return undefined;
  }
}

/** End User Messaging SMS event types and the state each one sets. */
const SMS_STATES: Readonly<Record<string, ReceiptState>> = {
  TEXT_DELIVERED: 'delivered',
  // Accepted by the carrier: the final event where the carrier returns no handset receipt.
  TEXT_SUCCESSFUL: 'delivered',
  TEXT_BLOCKED: 'undeliverable',
  TEXT_CARRIER_BLOCKED: 'undeliverable',
  TEXT_PROTECT_BLOCKED: 'undeliverable',
  TEXT_TTL_EXPIRED: 'undeliverable',
  TEXT_CARRIER_UNREACHABLE: 'undeliverable',
  TEXT_UNREACHABLE: 'undeliverable',
  TEXT_INVALID: 'undeliverable',
  TEXT_INVALID_MESSAGE: 'undeliverable',
  TEXT_SPAM: 'undeliverable',
  // The provider's own 72 h rule: no final event from the carrier.
  TEXT_UNKNOWN: 'unknown',
};
const SMS_IGNORED = new Set(['TEXT_PENDING', 'TEXT_QUEUED', 'TEXT_SENT']);

function parseSms(detail: Json, fallbackAt: string): ParsedReceipt {
  const eventType = text(detail.eventType) ?? '';
  const providerMessageId = text(detail.messageId);
  const id = providerMessageId ? { providerMessageId } : {};
  if (SMS_IGNORED.has(eventType)) return { kind: 'ignored', eventType, ...id };
  const state = SMS_STATES[eventType];
  if (!state) return { kind: 'unmatched', why: `SMS event type ${JSON.stringify(eventType)}`, ...id };
  const tags = readReceiptTags(isObject(detail.context) ? detail.context : {});
  if (!tags.ok) return { kind: 'unmatched', why: tags.why, ...id };
  const status = text(detail.messageStatus) ?? eventType;
  const description = text(detail.messageStatusDescription);
  return {
    kind: 'receipt',
    receipt: {
      ...tags.ids,
      state,
      reason: description ? `${status}: ${description}`.slice(0, 200) : status,
      provider: 'eum-sms',
      eventType,
      ...id,
      ...recipientOf(detail.destinationPhoneNumber),
      at: isoOf(detail.eventTimestamp) ?? isoOf(fallbackAt) ?? new Date(0).toISOString(),
    },
  };
}

function isoOf(value: unknown): string | undefined {
  if (typeof value !== 'number' && typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function recipientOf(value: unknown): { recipient?: string } {
  return typeof value === 'string' && value !== '' ? { recipient: value } : {};
}
