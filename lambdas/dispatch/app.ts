/**
 * The dispatch Lambda's middy stack, built from injected dependencies: unit tests pass in-memory
 * fakes, handler.ts passes the real Redis, Kafka and HTTP vendor adapters. Both run this stack.
 * Vendors are wrapped in their cockatiel guards here, once, so breaker state outlives invocations.
 */

import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { CallbackNotifier } from '../callbacks/callback-notifier.ts';
import type { DeliveryMark } from '../core/dedup.ts';
import type { Channel } from '../core/delivery.ts';
import { DependencyUnavailableError } from '../core/errors.ts';
import type { KafkaBatchResponse, MskEvent } from '../core/msk-event.ts';
import type { AmbiguousRetryPolicy, ChannelTiers } from '../core/vendor-tiers.ts';
import type { DeadLetterSink } from '../ports/dead-letter-sink.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { RateLimit, RateLimiter } from '../ports/rate-limiter.ts';
import type { StatusStore } from '../ports/status-store.ts';
import type { Vendor } from '../ports/vendor.ts';
import { DispatchMetric } from '../shared/metric-names.ts';
import { leaseWaitBudgetMs, sendBudgetMs } from '../shared/timing.ts';
import type { BatchTiming } from './batch-types.ts';
import { dispatchBatch } from './dispatch-batch.ts';
import { reportBatch } from './dispatch-report.ts';
import { GuardedVendor, type VendorGuardOptions } from './guarded-vendor.ts';
import { RateOverflow } from './rate-gate.ts';

/** A vendor adapter with its resilience settings. */
export interface VendorEntry {
  readonly vendor: Vendor;
  /** The adapter's own request timeout (sending stops early enough for calls to finish). */
  readonly timeoutMs: number;
  readonly guard: Omit<VendorGuardOptions, 'onCircuitChange'>;
  /**
   * Its send rate across every invocation (needs DispatchAppDeps.rateLimiter), and what a delivery does
   * when it has no slot in time (`overflow`, @default wait). @default no limit
   */
  readonly rateLimit?: RateLimit & {
    readonly overflow?: RateOverflow;
    /** The rate counts SMS message parts (End User Messaging's MPS). @default false */
    readonly countsParts?: boolean;
  };
}

/** Everything the dispatch app is built from. */
export interface DispatchAppDeps {
  readonly dedup: DedupStore;
  readonly deadLetters: DeadLetterSink;
  readonly statuses: StatusStore;
  readonly vendors: readonly VendorEntry[];
  readonly tiers: Readonly<Partial<Record<Channel, ChannelTiers>>>;
  /** What to do with a delivery possibly sent at a vendor (core/vendor-tiers.ts), for channels not listed below. */
  readonly ambiguousRetryPolicy: AmbiguousRetryPolicy;
  /** Per-channel exceptions to ambiguousRetryPolicy. @default {} */
  readonly ambiguousRetryPolicyByChannel?: Readonly<Partial<Record<Channel, AmbiguousRetryPolicy>>>;
  /**
   * Most deliveries of one invocation in flight at a vendor at once; each vendor's maxConcurrent
   * bounds its own share. @default 100 (a whole batch: the vendors' bounds decide)
   */
  readonly maxInFlightSends?: number;
  /** Keeps rate-limited vendors to their rates across invocations. @default none (no vendor is limited) */
  readonly rateLimiter?: RateLimiter;
  /** Queues callbacks for the deliveries dispatch fails. @default none (no client has a webhook) */
  readonly callbacks?: CallbackNotifier;
  /**
   * The claim lease; no vendor call starts after it is nearly used up. A batch also waits for other
   * owners' leases that end while it still has a whole lease of time left (lease-wait.ts).
   */
  readonly claimLeaseMs: number;
  /**
   * Whether the event source mapping honours batchItemFailures (provisioned mode with
   * ReportBatchItemFailures). When it does not, records to retry fail the invocation instead, so the
   * whole batch is retried; the already-sent records are then suppressed by the dedup marks.
   */
  readonly reportBatchItemFailures: boolean;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** The dispatch Lambda handler (MSK event source, partial-batch response). */
export type DispatchHandler = MiddyfiedHandler<MskEvent, KafkaBatchResponse, Error, Context>;

/** Builds the dispatch handler from its dependencies. */
export function createDispatchApp(deps: DispatchAppDeps): DispatchHandler {
  const vendors = new Map<string, GuardedVendor>(
    deps.vendors.map(({ vendor, guard }) => [
      vendor.name,
      new GuardedVendor(vendor, {
        ...guard,
        onCircuitChange: (name, state) => deps.logger.warn('vendor circuit changed', { vendor: name, state }),
      }),
    ]),
  );
  const slowestTimeoutMs = Math.max(0, ...deps.vendors.map((entry) => entry.timeoutMs));
  const batchDeps = {
    dedup: deps.dedup,
    deadLetters: deps.deadLetters,
    statuses: deps.statuses,
    vendors,
    tiers: deps.tiers,
    ambiguousRetryPolicy: (channel: Channel) =>
      deps.ambiguousRetryPolicyByChannel?.[channel] ?? deps.ambiguousRetryPolicy,
    // Why per container: marks that could not be written are written by this container's next batch.
    unmarked: new Map<string, DeliveryMark>(),
    maxInFlightSends: deps.maxInFlightSends ?? 100,
    rateLimits: new Map(
      deps.vendors.flatMap(({ vendor, rateLimit }) =>
        rateLimit
          ? [[vendor.name, { overflow: RateOverflow.wait, countsParts: false, ...rateLimit }] as const]
          : [],
      ),
    ),
    ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
    ...(deps.callbacks ? { callbacks: deps.callbacks } : {}),
    clock: deps.clock ?? (() => new Date()),
  };
  return middy<MskEvent, KafkaBatchResponse, Error, Context>()
    .use(
      // Why explicit: the event holds message bodies and recipients; it must never be logged.
      injectLambdaContext(deps.logger, { logEvent: false, resetKeys: true }),
    )
    .use(logMetrics(deps.metrics))
    .handler(async (event, context) => {
      const owner = `${context.awsRequestId || 'local'}:${randomUUID()}`;
      const remainingMs = () => context.getRemainingTimeInMillis?.() ?? deps.claimLeaseMs;
      const timing: BatchTiming = {
        sendDeadline: () => {
          const budgetMs = sendBudgetMs(deps.claimLeaseMs, remainingMs(), slowestTimeoutMs);
          // Why abort at once when there is no budget: a 0 ms timer would only fire after the first calls.
          return budgetMs > 0 ? AbortSignal.timeout(budgetMs) : AbortSignal.abort();
        },
        leaseWaitBudgetMs: () => leaseWaitBudgetMs(deps.claimLeaseMs, remainingMs()),
      };
      const report = await dispatchBatch(event, owner, timing, batchDeps).catch((error: unknown) => {
        deps.logger.error('batch failed before anything was sent; the whole batch will be retried', {
          error,
        });
        deps.metrics.addMetric(DispatchMetric.batchFailed, MetricUnit.Count, 1);
        throw error;
      });
      reportBatch(report, deps.logger, deps.metrics);
      const retries = report.response.batchItemFailures.length;
      if (retries > 0 && !deps.reportBatchItemFailures) {
        throw new DependencyUnavailableError(
          'vendors',
          `${retries} of ${report.records.length} records must be retried; ReportBatchItemFailures is off, so the whole batch is`,
        );
      }
      return report.response;
    });
}
