/**
 * Step 1 of a batch, prepare: decode the MSK event, sort its records into deliveries and poison, and
 * list the dedup ids to claim. Nothing external happens here.
 */
import { createHash } from 'node:crypto';
import { parseDelivery } from '../core/delivery-parser.ts';
import { PoisonRecordError } from '../core/errors.ts';
import {
  type BatchItemIdentifier,
  decodeMskEvent,
  itemIdentifierOf,
  type MskEvent,
  topicPartitionOf,
} from '../core/msk-event.ts';
import type { DeliveryRecord, PoisonRecord, PreparedBatch } from './batch-types.ts';

/** A deliveryId-shaped id (22 base64url chars) for a record position: topic, partition, offset. */
export function positionIdOf(topic: string, partition: number, offset: number): string {
  return createHash('sha256')
    .update(`dead-letter\n${topic}\n${partition}\n${offset}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** Splits the event's records into deliveries and poison, keeping event order, and lists the ids to claim. */
export function prepareBatch(event: MskEvent): PreparedBatch {
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
  const firsts = new Map<string, DeliveryRecord>();
  for (const record of deliveries) {
    if (!firsts.has(record.delivery.deliveryId)) firsts.set(record.delivery.deliveryId, record);
  }
  // Poison is claimed by record position too, so a redelivered poison record is not dead-lettered twice.
  const ids = [...firsts.keys(), ...poison.map((p) => p.dedupId)];
  return { deliveries, firsts: [...firsts.values()], poison, order, ids };
}
