/**
 * Redrive: which dead-lettered records go back on the deliveries topic, and in what form. A redriven
 * record is the original record (key, value, the delivery's own headers) with the dead-letter
 * metadata dropped and where it came from added; its deliveryId is unchanged, so dispatch's dedup
 * still holds: a delivery already sent is suppressed, not sent again.
 */
import { DeadLetterCause, type DeadLetterInfo, readDeadLetter } from './dead-letter.ts';
import type { KafkaHeader, KafkaRecord } from './msk-event.ts';

/** Headers added to a redriven record. */
export const RedriveHeader = {
  source: 'herald-redrive-source',
  at: 'herald-redrive-at',
} as const;

/** What to redrive. Every given filter must match. */
export interface RedriveFilter {
  readonly causes?: readonly DeadLetterCause[];
  /**
   * At or after (ms since epoch) by the dead-letter record's Kafka timestamp: when dispatch
   * dead-lettered poison; the original record's time for what the mapping's on-failure destination
   * wrote (it keeps the timestamp).
   */
  readonly sinceMs?: number;
  /** Dead-lettered before (ms since epoch). */
  readonly untilMs?: number;
  readonly requestIds?: readonly string[];
}

/** A dead-letter record and what it says. */
export interface RedriveCandidate {
  readonly record: KafkaRecord;
  readonly info: DeadLetterInfo;
}

/** Why a record is not redriven, or that it is. */
export type RedriveDecision = 'redrive' | 'filtered' | 'names-no-delivery';

/** Names the CLI takes for the causes. */
export const CAUSE_NAMES: Readonly<Record<string, DeadLetterCause>> = {
  poison: DeadLetterCause.poison,
  'retries-exhausted': DeadLetterCause.retriesExhausted,
  'record-too-old': DeadLetterCause.recordTooOld,
  unknown: DeadLetterCause.unknown,
};

/** Reads a dead-letter record. */
export function candidateOf(record: KafkaRecord): RedriveCandidate {
  return { record, info: readDeadLetter(record) };
}

/** Whether `candidate` goes back; a record that names no delivery never does (it would only be poison again). */
export function decideRedrive(candidate: RedriveCandidate, filter: RedriveFilter): RedriveDecision {
  const { record, info } = candidate;
  if (filter.causes && !filter.causes.includes(info.cause)) return 'filtered';
  const at = record.timestamp ?? 0;
  if (filter.sinceMs !== undefined && at < filter.sinceMs) return 'filtered';
  if (filter.untilMs !== undefined && at >= filter.untilMs) return 'filtered';
  if (filter.requestIds && !(info.requestId && filter.requestIds.includes(info.requestId))) return 'filtered';
  if (!info.deliveryId || !info.requestId) return 'names-no-delivery';
  return 'redrive';
}

const DEAD_LETTER_HEADER = /^(herald-dlq-|lambda-esm-|herald-redrive-)/;

/** The record to put back: original key, value and headers, plus where it came from. */
export function redrivenRecord(
  record: KafkaRecord,
  at: Date,
): { key?: Buffer; value?: Buffer; headers: KafkaHeader[] } {
  const headers = record.headers.filter((h) => !DEAD_LETTER_HEADER.test(h.name));
  headers.push(
    {
      name: RedriveHeader.source,
      value: Buffer.from(`${record.topic}/${record.partition}/${record.offset}`),
    },
    { name: RedriveHeader.at, value: Buffer.from(at.toISOString()) },
  );
  return {
    ...(record.key ? { key: record.key } : {}),
    ...(record.value ? { value: record.value } : {}),
    headers,
  };
}
