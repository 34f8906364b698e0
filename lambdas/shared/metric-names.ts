/**
 * Every name the Lambdas publish metrics under and the alarms in lib/ read, in one place, so the two
 * cannot drift: the EMF namespace, each function's service name (Powertools' `service` dimension) and
 * each metric.
 */

/** EMF namespace of every Herald metric. */
export const HERALD_NAMESPACE = 'Herald';

/** Service names: Powertools' serviceName, the `service` dimension of every metric. */
export const ServiceName = {
  dispatch: 'herald-dispatch',
  ingest: 'herald-ingest',
} as const;

/** Metrics of the dispatch Lambda (lambdas/dispatch/dispatch-report.ts and app.ts). */
export const DispatchMetric = {
  sent: 'DeliverySent',
  suppressed: 'DeliverySuppressed',
  failed: 'DeliveryFailed',
  /** Possibly delivered by a vendor, held, never sent again: someone should look. */
  maybeSent: 'DeliveryMaybeSent',
  deadLettered: 'RecordDeadLettered',
  retried: 'DeliveryRetried',
  failover: 'VendorFailover',
  /** Failed vendor attempts (unavailable, ambiguous, vendor-failed); also per `vendor` dimension. */
  vendorFailure: 'VendorFailure',
  leaseWaited: 'LeaseWaited',
  batchFailed: 'BatchFailed',
  deadLettersWriteFailed: 'DeadLettersWriteFailed',
  marksWriteFailed: 'MarksWriteFailed',
  releasesWriteFailed: 'ReleasesWriteFailed',
  statusesWriteFailed: 'StatusesWriteFailed',
  reclaimsWriteFailed: 'ReclaimsWriteFailed',
  /** Final-state callbacks dispatch could not queue (the records are retried). */
  callbacksQueueFailed: 'CallbacksQueueFailed',
} as const;

/** Metrics of the ingest Lambda (lambdas/ingest/app.ts and routes.ts). */
export const IngestMetric = {
  requests: 'Requests',
  accepted: 'RequestsAccepted',
  recordsProduced: 'RecordsProduced',
  replayed: 'RequestsReplayed',
  idempotencyConflicts: 'IdempotencyConflicts',
  idempotencyMismatches: 'IdempotencyMismatches',
  unavailable: 'RequestsUnavailable',
  failed: 'RequestsFailed',
  /**
   * Accepted requests whose `queued` statuses could not be written, retries included: each reads 404
   * until dispatch's first status write for it rebuilds its record (alarmed: AcceptedStatusesNotRecorded).
   */
  statusesNotRecorded: 'AcceptedStatusesNotRecorded',
} as const;

/** Metrics of the callbacks Lambda's receipt-timeout sweep (lambdas/callbacks/receipt-timeout-sweep.ts). */
export const ReceiptTimeoutMetric = {
  /** Deliveries still `sent` when their receipt timeout ran out: recorded `unknown`, callback queued. */
  unknownRecorded: 'ReceiptTimeoutUnknown',
  /** Entries dropped: a receipt (or a later send) moved the delivery on, or its status is gone. */
  dropped: 'ReceiptTimeoutDropped',
  /** Sweeps that stopped on an error (Redis unavailable): their entries are taken again next run. */
  sweepFailed: 'ReceiptTimeoutSweepFailed',
} as const;
