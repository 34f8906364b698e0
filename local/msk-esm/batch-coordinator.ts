/**
 * The pollers of an emulated MSK event source mapping: form batches from the record queue (BatchSize,
 * batching window or payload limit, whichever comes first) and invoke the function with them,
 * partitions concurrently as AWS does: one batch in flight per partition, each partition's records in
 * offset order. A batch owns the partitions it holds records of until it and its retries are settled;
 * other partitions keep going meanwhile. AWS's retry semantics apply before anything is committed:
 * - on-demand: a failed invocation retries the same batch, with backoff, until it succeeds;
 * - provisioned: ReportBatchItemFailures (reported partitions resume from their lowest reported
 *   offset), MaximumRetryAttempts, MaximumRecordAgeInSeconds, BisectBatchOnFunctionError and the
 *   on-failure destination. Records that give out are written to the destination before they settle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MSKEvent } from 'aws-lambda';
import type { LambdaErrorPayload } from '../runtime/lambda-context.ts';
import { readBatchResponse, splitForRetry } from './batch-response.ts';
import { type EsmConfig, EsmMode } from './esm-config.ts';
import { buildMskEvent, type EventSource, envelopeBytes, type PendingRecord } from './msk-event.ts';
import type { RecordQueue } from './record-queue.ts';

/** How one invocation ended. */
export type InvocationOutcome =
  | { readonly kind: 'success'; readonly payload: unknown }
  | { readonly kind: 'error'; readonly error: LambdaErrorPayload };

/** Why records went to the on-failure destination. */
export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** Structured log line of the emulator. */
export type EsmLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

/** What the coordinator drives. */
export interface CoordinatorDeps {
  readonly config: EsmConfig;
  readonly source: EventSource;
  readonly queue: RecordQueue;
  readonly invoke: (event: MSKEvent) => Promise<InvocationOutcome>;
  /** Writes records to the on-failure destination; throws when it could not. */
  readonly sendToDestination: (
    records: readonly PendingRecord[],
    condition: FailureCondition,
    error?: LambdaErrorPayload,
  ) => Promise<void>;
  /** Commits next-offsets to consume; may throw (the offsets are committed again later). */
  readonly commit: (
    offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>,
  ) => Promise<void>;
  readonly log: EsmLog;
}

/** Runs batches until stopped. */
export class BatchCoordinator {
  private readonly deps: CoordinatorDeps;
  private readonly attempts = new WeakMap<PendingRecord, number>();
  /** Partitions with a batch in flight (or being retried): no other batch takes their records. */
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private isStopping = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private hasWarnedIgnoredFailures = false;

  constructor(deps: CoordinatorDeps) {
    this.deps = deps;
  }

  /** Starts the poll loop. */
  start(): void {
    this.loop ??= this.run().catch((error: unknown) =>
      this.deps.log('error', 'event source mapping stopped', { error: String(error) }),
    );
  }

  /**
   * Stops taking batches; resolves when the invocations in progress have ended (stop the function's
   * processes to end them early). Unsettled records stay uncommitted and are redelivered later.
   */
  async stop(): Promise<void> {
    this.isStopping = true;
    this.abort.abort();
    this.deps.queue.abandonAll('event source mapping stopping');
    await this.loop;
  }

  /** Sleeps unless stopping. */
  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.isStopping) {
      const batch = await this.nextNewBatch();
      if (batch === undefined || batch.length === 0) continue;
      const owned = new Set(batch.map((record) => record.partitionKey));
      for (const key of owned) this.busy.add(key);
      const worker: Promise<void> = this.work(batch, owned)
        .catch((error: unknown) =>
          this.deps.log('error', 'batch worker failed; its records stay uncommitted', {
            error: String(error),
          }),
        )
        .finally(() => {
          for (const key of owned) this.busy.delete(key);
          this.inFlight.delete(worker);
          this.deps.queue.wake();
        });
      this.inFlight.add(worker);
    }
    await Promise.all(this.inFlight);
  }

  /**
   * Invokes with `first`, then with its retries (whole, partial or bisected) until all are settled, in
   * order. Partitions left with nothing to retry are released early so their next batch can start.
   */
  private async work(first: PendingRecord[], owned: Set<string>): Promise<void> {
    const pending: PendingRecord[][] = [first];
    while (pending.length > 0 && !this.isStopping) {
      const batch = (pending.shift() as PendingRecord[]).filter((record) =>
        this.deps.queue.isCurrent(record),
      );
      if (batch.length > 0) {
        const live = await this.dropExpired(batch);
        if (live.length > 0) await this.process(live, pending);
      }
      const stillOwed = new Set(pending.flat().map((record) => record.partitionKey));
      for (const key of [...owned]) {
        if (stillOwed.has(key)) continue;
        owned.delete(key);
        this.busy.delete(key);
        this.deps.queue.wake();
      }
    }
  }

  /** Waits until BatchSize, the payload limit or the batching window is reached, then takes a batch. */
  private async nextNewBatch(): Promise<PendingRecord[] | undefined> {
    const { config, queue } = this.deps;
    const limits = {
      count: config.batchSize,
      bytes: config.maxPayloadBytes - envelopeBytes(this.deps.source),
    };
    for (;;) {
      if (this.isStopping) return undefined;
      const available = queue.available(this.busy);
      const waitedMs = available.oldestArrivalMs === undefined ? 0 : Date.now() - available.oldestArrivalMs;
      const isFull = available.count >= limits.count || available.bytes >= limits.bytes;
      if (available.count > 0 && (isFull || waitedMs >= config.maximumBatchingWindowMs)) {
        const { batch, oversized } = queue.take(limits, this.busy);
        if (oversized.length > 0)
          await this.settle(oversized, 'dropped: record larger than the 6 MB invocation payload');
        return batch;
      }
      const change = queue.changed();
      await (available.count > 0
        ? Promise.race([change, this.pause(config.maximumBatchingWindowMs - waitedMs)])
        : change);
    }
  }

  private async dropExpired(batch: PendingRecord[]): Promise<PendingRecord[]> {
    const { config } = this.deps;
    if (config.mode !== EsmMode.provisioned || config.maximumRecordAgeInSeconds === -1) return batch;
    const oldestAllowedMs = Date.now() - config.maximumRecordAgeInSeconds * 1000;
    const expired = batch.filter((record) => record.record.timestamp < oldestAllowedMs);
    if (expired.length > 0) await this.giveUp(expired, 'RecordAgeExceeded');
    return batch.filter((record) => !expired.includes(record));
  }

  /** One invocation; records to retry are put in front of `pending`. */
  private async process(batch: PendingRecord[], pending: PendingRecord[][]): Promise<void> {
    const { config, log } = this.deps;
    const outcome = await this.deps.invoke(buildMskEvent(batch, this.deps.source));
    if (outcome.kind === 'error') {
      log('warn', 'invocation failed', {
        records: batch.length,
        errorType: outcome.error.errorType,
        errorMessage: outcome.error.errorMessage,
      });
      return this.retry(batch, pending, true, outcome.error);
    }
    const verdict = readBatchResponse(outcome.payload, batch);
    if (config.mode !== EsmMode.provisioned || !config.reportBatchItemFailures) {
      if (verdict.kind !== 'success' && !this.hasWarnedIgnoredFailures) {
        this.hasWarnedIgnoredFailures = true;
        log(
          'warn',
          'the function returned batchItemFailures but ReportBatchItemFailures is off: ignored, the whole batch counts as processed (as on AWS)',
        );
      }
      return this.settle(batch);
    }
    if (verdict.kind === 'success') return this.settle(batch);
    if (verdict.kind === 'invalid') {
      log('warn', 'invalid partial batch response: retrying the whole batch', { reason: verdict.reason });
      return this.retry(batch, pending, false);
    }
    const { retry, done } = splitForRetry(batch, verdict.retryFrom);
    await this.settle(done);
    return this.retry(retry, pending, false);
  }

  /** Counts a failed attempt, gives up on exhausted records, bisects on function errors, then backs off. */
  private async retry(
    records: PendingRecord[],
    pending: PendingRecord[][],
    isFunctionError: boolean,
    error?: LambdaErrorPayload,
  ): Promise<void> {
    const { config } = this.deps;
    for (const record of records) this.attempts.set(record, (this.attempts.get(record) ?? 0) + 1);
    const isLimited = config.mode === EsmMode.provisioned && config.maximumRetryAttempts !== -1;
    const exhausted = isLimited
      ? records.filter((record) => (this.attempts.get(record) ?? 0) > config.maximumRetryAttempts)
      : [];
    if (exhausted.length > 0) await this.giveUp(exhausted, 'RetryAttemptsExhausted', error);
    const remaining = records.filter((record) => !exhausted.includes(record));
    if (remaining.length === 0) return;
    const shouldBisect =
      isFunctionError &&
      config.mode === EsmMode.provisioned &&
      config.bisectBatchOnFunctionError &&
      remaining.length > 1;
    const half = Math.ceil(remaining.length / 2);
    pending.unshift(...(shouldBisect ? [remaining.slice(0, half), remaining.slice(half)] : [remaining]));
    const attempt = Math.max(...remaining.map((record) => this.attempts.get(record) ?? 1));
    await this.pause(Math.min(config.retryBackoffMs.initial * 2 ** (attempt - 1), config.retryBackoffMs.max));
  }

  /** Sends records to the on-failure destination (retrying until it takes them), or discards them. */
  private async giveUp(
    records: PendingRecord[],
    condition: FailureCondition,
    error?: LambdaErrorPayload,
  ): Promise<void> {
    const { config, log } = this.deps;
    if (!config.onFailureTopic) {
      log('error', 'records discarded: no on-failure destination', {
        condition,
        records: records.length,
        first: describe(records),
      });
      return this.settle(records);
    }
    for (let attempt = 1; !this.isStopping; attempt++) {
      try {
        await this.deps.sendToDestination(records, condition, error);
        log('warn', 'records sent to the on-failure destination', {
          condition,
          records: records.length,
          topic: config.onFailureTopic,
          first: describe(records),
        });
        return this.settle(records);
      } catch (sendError) {
        log('error', 'on-failure destination unavailable, retrying', { error: String(sendError), attempt });
        await this.pause(Math.min(config.retryBackoffMs.initial * 2 ** attempt, config.retryBackoffMs.max));
      }
    }
  }

  private async settle(records: readonly PendingRecord[], dropReason?: string): Promise<void> {
    if (dropReason) this.deps.log('error', dropReason, { first: describe(records) });
    const offsets = this.deps.queue.settle(records);
    if (offsets.size === 0) return;
    try {
      await this.deps.commit([...offsets.values()]);
    } catch (error) {
      // The partition's consumer commits again when its batch completes; a lost commit only redelivers.
      this.deps.log('warn', 'offset commit failed', { error: String(error) });
    }
  }
}

function describe(records: readonly PendingRecord[]): string {
  const first = records[0];
  return first ? `${first.partitionKey}@${first.offset}` : '-';
}
