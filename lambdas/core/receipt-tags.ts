/**
 * The ids a send attaches to a message so its receipts name their delivery: SES `EmailTags` and End
 * User Messaging SMS `Context`, both keyed as below. SES tag values allow only letters, digits, `_`
 * and `-`: deliveryIds are base64url and requestIds hex already; the clientId (an IAM principal ARN in
 * AWS) travels base64url-encoded. The receipts Lambda needs the clientId to read the delivery's status
 * (reads are per client) and to find the client's webhook.
 */

/** Tag / context keys. */
export const ReceiptTag = { deliveryId: 'deliveryId', requestId: 'requestId', clientId: 'clientId' } as const;

const DELIVERY_ID = /^[A-Za-z0-9_-]{22}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,128}$/;
const ENCODED = /^[A-Za-z0-9_-]{1,256}$/;

/** The ids of one delivery. */
export interface ReceiptIds {
  readonly deliveryId: string;
  readonly requestId: string;
  readonly clientId: string;
}

/** The tags (SES `EmailTags` or EUM `Context`) a send attaches for `ids`. */
export function receiptTagsFor(ids: ReceiptIds): Record<string, string> {
  return {
    [ReceiptTag.deliveryId]: ids.deliveryId,
    [ReceiptTag.requestId]: ids.requestId,
    [ReceiptTag.clientId]: Buffer.from(ids.clientId, 'utf8').toString('base64url'),
  };
}

/**
 * Reads the ids back from SES `mail.tags` (name → string[]) or an EUM `context` (name → string).
 * Anything missing or malformed makes the receipt unattributable.
 */
export function readReceiptTags(
  tags: Readonly<Record<string, unknown>>,
): { ok: true; ids: ReceiptIds } | { ok: false; why: string } {
  const one = (name: string): string | undefined => {
    const value = tags[name];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : undefined;
  };
  const deliveryId = one(ReceiptTag.deliveryId);
  const requestId = one(ReceiptTag.requestId);
  const clientId = one(ReceiptTag.clientId);
  if (deliveryId === undefined || requestId === undefined || clientId === undefined)
    return { ok: false, why: 'no Herald deliveryId, requestId and clientId tags' };
  if (!DELIVERY_ID.test(deliveryId)) return { ok: false, why: 'malformed deliveryId tag' };
  if (!REQUEST_ID.test(requestId)) return { ok: false, why: 'malformed requestId tag' };
  if (!ENCODED.test(clientId)) return { ok: false, why: 'malformed clientId tag' };
  return {
    ok: true,
    ids: { deliveryId, requestId, clientId: Buffer.from(clientId, 'base64url').toString('utf8') },
  };
}
