/**
 * Per-recipient delivery status for `GET /v1/messages/{requestId}`. Ingest records every delivery
 * as `queued` when Kafka has acknowledged it; dispatch records what became of it.
 */

/** Delivery states a client can see. */
export const DeliveryState = {
  queued: 'queued',
  sent: 'sent',
  failed: 'failed',
  suppressed: 'suppressed',
  /** A vendor may have delivered it (no answer, or a crash mid-call); held, never sent again. */
  maybeSent: 'maybe-sent',
} as const;
/** One of the delivery states. */
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

/** What dispatch learned about one delivery. */
export interface StatusUpdate {
  readonly requestId: string;
  readonly deliveryId: string;
  readonly state: DeliveryState;
  /** Vendor that accepted the message (state `sent`) or may have (state `maybe-sent`). */
  readonly vendor?: string;
  /** Why the delivery failed (state `failed`) or was suppressed. */
  readonly reason?: string;
  /** ISO-8601 time of the update. */
  readonly at: string;
}

/** One recipient's status as the API shows it. */
export interface RecipientStatus {
  readonly deliveryId: string;
  readonly recipient: string;
  readonly state: DeliveryState;
  readonly vendor?: string;
  readonly reason?: string;
  readonly updatedAt: string;
}

/** A request's statuses, visible only to the client that sent it. */
export interface RequestStatus {
  readonly requestId: string;
  readonly clientId: string;
  readonly acceptedAt: string;
  readonly recipients: readonly RecipientStatus[];
}

/** Stores delivery statuses; every entry expires after the status retention. */
export interface StatusStore {
  /** Records every delivery of an accepted request as `queued`. */
  recordAccepted(status: RequestStatus): Promise<void>;
  /** Applies dispatch's updates; a batch of updates costs O(1) round trips. */
  recordUpdates(updates: readonly StatusUpdate[]): Promise<void>;
  /** The request's statuses, or undefined when unknown or owned by another client. */
  read(requestId: string, clientId: string): Promise<RequestStatus | undefined>;
}
