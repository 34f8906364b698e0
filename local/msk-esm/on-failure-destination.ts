/**
 * The `kafka://<topic>` on-failure destination: Lambda acts as a producer and writes each failed
 * record, with its original key, value and headers, to the destination topic together with failure
 * metadata. AWS documents that metadata travels with the record but not its exact form; this emulator
 * adds it as `lambda-esm-*` headers (see local/msk-esm/README.md).
 */
import type { Producer } from 'kafkajs';
import type { LambdaErrorPayload } from '../runtime/lambda-context.ts';
import type { FailureCondition } from './batch-coordinator.ts';
import { fromSignedBytes, type PendingRecord } from './msk-event.ts';

/** Header names of the failure metadata. */
export const FailureHeader = {
  condition: 'lambda-esm-condition',
  sourceTopic: 'lambda-esm-source-topic',
  sourcePartition: 'lambda-esm-source-partition',
  sourceOffset: 'lambda-esm-source-offset',
  errorType: 'lambda-esm-error-type',
  errorMessage: 'lambda-esm-error-message',
  eventSourceArn: 'lambda-esm-event-source-arn',
} as const;

/** Writes `records` to `topic` (acks from all in-sync replicas) or throws. */
export async function sendToKafkaDestination(
  producer: Producer,
  topic: string,
  eventSourceArn: string,
  records: readonly PendingRecord[],
  condition: FailureCondition,
  error?: LambdaErrorPayload,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: records.map(({ record }) => {
      const headers: Record<string, Buffer[]> = {};
      for (const header of record.headers) {
        for (const [name, bytes] of Object.entries(header)) {
          headers[name] = [...(headers[name] ?? []), fromSignedBytes(bytes)];
        }
      }
      const metadata: Record<string, string> = {
        [FailureHeader.condition]: condition,
        [FailureHeader.sourceTopic]: record.topic,
        [FailureHeader.sourcePartition]: String(record.partition),
        [FailureHeader.sourceOffset]: String(record.offset),
        [FailureHeader.eventSourceArn]: eventSourceArn,
        ...(error
          ? {
              [FailureHeader.errorType]: error.errorType,
              [FailureHeader.errorMessage]: error.errorMessage.slice(0, 1_000),
            }
          : {}),
      };
      return {
        key: 'key' in record && typeof record.key === 'string' ? Buffer.from(record.key, 'base64') : null,
        value: Buffer.from(record.value, 'base64'),
        timestamp: String(record.timestamp),
        headers: { ...headers, ...metadata },
      };
    }),
  });
}
