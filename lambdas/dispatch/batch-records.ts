/**
 * The first step of a batch: decode the MSK event and sort its records into deliveries and poison.
 * Also the per-record report type the rest of the batch fills in.
 */
import { createHash } from 'node:crypto';
import type { MarkKind } from '../core/dedup.ts';
import type { Delivery } from '../core/delivery.ts';
import { parseDelivery } from '../core/delivery-parser.ts';
import { PoisonRecordError } from '../core/errors.ts';
import {
  type BatchItemIdentifier,
  decodeMskEvent,
  itemIdentifierOf,
  type MskEvent,
  topicPartitionOf,
} from '../core/msk-event.ts';
import type { DeadLetter } from '../ports/dead-letter-sink.ts';
import type { Attempt } from './vendor-router.ts';

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

/** A deliveryId-shaped id (22 base64url chars) for a record position: topic, partition, offset. */
export function positionIdOf(topic: string, partition: number, offset: number): string {
  return createHash('sha256')
    .update(`dead-letter\n${topic}\n${partition}\n${offset}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

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

/** The report of one record, in event order. */
export interface RecordReport {
  readonly id: BatchItemIdentifier;
  readonly fate: RecordFate;
  readonly deliveryId?: string;
  readonly requestId?: string;
  readonly vendor?: string;
  readonly reason?: string;
  readonly attempts?: readonly Attempt[];
  /** A suppressed duplicate's dedup mark: how an earlier invocation finalised the delivery. */
  readonly mark?: MarkKind;
}

/** Splits the event's records into deliveries and poison, keeping event order in `order`. */
export function sortRecords(event: MskEvent): {
  deliveries: DeliveryRecord[];
  poison: PoisonRecord[];
  order: BatchItemIdentifier[];
} {
  const deliveries: DeliveryRecord[] = [];
  const poison: PoisonRecord[] = [];
  const order: BatchItemIdentifier[] = [];
  for (const entry of decodeMskEvent(event)) {
    if (!entry.ok) {
      const { topic, partition } = topicPartitionOf(entry.id.partition, entry.raw);
      const bytes = (text: string | null | undefined) =>
        typeof text === 'string' ? Buffer.from(text, 'base64') : undefined;
      const key = bytes(entry.raw.key);
      const value = bytes(entry.raw.value);
      poison.push({
        id: entry.id,
        dedupId: positionIdOf(topic, partition, entry.id.offset),
        letter: {
          source: { topic, partition, offset: entry.id.offset },
          ...(key ? { key } : {}),
          ...(value ? { value } : {}),
          headers: [],
          reason: entry.reason,
        },
      });
      order.push(entry.id);
      continue;
    }
    const { record } = entry;
    const id = itemIdentifierOf(record);
    order.push(id);
    try {
      deliveries.push({ id, delivery: parseDelivery(record) });
    } catch (error) {
      if (!(error instanceof PoisonRecordError)) throw error;
      poison.push({
        id,
        dedupId: positionIdOf(record.topic, record.partition, record.offset),
        letter: {
          source: { topic: record.topic, partition: record.partition, offset: record.offset },
          ...(record.key ? { key: record.key } : {}),
          ...(record.value ? { value: record.value } : {}),
          headers: record.headers,
          reason: error.message,
        },
      });
    }
  }
  return { deliveries, poison, order };
}

/** The key of a record identifier, for maps. */
export function idKey(id: BatchItemIdentifier): string {
  return `${id.partition}@${id.offset}`;
}
