/**
 * Reads a function's Kafka partial batch response (ReportBatchItemFailures):
 *
 *     { "batchItemFailures": [ { "itemIdentifier": { "partition": "<topic>-<n>", "offset": <n> } } ] }
 *
 * As for Lambda's other stream sources: an empty or missing response, or an empty or null list, is a
 * complete success; a malformed entry, or one naming a record that is not in the batch, fails the
 * whole batch. Each reported partition resumes from its lowest reported offset.
 */
import type { PendingRecord } from './msk-event.ts';

/** What the response means for the batch. */
export type BatchVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly retryFrom: ReadonlyMap<string, number> }
  | { readonly kind: 'invalid'; readonly reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Interprets `payload` for `batch`. */
export function readBatchResponse(payload: unknown, batch: readonly PendingRecord[]): BatchVerdict {
  if (!isObject(payload) || payload.batchItemFailures === undefined || payload.batchItemFailures === null)
    return { kind: 'success' };
  const failures = payload.batchItemFailures;
  if (!Array.isArray(failures)) return { kind: 'invalid', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const offsets = new Map<string, Set<number>>();
  for (const record of batch) {
    const set = offsets.get(record.partitionKey) ?? new Set<number>();
    set.add(record.offset);
    offsets.set(record.partitionKey, set);
  }
  const retryFrom = new Map<string, number>();
  for (const failure of failures) {
    const identifier = isObject(failure) ? failure.itemIdentifier : undefined;
    if (!isObject(identifier))
      return {
        kind: 'invalid',
        reason: `itemIdentifier missing or not an object: ${JSON.stringify(failure)}`,
      };
    const { partition, offset } = identifier;
    if (typeof partition !== 'string' || typeof offset !== 'number' || !Number.isInteger(offset)) {
      return {
        kind: 'invalid',
        reason: `itemIdentifier must be { partition: string, offset: integer }: ${JSON.stringify(identifier)}`,
      };
    }
    if (!offsets.get(partition)?.has(offset))
      return {
        kind: 'invalid',
        reason: `itemIdentifier names no record of the batch: ${partition}@${offset}`,
      };
    retryFrom.set(partition, Math.min(offset, retryFrom.get(partition) ?? offset));
  }
  return { kind: 'partial', retryFrom };
}

/** Splits a batch into the records to retry (per partition, from its lowest failed offset) and the rest. */
export function splitForRetry(
  batch: readonly PendingRecord[],
  retryFrom: ReadonlyMap<string, number>,
): { retry: PendingRecord[]; done: PendingRecord[] } {
  const retry: PendingRecord[] = [];
  const done: PendingRecord[] = [];
  for (const record of batch) {
    const from = retryFrom.get(record.partitionKey);
    (from !== undefined && record.offset >= from ? retry : done).push(record);
  }
  return { retry, done };
}
