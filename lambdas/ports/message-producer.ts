/**
 * Puts records on a topic durably. Ingest answers 202 only after `send` resolves, so an
 * implementation resolves only once every record is acknowledged by all in-sync replicas.
 */
import type { EncodedDelivery } from '../core/send-request.ts';

/** One record to produce: key, value and string headers. */
export type OutboundRecord = EncodedDelivery;

/** Produces records to a topic. */
export interface MessageProducer {
  /**
   * Resolves once every record is durably acknowledged; rejects with DependencyUnavailableError
   * when that cannot be confirmed in time (some records may still have been written: callers rely
   * on deterministic deliveryIds, which dispatch deduplicates on, to make a retry safe).
   */
  send(topic: string, records: readonly OutboundRecord[]): Promise<void>;
  /** Closes connections (tests, local runtime shutdown). */
  close(): Promise<void>;
}
