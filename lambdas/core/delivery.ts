/**
 * The delivery record: one per recipient, produced by ingest onto the deliveries topic and consumed
 * by dispatch. Versioned JSON; the schema version and requestId also travel as Kafka headers.
 */
import { createHash } from 'node:crypto';

/** Delivery channels. */
export const Channel = { sms: 'sms', push: 'push', email: 'email' } as const;
/** One of the delivery channels. */
export type Channel = (typeof Channel)[keyof typeof Channel];

/** Delivery priorities. */
export const Priority = { high: 'high', normal: 'normal' } as const;
/** One of the delivery priorities. */
export type Priority = (typeof Priority)[keyof typeof Priority];

/** Version of the delivery record's JSON shape; dispatch dead-letters any other version. */
export const DELIVERY_SCHEMA_VERSION = 1;

/** Kafka header names carried on every delivery record. */
export const DeliveryHeader = {
  schemaVersion: 'herald-schema-version',
  requestId: 'herald-request-id',
} as const;

/** What a message says. */
export interface MessageContent {
  readonly body: string;
  readonly title?: string;
}

/** One message to one recipient: the value of a deliveries-topic record. */
export interface Delivery {
  readonly schemaVersion: typeof DELIVERY_SCHEMA_VERSION;
  readonly deliveryId: string;
  readonly requestId: string;
  readonly clientId: string;
  readonly channel: Channel;
  readonly recipient: string;
  readonly content: MessageContent;
  readonly priority: Priority;
  /** ISO-8601 time the ingest API accepted the request. */
  readonly acceptedAt: string;
}

/**
 * The deterministic id of one recipient's delivery within one request: every copy of a request
 * inside the pipeline (producer retry, Kafka redelivery, keyed client retry) yields the same id,
 * which dispatch deduplicates on. 128 bits of SHA-256, base64url (22 chars) to keep dedup entries small.
 */
export function deliveryIdFor(requestId: string, recipient: string): string {
  return createHash('sha256')
    .update(requestId)
    .update('\n')
    .update(recipient)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}
