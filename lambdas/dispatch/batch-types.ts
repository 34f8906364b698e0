/**
 * The types of one dispatch batch, in one place: the records a batch is made of, what its steps need,
 * what each step hands the next (dispatch-batch.ts names the steps) and what became of each record.
 */
import type { CallbackNotifier } from '../callbacks/callback-notifier.ts';
import type { ClaimResult, DeliveryMark, MarkKind } from '../core/dedup.ts';
import type { Channel, Delivery, DeliveryStatusKeys } from '../core/delivery.ts';
import type { BatchItemIdentifier, KafkaBatchResponse } from '../core/msk-event.ts';
import type { VendorOutcome, VendorOutcomeKind } from '../core/vendor-outcome.ts';
import type { AmbiguousRetryPolicy, ChannelTiers } from '../core/vendor-tiers.ts';
import type { DeadLetter, DeadLetterSink } from '../ports/dead-letter-sink.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import type { StatusStore } from '../ports/status-store.ts';
import type { Vendor, VendorMessage } from '../ports/vendor.ts';
import type { VendorRate } from './rate-gate.ts';

/** A vendor as the batch calls it: guarded, with a hook that runs right before the call goes out. */
export interface DispatchVendor extends Vendor {
  send(
    message: VendorMessage,
    signal?: AbortSignal,
    beforeCall?: () => Promise<void>,
  ): Promise<VendorOutcome>;
}

/** What the batch steps need. */
export interface DispatchBatchDeps {
  readonly dedup: DedupStore;
  readonly deadLetters: DeadLetterSink;
  readonly statuses: StatusStore;
  readonly vendors: ReadonlyMap<string, DispatchVendor>;
  readonly tiers: Readonly<Partial<Record<Channel, ChannelTiers>>>;
  /** What a channel does with a delivery possibly sent at a vendor (core/vendor-tiers.ts). */
  readonly ambiguousRetryPolicy: (channel: Channel) => AmbiguousRetryPolicy;
  /**
   * Marks this container could not write (the message went out): written first by the next batch, and
   * until then their records are retried, never committed.
   */
  readonly unmarked: Map<string, DeliveryMark>;
  /** Most deliveries of one invocation being sent at once (each vendor's own bound applies too). */
  readonly maxInFlightSends: number;
  /** Each rate-limited vendor's rate and overflow policy, and the limiter shared by every invocation. */
  readonly rateLimits: ReadonlyMap<string, VendorRate>;
  readonly rateLimiter?: RateLimiter;
  /** Queues callbacks for deliveries that reach a final state here (`failed`). @default none */
  readonly callbacks?: CallbackNotifier;
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
  | {
      /** Possibly delivered at `vendor`; held under the channel's policy, never sent again. */
      readonly kind: 'maybe-sent';
      readonly vendor: string;
      readonly reason: string;
      readonly attempts: readonly Attempt[];
    }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      readonly attempts: readonly Attempt[];
      /** Possibly sent at the vendor of its intent: the intent stays, pinning later attempts there. */
      readonly isPossiblySent: boolean;
    };

/** What became of one record. */
export const RecordFate = {
  sent: 'sent',
  /** A duplicate: already sent (or finalised) within the dedup window; not sent again. */
  suppressed: 'suppressed',
  /** Rejected by a vendor for good; recorded failed with the reason; not retried. */
  failed: 'failed',
  /** Possibly delivered by a vendor (ambiguous answer, or a crash mid-call); held, never sent again. */
  maybeSent: 'maybe-sent',
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
  /** What the delivery's status writes carry (core/delivery.ts), its clientId included. */
  readonly statusKeys: DeliveryStatusKeys;
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
        readonly fate: typeof RecordFate.maybeSent;
        readonly vendor: string;
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
        /** Possibly sent at its intent's vendor: released with the intent kept (see SendResult). */
        readonly isPossiblySent?: boolean;
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
  /** Final-state callbacks could not be queued; those records are retried. */
  callbacks?: unknown;
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
