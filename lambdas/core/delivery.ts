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
  /**
   * Index in the request's `recipients` of this recipient's first occurrence: where its status is
   * read. With `deliveryCount`, what lets dispatch rebuild the request's status record when ingest's
   * `queued` write failed. Optional: records produced before these fields existed still parse.
   */
  readonly position?: number;
  /** How many deliveries (unique recipients) the request has. */
  readonly deliveryCount?: number;
}

/** Largest `position` and `deliveryCount` a record may carry (the API takes 100 recipients). */
export const MAX_DELIVERY_POSITIONS = 1_000;

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

/**
 * What every status write about a delivery carries besides its state, taken from the delivery record:
 * the keys that find its status, its owner, and what rebuilds the request's status record should
 * ingest's `queued` write have failed (lambdas/ports/status-store.ts, StatusUpdate). No recipient and
 * no content, so it may travel in batch reports and logs.
 */
export interface DeliveryStatusKeys {
  readonly requestId: string;
  readonly clientId: string;
  readonly deliveryId: string;
  readonly acceptedAt: string;
  readonly position?: number;
  readonly deliveryCount?: number;
}

/** The status keys of `delivery` (position and delivery count only when its record carried them). */
export function statusKeysOf(delivery: Delivery): DeliveryStatusKeys {
  const { requestId, clientId, deliveryId, acceptedAt, position, deliveryCount } = delivery;
  return {
    requestId,
    clientId,
    deliveryId,
    acceptedAt,
    ...(position === undefined ? {} : { position }),
    ...(deliveryCount === undefined ? {} : { deliveryCount }),
  };
}
