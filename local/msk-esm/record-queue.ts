/**
 * Records fetched from Kafka and not yet settled, one contribution per partition (kafkajs hands a
 * partition's next batch over only after the previous one is done). The coordinator takes records
 * from here into invocation batches and settles them; a partition's committable offset is the offset
 * of its first unsettled record, so an offset is never committed past a record that is still owed.
 */
import type { PendingRecord } from './msk-event.ts';

/** Thrown to a contribution's waiter when its partition is given up (rebalance, shutdown). */
export class ContributionAbandonedError extends Error {
  override name = 'ContributionAbandonedError';
}

interface Contribution {
  readonly records: PendingRecord[];
  readonly settled: Set<PendingRecord>;
  readonly taken: Set<PendingRecord>;
  readonly arrivedAtMs: number;
  committedOffset: number;
  resolve(): void;
  reject(error: Error): void;
}

/** Limits of one batch. */
export interface BatchLimits {
  readonly count: number;
  readonly bytes: number;
}

/** The per-partition queues. */
export class RecordQueue {
  private readonly contributions = new Map<string, Contribution>();
  private readonly owner = new WeakMap<PendingRecord, Contribution>();
  private waiters: Array<() => void> = [];

  /** Adds a partition's fetched records; resolves once every one of them is settled. */
  add(partitionKey: string, records: readonly PendingRecord[], nowMs: number): Promise<void> {
    if (this.contributions.has(partitionKey))
      throw new Error(`partition ${partitionKey} already has records in flight`);
    if (records.length === 0) return Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const first = records[0] as PendingRecord;
    const contribution: Contribution = {
      records: [...records],
      settled: new Set(),
      taken: new Set(),
      arrivedAtMs: nowMs,
      committedOffset: first.offset,
      resolve,
      reject,
    };
    for (const record of records) this.owner.set(record, contribution);
    this.contributions.set(partitionKey, contribution);
    this.notify();
    return promise;
  }

  /** Forgets a partition's records: its waiter rejects and none of them will be committed. */
  abandon(partitionKey: string, reason: string): void {
    const contribution = this.contributions.get(partitionKey);
    if (!contribution) return;
    this.contributions.delete(partitionKey);
    contribution.reject(new ContributionAbandonedError(`${partitionKey}: ${reason}`));
    this.notify();
  }

  /** Abandons every partition and wakes whoever waits for a change. */
  abandonAll(reason: string): void {
    for (const key of [...this.contributions.keys()]) this.abandon(key, reason);
    this.notify();
  }

  /** True while the record's partition has not been abandoned. */
  isCurrent(record: PendingRecord): boolean {
    const contribution = this.owner.get(record);
    return contribution !== undefined && this.contributions.get(record.partitionKey) === contribution;
  }

  /**
   * Count, bytes and earliest arrival of the records no batch has taken yet, leaving out the
   * partitions in `busy` (those with a batch in flight).
   */
  available(busy: ReadonlySet<string> = new Set()): {
    count: number;
    bytes: number;
    oldestArrivalMs: number | undefined;
  } {
    let count = 0;
    let bytes = 0;
    let oldestArrivalMs: number | undefined;
    for (const [partitionKey, contribution] of this.contributions) {
      if (busy.has(partitionKey)) continue;
      const free = contribution.records.filter((record) => !contribution.taken.has(record));
      if (free.length === 0) continue;
      count += free.length;
      bytes += free.reduce((sum, record) => sum + record.sizeBytes, 0);
      oldestArrivalMs = Math.min(oldestArrivalMs ?? contribution.arrivedAtMs, contribution.arrivedAtMs);
    }
    return { count, bytes, oldestArrivalMs };
  }

  /**
   * Takes up to `limits` of untaken records, oldest partition first, each partition's records in
   * offset order, never from a partition in `busy`. A record that alone exceeds the byte limit is
   * returned in `oversized`.
   */
  take(
    limits: BatchLimits,
    busy: ReadonlySet<string> = new Set(),
  ): { batch: PendingRecord[]; oversized: PendingRecord[] } {
    const batch: PendingRecord[] = [];
    const oversized: PendingRecord[] = [];
    let bytes = 0;
    const byAge = [...this.contributions]
      .filter(([partitionKey]) => !busy.has(partitionKey))
      .map(([, contribution]) => contribution)
      .sort((a, b) => a.arrivedAtMs - b.arrivedAtMs);
    for (const contribution of byAge) {
      for (const record of contribution.records) {
        if (contribution.taken.has(record)) continue;
        if (record.sizeBytes > limits.bytes) {
          contribution.taken.add(record);
          oversized.push(record);
          continue;
        }
        if (batch.length >= limits.count || bytes + record.sizeBytes > limits.bytes)
          return { batch, oversized };
        contribution.taken.add(record);
        batch.push(record);
        bytes += record.sizeBytes;
      }
    }
    return { batch, oversized };
  }

  /**
   * Marks records done (delivered, sent to the failure destination, or dropped) and returns the new
   * committable offset (next offset to consume) of each partition whose offset advanced.
   */
  settle(
    records: readonly PendingRecord[],
  ): Map<string, { topic: string; partition: number; offset: number }> {
    const touched = new Set<Contribution>();
    for (const record of records) {
      if (!this.isCurrent(record)) continue;
      const contribution = this.owner.get(record) as Contribution;
      contribution.settled.add(record);
      touched.add(contribution);
    }
    const advanced = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const contribution of touched) {
      const firstOpen = contribution.records.find((record) => !contribution.settled.has(record));
      const last = contribution.records.at(-1) as PendingRecord;
      const next = firstOpen ? firstOpen.offset : last.offset + 1;
      if (next > contribution.committedOffset) {
        contribution.committedOffset = next;
        advanced.set(last.partitionKey, { topic: last.topic, partition: last.partition, offset: next });
      }
      if (!firstOpen) {
        this.contributions.delete(last.partitionKey);
        contribution.resolve();
      }
    }
    if (touched.size > 0) this.notify();
    return advanced;
  }

  /** Wakes whoever waits for a change (a partition's batch in flight ended). */
  wake(): void {
    this.notify();
  }

  /** Resolves at the next add, abandon, settle or wake. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
