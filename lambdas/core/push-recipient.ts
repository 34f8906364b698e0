/**
 * A push recipient names its service: `fcm:<registration token>` or `apns:<device token in hex>`.
 * The whole pipeline carries it as one string (Kafka key, delivery record, status), so the
 * deliveryId derivation is the same as for phone numbers and e-mail addresses; the push adapters
 * parse it here and refuse a recipient of the other service.
 */

/** Push services a recipient can belong to. */
export const PushService = { fcm: 'fcm', apns: 'apns' } as const;
/** One of the push services. */
export type PushService = (typeof PushService)[keyof typeof PushService];

/** A parsed push recipient. `token` is what the provider is given; never log it above debug. */
export interface PushRecipient {
  readonly service: PushService;
  readonly token: string;
}

// Why these limits: FCM registration tokens are opaque (today ~160 characters of base64url plus ':');
// 500 keeps the recipient under the delivery record's 512-character cap. APNs device tokens are hex
// of variable length (32 bytes today, Apple says do not hard-code it): 32..100 bytes.
const FCM_TOKEN = '[A-Za-z0-9_:.-]{1,500}';
const APNS_TOKEN = '(?:[0-9A-Fa-f]{2}){32,100}';

/** The pattern a push recipient matches (also published in the OpenAPI document). */
export const PUSH_RECIPIENT_PATTERN = `^(?:fcm:${FCM_TOKEN}|apns:${APNS_TOKEN})$`;
const PUSH_RECIPIENT = new RegExp(PUSH_RECIPIENT_PATTERN);

/** The service and token of a push recipient, or undefined when it is not a valid one. */
export function parsePushRecipient(recipient: string): PushRecipient | undefined {
  if (!PUSH_RECIPIENT.test(recipient)) return undefined;
  const colon = recipient.indexOf(':');
  return {
    service: recipient.slice(0, colon) as PushService,
    token: recipient.slice(colon + 1),
  };
}

/** The canonical form: APNs tokens are hex, so their case does not matter; lower case is kept. */
export function normalizePushRecipient(recipient: string): string {
  return recipient.startsWith('apns:') ? recipient.toLowerCase() : recipient;
}
