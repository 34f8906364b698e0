/**
 * Decoding of the event the MSK event source mapping sends, and the partial-batch response shape.
 * Structural types of our own (core imports no AWS packages); they accept `MSKEvent` from
 * @types/aws-lambda. Facts of the real event: `records` is keyed `"<topic>-<partition>"` (topic names
 * may contain dashes, so split on the LAST dash), `key` and `value` are base64 (`key` may be absent),
 * and header values are arrays of SIGNED bytes (-128..127), one `{ name: bytes }` object per header.
 */

/** One record as the event source mapping delivers it. */
export interface MskEventRecord {
  readonly topic: string;
  readonly partition: number | string;
  readonly offset: number | string;
  readonly timestamp?: number;
  readonly timestampType?: string;
  readonly key?: string | null;
  readonly value?: string | null;
  readonly headers?: readonly Readonly<Record<string, readonly number[] | string>>[] | null;
}

/** The MSK (or self-managed Kafka) event. */
export interface MskEvent {
  readonly eventSource: string;
  readonly eventSourceArn?: string;
  readonly bootstrapServers?: string;
  readonly records: Readonly<Record<string, readonly MskEventRecord[]>>;
}

/** One Kafka header, bytes decoded. */
export interface KafkaHeader {
  readonly name: string;
  readonly value: Buffer;
}

/** A record with its bytes decoded; `value` is undefined for a record without one (tombstone). */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp?: number;
  readonly key?: Buffer;
  readonly value?: Buffer;
  readonly headers: readonly KafkaHeader[];
}

/** Identifies one record in a partial-batch response. */
export interface BatchItemIdentifier {
  /** `"<topic>-<partition>"`, exactly the key of `records` in the event. */
  readonly partition: string;
  readonly offset: number;
}

/** The Kafka partial-batch response: records listed here (and, per partition, all after them) are retried. */
export interface KafkaBatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: BatchItemIdentifier }[];
}

/** The `records` key of a topic partition. */
export function partitionKeyOf(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Splits a `records` key on its last dash: `"orders.v1-eu-12"` → topic `orders.v1-eu`, partition 12. */
export function parsePartitionKey(key: string): { topic: string; partition: number } {
  const dash = key.lastIndexOf('-');
  const partition = Number(key.slice(dash + 1));
  if (dash <= 0 || !/^\d+$/.test(key.slice(dash + 1)) || !Number.isSafeInteger(partition)) {
    throw new TypeError(`not a "<topic>-<partition>" key: ${JSON.stringify(key)}`);
  }
  return { topic: key.slice(0, dash), partition };
}

/** Converts the event's signed bytes (-128..127; unsigned 0..255 tolerated) to a Buffer. */
export function bytesFromSigned(bytes: readonly number[]): Buffer {
  const buffer = Buffer.alloc(bytes.length);
  bytes.forEach((byte, index) => {
    if (!Number.isInteger(byte) || byte < -128 || byte > 255) {
      throw new TypeError(`header byte out of range: ${byte}`);
    }
    buffer[index] = byte & 0xff;
  });
  return buffer;
}

/** Converts bytes to the signed form the event source mapping uses (for emulators and tests). */
export function signedFromBytes(bytes: Uint8Array): number[] {
  return Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function decodeHeaders(headers: MskEventRecord['headers']): KafkaHeader[] {
  const decoded: KafkaHeader[] = [];
  for (const header of headers ?? []) {
    for (const [name, value] of Object.entries(header)) {
      // Why the string case: some emulators and the self-managed sample carry base64 strings.
      decoded.push({
        name,
        value: typeof value === 'string' ? Buffer.from(value, 'base64') : bytesFromSigned(value),
      });
    }
  }
  return decoded;
}

/**
 * The topic and partition of a record under `key`. Why the fallback: AWS never sends a malformed key;
 * if it ever does, the record's own fields still name it.
 */
export function topicPartitionOf(key: string, raw: MskEventRecord): { topic: string; partition: number } {
  try {
    return parsePartitionKey(key);
  } catch (error) {
    const partition = Number(raw.partition);
    if (typeof raw.topic === 'string' && raw.topic && Number.isSafeInteger(partition)) {
      return { topic: raw.topic, partition };
    }
    throw error;
  }
}

/** One entry of the event in order: the decoded record, or why it could not be decoded. */
export type DecodedEntry =
  | { readonly ok: true; readonly record: KafkaRecord }
  | {
      readonly ok: false;
      readonly id: BatchItemIdentifier;
      readonly reason: string;
      readonly raw: MskEventRecord;
    };

/**
 * Decodes every record of the event, in partition order then offset order. A record whose envelope is
 * malformed (bad header bytes, say) is returned with a reason, never thrown: one bad record must not
 * fail the batch. The identifier always comes from the `records` key, so the response matches it.
 */
export function decodeMskEvent(event: MskEvent): DecodedEntry[] {
  const entries: DecodedEntry[] = [];
  for (const [key, records] of Object.entries(event.records ?? {})) {
    for (const raw of records) {
      const { topic, partition } = topicPartitionOf(key, raw);
      const offset = Number(raw.offset);
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new TypeError(`record in ${key} has no valid offset: ${JSON.stringify(raw.offset)}`);
      }
      try {
        entries.push({
          ok: true,
          record: {
            topic,
            partition,
            offset,
            ...(raw.timestamp === undefined ? {} : { timestamp: raw.timestamp }),
            ...(typeof raw.key === 'string' ? { key: Buffer.from(raw.key, 'base64') } : {}),
            ...(typeof raw.value === 'string' ? { value: Buffer.from(raw.value, 'base64') } : {}),
            headers: decodeHeaders(raw.headers),
          },
        });
      } catch (error) {
        const reason = `undecodable record envelope: ${error instanceof Error ? error.message : String(error)}`;
        entries.push({ ok: false, id: { partition: key, offset }, reason, raw });
      }
    }
  }
  return entries;
}

/** The identifier of a decoded record. */
export function itemIdentifierOf(
  record: Pick<KafkaRecord, 'topic' | 'partition' | 'offset'>,
): BatchItemIdentifier {
  return { partition: partitionKeyOf(record.topic, record.partition), offset: record.offset };
}

/** The response for records to retry, de-duplicated and ordered by partition then offset. */
export function batchResponseFor(retry: readonly BatchItemIdentifier[]): KafkaBatchResponse {
  const unique = new Map(retry.map((id) => [`${id.partition}\u0000${id.offset}`, id]));
  const sorted = [...unique.values()].sort((a, b) =>
    a.partition === b.partition ? a.offset - b.offset : a.partition < b.partition ? -1 : 1,
  );
  return {
    batchItemFailures: sorted.map((id) => ({
      itemIdentifier: { partition: id.partition, offset: id.offset },
    })),
  };
}
