/**
 * The send request as the domain sees it once validated, and how it becomes one delivery per unique
 * recipient. Pure: ids and times come in as arguments.
 */
import {
  type Channel,
  DELIVERY_SCHEMA_VERSION,
  type Delivery,
  DeliveryHeader,
  deliveryIdFor,
  type MessageContent,
  type Priority,
} from './delivery.ts';
import { normalizePushRecipient } from './push-recipient.ts';

/** A validated `POST /v1/messages` body. */
export interface SendRequest {
  readonly channel: Channel;
  readonly recipients: readonly string[];
  readonly content: MessageContent;
  readonly priority: Priority;
}

/** Who sent a request and under which id it was accepted. */
export interface AcceptanceContext {
  readonly requestId: string;
  readonly clientId: string;
  /** ISO-8601 time of acceptance. */
  readonly acceptedAt: string;
}

/** The deliveries a request fans out to, and how many duplicate recipients were collapsed. */
export interface DeliveryPlan {
  readonly deliveries: readonly Delivery[];
  readonly collapsedDuplicates: number;
}

/** A delivery in its wire form: Kafka key (the recipient, for per-recipient ordering), value, headers. */
export interface EncodedDelivery {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The form a recipient is compared and delivered in. E-mail domains are case-insensitive (RFC 5321
 * §2.4), so `a@Example.COM` and `a@example.com` are one recipient; the local part is left alone.
 * APNs device tokens are hex, so `apns:AB…` and `apns:ab…` are one recipient (kept in lower case).
 * Phone numbers (E.164) and FCM tokens are already canonical.
 */
export function normalizeRecipient(channel: Channel, recipient: string): string {
  if (channel === 'push') return normalizePushRecipient(recipient);
  if (channel !== 'email') return recipient;
  const at = recipient.lastIndexOf('@');
  return at < 0 ? recipient : `${recipient.slice(0, at)}@${recipient.slice(at + 1).toLowerCase()}`;
}

/**
 * One delivery per unique (normalized) recipient, in first-seen order, each with its position (the
 * recipient's first index in the request) and the request's delivery count.
 */
export function planDeliveries(request: SendRequest, context: AcceptanceContext): DeliveryPlan {
  const positions = new Map<string, number>();
  request.recipients.forEach((recipient, index) => {
    const normalized = normalizeRecipient(request.channel, recipient);
    if (!positions.has(normalized)) positions.set(normalized, index);
  });
  const content: MessageContent =
    request.content.title === undefined
      ? { body: request.content.body }
      : { body: request.content.body, title: request.content.title };
  const deliveries = [...positions].map(
    ([recipient, position]): Delivery => ({
      schemaVersion: DELIVERY_SCHEMA_VERSION,
      deliveryId: deliveryIdFor(context.requestId, recipient),
      requestId: context.requestId,
      clientId: context.clientId,
      channel: request.channel,
      recipient,
      content,
      priority: request.priority,
      acceptedAt: context.acceptedAt,
      position,
      deliveryCount: positions.size,
    }),
  );
  return { deliveries, collapsedDuplicates: request.recipients.length - deliveries.length };
}

/** The wire form of a delivery: versioned JSON value, recipient key, schema-version and requestId headers. */
export function encodeDelivery(delivery: Delivery): EncodedDelivery {
  return {
    key: delivery.recipient,
    value: JSON.stringify(delivery),
    headers: {
      [DeliveryHeader.schemaVersion]: String(delivery.schemaVersion),
      [DeliveryHeader.requestId]: delivery.requestId,
    },
  };
}
