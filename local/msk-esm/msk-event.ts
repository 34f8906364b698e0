/**
 * Turns Kafka records into the `MSKEvent` Lambda's MSK event source mapping sends ("Using Lambda with
 * Amazon MSK", example event): records grouped under `"<topic>-<partition>"` in offset order, key and
 * value base64, headers as a list of one-entry objects whose value is the header's bytes as *signed*
 * integers (Java bytes, -128..127).
 */
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/** A record waiting to be delivered, with what the batcher needs to know about it. */
export interface PendingRecord {
  /** `"<topic>-<partition>"` */
  readonly partitionKey: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly record: MSKRecord;
  /** Bytes the record adds to the invocation payload (its JSON). */
  readonly sizeBytes: number;
}

/** Where the event says the records came from. */
export interface EventSource {
  readonly eventSourceArn: string;
  readonly bootstrapServers: readonly string[];
}

/** `"<topic>-<partition>"`, the key of a partition's records in the event. */
export function partitionKeyOf(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** The bytes of a buffer as signed integers, as the event carries header values. */
export function toSignedBytes(bytes: Uint8Array): number[] {
  return Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Header values back to bytes. */
export function fromSignedBytes(values: readonly number[]): Buffer {
  return Buffer.from(Int8Array.from(values).buffer);
}

function toHeaderList(headers: IHeaders | undefined): Array<Record<string, number[]>> {
  const list: Array<Record<string, number[]>> = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) {
      const bytes =
        one === undefined ? Buffer.alloc(0) : Buffer.isBuffer(one) ? one : Buffer.from(String(one));
      list.push({ [name]: toSignedBytes(bytes) });
    }
  }
  return list;
}

/** Converts one consumed message. A record without a key carries no `key` member. */
export function toPendingRecord(topic: string, partition: number, message: KafkaMessage): PendingRecord {
  const record = {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    // Why CREATE_TIME: the topic default; kafkajs does not expose a batch's timestamp type.
    timestampType: 'CREATE_TIME',
    ...(message.key === null ? {} : { key: message.key.toString('base64') }),
    value: (message.value ?? Buffer.alloc(0)).toString('base64'),
    headers: toHeaderList(message.headers),
  } as MSKRecord;
  return {
    partitionKey: partitionKeyOf(topic, partition),
    topic,
    partition,
    offset: record.offset,
    record,
    sizeBytes: Buffer.byteLength(JSON.stringify(record)) + 1,
  };
}

/** Bytes of the event envelope around the records (ARN, servers, keys). */
export function envelopeBytes(source: EventSource): number {
  return Buffer.byteLength(JSON.stringify(buildMskEvent([], source))) + 64;
}

/** Builds the event of one invocation; records keep their order within each partition. */
export function buildMskEvent(records: readonly PendingRecord[], source: EventSource): MSKEvent {
  const grouped: Record<string, MSKRecord[]> = {};
  for (const pending of records) {
    const list = grouped[pending.partitionKey] ?? [];
    list.push(pending.record);
    grouped[pending.partitionKey] = list;
  }
  for (const list of Object.values(grouped)) list.sort((a, b) => a.offset - b.offset);
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers.join(','),
    records: grouped,
  };
}
