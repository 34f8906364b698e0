/**
 * Per-delivery status for `GET /v1/messages/{requestId}`. Ingest records every delivery as `queued`
 * when Kafka has acknowledged it; dispatch records what became of it. A status names its delivery by
 * its position in the request's `recipients`: the store holds no recipient address and no deliveryId.
 */

/** Delivery states a client can see. */
export const DeliveryState = {
  queued: 'queued',
  sent: 'sent',
  failed: 'failed',
  suppressed: 'suppressed',
  /** A vendor may have delivered it (no answer, or a crash mid-call); held, never sent again. */
  maybeSent: 'maybe-sent',
  /** Sent, and no receipt within the receipt timeout. */
  unknown: 'unknown',
  /** The provider's receipts (lambdas/receipts). */
  delivered: 'delivered',
  undeliverable: 'undeliverable',
  bounced: 'bounced',
  complained: 'complained',
} as const;
/** One of the delivery states. */
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

/**
 * What dispatch (or a receipt, or a dead letter) learned about one delivery. With `position`,
 * `deliveryCount` and `acceptedAt` (dispatch takes them from the delivery record), an update whose
 * request has no status record yet rebuilds it: ingest's `queued` write may have failed for good.
 */
export interface StatusUpdate {
  readonly requestId: string;
  /** The client that sent the request: the rebuilt record's owner, and who a callback goes to. */
  readonly clientId: string;
  readonly deliveryId: string;
  readonly state: DeliveryState;
  /** Vendor that accepted the message (state `sent`) or may have (state `maybe-sent`). */
  readonly vendor?: string;
  /** Why the delivery failed (state `failed`) or was suppressed. */
  readonly reason?: string;
  /** ISO-8601 time of the update. */
  readonly at: string;
  /** The delivery's position in the request's `recipients` (its first occurrence). */
  readonly position?: number;
  /** How many deliveries the request has (unique recipients). */
  readonly deliveryCount?: number;
  /** ISO-8601 time the request was accepted. */
  readonly acceptedAt?: string;
}

/** One delivery of an accepted request. */
export interface AcceptedDelivery {
  /** Index in the request's `recipients` of the first occurrence of this (normalized) recipient. */
  readonly position: number;
  readonly deliveryId: string;
}

/** A request as ingest accepted it: every delivery starts `queued` at `acceptedAt`. */
export interface AcceptedRequest {
  readonly requestId: string;
  readonly clientId: string;
  /** ISO-8601 time of acceptance. */
  readonly acceptedAt: string;
  readonly deliveries: readonly AcceptedDelivery[];
}

/** One delivery's status as the API shows it. */
export interface RecipientStatus {
  /** Index in the request's `recipients` (a collapsed duplicate has no status of its own). */
  readonly position: number;
  readonly state: DeliveryState;
  readonly vendor?: string;
  readonly reason?: string;
  /** ISO-8601, to the second after acceptance (to the minute from 9.1 h after it); `acceptedAt` while queued. */
  readonly updatedAt: string;
}

/** A request's statuses, visible only to the client that sent it. */
export interface RequestStatus {
  readonly requestId: string;
  readonly clientId: string;
  readonly acceptedAt: string;
  /** By position, ascending. */
  readonly recipients: readonly RecipientStatus[];
  /**
   * Deliveries of a request whose record was rebuilt from dispatch's updates (ingest's `queued` write
   * failed) that dispatch has not reached yet: `queued`, at positions not known until it does. Absent
   * (0) once ingest's write landed or every delivery was seen.
   */
  readonly unseenDeliveries?: number;
}

/** Stores delivery statuses; a request's statuses expire after the status retention. */
export interface StatusStore {
  /**
   * Records every delivery of an accepted request as `queued`; keeps what dispatch recorded first (and
   * completes a record dispatch rebuilt).
   */
  recordAccepted(request: AcceptedRequest): Promise<void>;
  /**
   * Applies dispatch's updates (statuses only move forward); a batch costs O(1) round trips. An update
   * for a request without a record creates it when the update carries `position`, `deliveryCount` and
   * `acceptedAt`; otherwise it waits for the accept (which keeps what came first).
   */
  recordUpdates(updates: readonly StatusUpdate[]): Promise<void>;
  /** The request's statuses, or undefined when unknown or owned by another client. */
  read(requestId: string, clientId: string): Promise<RequestStatus | undefined>;
  /**
   * One delivery's status (receipts and dead letters match by deliveryId), or undefined when the
   * request is unknown, another client's, or has no such delivery.
   */
  readDelivery(requestId: string, clientId: string, deliveryId: string): Promise<RecipientStatus | undefined>;
}
