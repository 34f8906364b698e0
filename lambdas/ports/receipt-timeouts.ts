/**
 * Deliveries awaiting their receipt timeout: the callback notifier adds a webhook client's delivery
 * when it is marked `sent`; the callbacks Lambda takes the ones whose timeout is over, settles each
 * (records `unknown` and queues its callback, or drops it when a receipt came first), then acks them.
 * Take-then-ack: entries taken and never acked (the run died) are taken again. Settling is
 * idempotent (statuses only move forward, callbacks have stable event ids), so a repeat is harmless.
 */

/** One delivery whose receipt timeout falls due at `dueMs`. */
export interface ReceiptTimeoutEntry {
  readonly clientId: string;
  /** 64 hex digits. */
  readonly requestId: string;
  /** base64url of 16 bytes. */
  readonly deliveryId: string;
  /** When the timeout is over (ms since epoch); kept to the second, rounded up. */
  readonly dueMs: number;
}

/** What one take handed out: its entries, and how to ack them. */
export interface ReceiptTimeoutBatch {
  readonly entries: readonly ReceiptTimeoutEntry[];
  /** Entries taken whose client no longer has a webhook: skipped, and forgotten by the ack. */
  readonly orphaned: number;
  /** Where the take stopped, per shard (opaque to callers). */
  readonly position: unknown;
}

/** The store of deliveries awaiting their receipt timeout. */
export interface ReceiptTimeouts {
  /** Adds entries; a repeat adds a copy, which settling treats as a repeat. */
  add(entries: readonly ReceiptTimeoutEntry[]): Promise<void>;
  /**
   * Entries due at `nowMs`, oldest first per shard, about `limit` of them (an adapter may round up to
   * a whole number per shard); empty when none is due. Nothing is forgotten until {@link ack}.
   */
  takeDue(nowMs: number, limit: number): Promise<ReceiptTimeoutBatch>;
  /** Forgets the entries of `batch`: call it once they are settled. */
  ack(batch: ReceiptTimeoutBatch): Promise<void>;
}
