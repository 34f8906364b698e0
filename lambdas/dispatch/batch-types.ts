/**
 * The types of one dispatch batch, in one place: the records a batch is made of, what its steps need,
 * what each step hands the next (dispatch-batch.ts names the steps) and what became of each record.
 */
import type { ClaimResult, MarkKind } from '../core/dedup.ts';
import type { Channel, Delivery } from '../core/delivery.ts';
import type { BatchItemIdentifier, KafkaBatchResponse } from '../core/msk-event.ts';
import type { AmbiguousRetryPolicy, ChannelRoute } from '../core/routing.ts';
import type { VendorOutcomeKind } from '../core/vendor-outcome.ts';
import type { DeadLetter, DeadLetterSink } from '../ports/dead-letter-sink.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { StatusStore } from '../ports/status-store.ts';
import type { Vendor } from '../ports/vendor.ts';

/** What the batch steps need. */
export interface DispatchBatchDeps {
  readonly dedup: DedupStore;
  readonly deadLetters: DeadLetterSink;
  readonly statuses: StatusStore;
  readonly vendors: ReadonlyMap<string, Vendor>;
  readonly routes: Readonly<Partial<Record<Channel, ChannelRoute>>>;
  readonly ambiguousRetryPolicy: AmbiguousRetryPolicy;
  /** Most deliveries of one invocation being sent at once (each vendor's own bound applies too). */
  readonly maxInFlightSends: number;
  readonly clock: () => Date;
}

/** The invocation's time, as a batch needs it; each call reads the time left now. */
export interface BatchTiming {
  /** Aborts when vendor calls must stop starting, for deliveries claimed now. */
  sendDeadline(): AbortSignal;
  /** How long the batch may wait for another owner's lease and still send afterwards (0: not at all). */
  leaseWaitBudgetMs(): number;
}

/** A record that parsed into a delivery. */
export interface DeliveryRecord {
  readonly id: BatchItemIdentifier;
  readonly delivery: Delivery;
}

/** A record that can never be processed, ready for the dead-letter topic. */
export interface PoisonRecord {
  readonly id: BatchItemIdentifier;
  /** Dedup id of the record's position, so a redelivered poison record is not dead-lettered twice. */
  readonly dedupId: string;
  readonly letter: DeadLetter;
}

/** The batch after the prepare step: nothing external has happened yet. */
export interface PreparedBatch {
  /** Every record that parsed, in event order (copies of one delivery included). */
  readonly deliveries: readonly DeliveryRecord[];
  /** The first record of each distinct delivery: the one that is claimed and sent. */
  readonly firsts: readonly DeliveryRecord[];
  readonly poison: readonly PoisonRecord[];
  /** Every record's identifier, in event order. */
  readonly order: readonly BatchItemIdentifier[];
  /** The dedup ids to claim: each distinct deliveryId, then each poison record's position id. */
  readonly ids: readonly string[];
}

/** The part of a batch one round works on: claims, then what was claimed is sent and marked. */
export interface Round {
  readonly claims: ReadonlyMap<string, ClaimResult>;
  readonly firsts: readonly DeliveryRecord[];
  readonly poison: readonly PoisonRecord[];
  /** Stops new vendor calls; taken before the claim, since the lease starts there. */
  readonly deadline: AbortSignal;
}

/** One vendor call. */
export interface Attempt {
  readonly vendor: string;
  readonly kind: VendorOutcomeKind;
  readonly reason?: string;
}

/** How sending one delivery through its vendors ended. */
export type SendResult =
  | { readonly kind: 'sent'; readonly vendor: string; readonly attempts: readonly Attempt[] }
  | {
      readonly kind: 'failed';
      readonly vendor?: string;
      readonly reason: string;
      readonly attempts: readonly Attempt[];
    }
  | { readonly kind: 'retry'; readonly reason: string; readonly attempts: readonly Attempt[] };

/** What became of one record. */
export const RecordFate = {
  sent: 'sent',
  /** A duplicate: already sent (or finalised) within the dedup window; not sent again. */
  suppressed: 'suppressed',
  /** Rejected by a vendor for good; recorded failed with the reason; not retried. */
  failed: 'failed',
  deadLettered: 'dead-lettered',
  /** Listed in batchItemFailures: the event source mapping delivers it again. */
  retry: 'retry',
} as const;
/** One of the record fates. */
export type RecordFate = (typeof RecordFate)[keyof typeof RecordFate];

interface DeliveryKeys {
  readonly id: BatchItemIdentifier;
  readonly deliveryId: string;
  readonly requestId: string;
}

/** The report of a record that parsed into a delivery. */
export type DeliveryReport = DeliveryKeys &
  (
    | {
        readonly fate: typeof RecordFate.sent;
        readonly vendor: string;
        readonly attempts: readonly Attempt[];
      }
    | {
        readonly fate: typeof RecordFate.failed;
        readonly vendor?: string;
        readonly reason: string;
        readonly attempts: readonly Attempt[];
      }
    | {
        readonly fate: typeof RecordFate.suppressed;
        readonly reason: string;
        readonly attempts?: undefined;
        /** How an earlier invocation finalised the delivery (absent: a copy within this batch). */
        readonly mark?: MarkKind;
      }
    | {
        readonly fate: typeof RecordFate.retry;
        readonly reason: string;
        /** The vendor calls made (absent: nothing was tried, e.g. held by another invocation). */
        readonly attempts?: readonly Attempt[];
      }
  );

/** The report of a poison record. */
export interface PoisonReport {
  readonly id: BatchItemIdentifier;
  readonly fate: typeof RecordFate.deadLettered | typeof RecordFate.suppressed | typeof RecordFate.retry;
  readonly reason: string;
  readonly deliveryId?: undefined;
  readonly requestId?: undefined;
  readonly attempts?: undefined;
}

/** The report of one record, in event order. */
export type RecordReport = DeliveryReport | PoisonReport;

/** Side effects that failed without failing the batch (logged by the app). */
export interface BatchProblems {
  deadLetters?: unknown;
  marks?: unknown;
  releases?: unknown;
  statuses?: unknown;
  /** The claim after waiting out other owners' leases failed; those records are retried. */
  reclaims?: unknown;
}

/** The outcome of one batch. */
export interface BatchReport {
  readonly response: KafkaBatchResponse;
  readonly records: readonly RecordReport[];
  readonly problems: BatchProblems;
  /** Set when the batch waited for other owners' leases and claimed those ids again. */
  readonly leaseWait?: { readonly ids: number; readonly waitedMs: number };
}

/** The key of a record identifier, for maps. */
export function idKey(id: BatchItemIdentifier): string {
  return `${id.partition}@${id.offset}`;
}
