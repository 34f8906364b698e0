/**
 * Turns a deliveries-topic record into a Delivery, or rejects it as poison (PoisonRecordError with
 * the reason as message): undecodable bytes, another schema version, a missing or malformed field,
 * or a deliveryId that is not the one `deliveryIdFor(requestId, recipient)` gives. Poison never
 * becomes valid by retrying, so dispatch dead-letters it instead of blocking the partition.
 */
import {
  Channel,
  DELIVERY_SCHEMA_VERSION,
  type Delivery,
  DeliveryHeader,
  deliveryIdFor,
  MAX_DELIVERY_POSITIONS,
  Priority,
} from './delivery.ts';
import { PoisonRecordError } from './errors.ts';
import type { KafkaRecord } from './msk-event.ts';

const DELIVERY_ID = /^[A-Za-z0-9_-]{22}$/;
const MAX_FIELD_CHARS = 64 * 1024;

function headerText(record: KafkaRecord, name: string): string | undefined {
  const header = record.headers.find((h) => h.name === name);
  return header?.value.toString('utf8');
}

function requireString(value: Record<string, unknown>, field: string, maxChars = MAX_FIELD_CHARS): string {
  const text = value[field];
  if (typeof text !== 'string' || text.length === 0)
    throw new PoisonRecordError(`${field} is not a non-empty string`);
  if (text.length > maxChars) throw new PoisonRecordError(`${field} is longer than ${maxChars} characters`);
  return text;
}

function oneOf<T extends string>(
  value: Record<string, unknown>,
  field: string,
  allowed: Record<string, T>,
): T {
  const text = value[field];
  const values = Object.values(allowed);
  if (typeof text !== 'string' || !values.includes(text as T)) {
    throw new PoisonRecordError(`${field} is not one of ${values.join(', ')}`);
  }
  return text as T;
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new PoisonRecordError('value is not UTF-8', { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PoisonRecordError('value is not JSON', { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PoisonRecordError('value is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/** An optional whole number in `min`..MAX_DELIVERY_POSITIONS, or undefined when absent. */
function optionalCount(value: Record<string, unknown>, field: string, min: number): number | undefined {
  const count = value[field];
  if (count === undefined) return undefined;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < min || count > MAX_DELIVERY_POSITIONS)
    throw new PoisonRecordError(`${field} is not a whole number in ${min}..${MAX_DELIVERY_POSITIONS}`);
  return count;
}

/** Parses and validates one record; throws PoisonRecordError with the reason. */
export function parseDelivery(record: KafkaRecord): Delivery {
  const headerVersion = headerText(record, DeliveryHeader.schemaVersion);
  if (headerVersion !== undefined && headerVersion !== String(DELIVERY_SCHEMA_VERSION)) {
    throw new PoisonRecordError(
      `unsupported schema version ${JSON.stringify(headerVersion.slice(0, 16))} (header)`,
    );
  }
  if (!record.value || record.value.length === 0) throw new PoisonRecordError('record has no value');
  const value = parseJsonObject(record.value);
  if (value.schemaVersion !== DELIVERY_SCHEMA_VERSION) {
    // Why truncated: the reason is logged and travels as a header; the value is untrusted input.
    const shown = JSON.stringify(value.schemaVersion ?? null).slice(0, 16);
    throw new PoisonRecordError(`unsupported schema version ${shown}`);
  }
  const deliveryId = requireString(value, 'deliveryId', 22);
  if (!DELIVERY_ID.test(deliveryId)) throw new PoisonRecordError('deliveryId is not 22 base64url characters');
  const requestId = requireString(value, 'requestId', 256);
  const recipient = requireString(value, 'recipient', 512);
  if (deliveryIdFor(requestId, recipient) !== deliveryId) {
    throw new PoisonRecordError('deliveryId does not match requestId and recipient');
  }
  const headerRequestId = headerText(record, DeliveryHeader.requestId);
  if (headerRequestId !== undefined && headerRequestId !== requestId) {
    throw new PoisonRecordError('requestId header does not match the value');
  }
  const content = value.content;
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new PoisonRecordError('content is not an object');
  }
  const contentFields = content as Record<string, unknown>;
  const body = requireString(contentFields, 'body');
  const title = contentFields.title;
  if (title !== undefined && (typeof title !== 'string' || title.length > MAX_FIELD_CHARS)) {
    throw new PoisonRecordError('content.title is not a string');
  }
  const acceptedAt = requireString(value, 'acceptedAt', 64);
  if (Number.isNaN(Date.parse(acceptedAt))) throw new PoisonRecordError('acceptedAt is not an ISO-8601 time');
  // Why optional: records produced before ingest wrote them must still parse (same schema version).
  const position = optionalCount(value, 'position', 0);
  const deliveryCount = optionalCount(value, 'deliveryCount', 1);
  return {
    schemaVersion: DELIVERY_SCHEMA_VERSION,
    deliveryId,
    requestId,
    clientId: requireString(value, 'clientId', 256),
    channel: oneOf(value, 'channel', Channel),
    recipient,
    content: typeof title === 'string' ? { body, title } : { body },
    priority: oneOf(value, 'priority', Priority),
    acceptedAt,
    ...(position === undefined ? {} : { position }),
    ...(deliveryCount === undefined ? {} : { deliveryCount }),
  };
}
