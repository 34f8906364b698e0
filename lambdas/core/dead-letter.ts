/**
 * What a record on the dead-letter topic says: which delivery it was and why it never got through.
 * Two writers put records there: dispatch's dead-letter sink (poison: `herald-dlq-*` headers with the
 * reason) and the event source mapping's Kafka on-failure destination (the original record plus
 * failure metadata: retries exhausted or record too old; the local emulator writes it as
 * `lambda-esm-*` headers, AWS documents only that "failure metadata" travels with the record).
 * Both keep the original key, value and headers, so the delivery is read from the value.
 */
import type { KafkaRecord } from './msk-event.ts';

/** Header names the two writers use (checked against them in test/unit/dead-letters). */
export const DeadLetterHeaderName = {
  poisonReason: 'herald-dlq-reason',
  poisonAt: 'herald-dlq-at',
  esmCondition: 'lambda-esm-condition',
  esmErrorType: 'lambda-esm-error-type',
  requestId: 'herald-request-id',
} as const;

/** Why a delivery was dead-lettered. */
export const DeadLetterCause = {
  poison: 'poison',
  retriesExhausted: 'retries exhausted',
  recordTooOld: 'record too old',
  unknown: 'dead-lettered',
} as const;
/** One of the causes. */
export type DeadLetterCause = (typeof DeadLetterCause)[keyof typeof DeadLetterCause];

/** A dead-lettered record, understood. */
export interface DeadLetterInfo {
  readonly cause: DeadLetterCause;
  /** `poison: <dispatch's reason>`, `retries exhausted`, `record too old`. */
  readonly reason: string;
  /** Present when the value names its delivery (poison may not). */
  readonly deliveryId?: string;
  readonly requestId?: string;
  /** The client that sent the request, when the value names it. */
  readonly clientId?: string;
  /**
   * The delivery's position in its request, the request's delivery count and acceptance time, those
   * the value has (ingest writes them): with the clientId, enough to rebuild the request's status
   * record if none was written.
   */
  readonly placement: {
    readonly position?: number;
    readonly deliveryCount?: number;
    readonly acceptedAt?: string;
  };
  /** The Lambda error type that exhausted the retries, when known. */
  readonly errorType?: string;
}

const DELIVERY_ID = /^[A-Za-z0-9_-]{22}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,128}$/;

function header(record: Pick<KafkaRecord, 'headers'>, name: string): string | undefined {
  return record.headers.find((h) => h.name === name)?.value.toString('utf8');
}

/** Reads one dead-letter record. Never throws: an unreadable value just names no delivery. */
export function readDeadLetter(record: Pick<KafkaRecord, 'headers' | 'value'>): DeadLetterInfo {
  const poison = header(record, DeadLetterHeaderName.poisonReason);
  const condition = header(record, DeadLetterHeaderName.esmCondition);
  const errorType = header(record, DeadLetterHeaderName.esmErrorType);
  const cause =
    poison !== undefined
      ? DeadLetterCause.poison
      : condition === 'RetryAttemptsExhausted'
        ? DeadLetterCause.retriesExhausted
        : condition === 'RecordAgeExceeded'
          ? DeadLetterCause.recordTooOld
          : DeadLetterCause.unknown;
  const reason = poison !== undefined ? `poison: ${poison}`.slice(0, 200) : cause;
  const value = parsedValue(record);
  return {
    cause,
    reason,
    ...idsOf(record, value),
    placement: placementOf(value),
    ...(errorType ? { errorType } : {}),
  };
}

function parsedValue(record: Pick<KafkaRecord, 'value'>): Record<string, unknown> {
  let value: unknown;
  try {
    value = record.value ? JSON.parse(record.value.toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function placementOf(fields: Record<string, unknown>): DeadLetterInfo['placement'] {
  const count = (name: 'position' | 'deliveryCount') => {
    const n = fields[name];
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? { [name]: n } : {};
  };
  const acceptedAt = typeof fields.acceptedAt === 'string' ? fields.acceptedAt : undefined;
  return {
    ...count('position'),
    ...count('deliveryCount'),
    ...(acceptedAt && !Number.isNaN(Date.parse(acceptedAt)) ? { acceptedAt } : {}),
  };
}

function idsOf(
  record: Pick<KafkaRecord, 'headers'>,
  fields: Record<string, unknown>,
): {
  deliveryId?: string;
  requestId?: string;
  clientId?: string;
} {
  const deliveryId = typeof fields.deliveryId === 'string' ? fields.deliveryId : undefined;
  const requestId =
    typeof fields.requestId === 'string' ? fields.requestId : header(record, DeadLetterHeaderName.requestId);
  const clientId =
    typeof fields.clientId === 'string' && fields.clientId !== '' ? fields.clientId : undefined;
  return {
    ...(clientId ? { clientId } : {}),
    ...(deliveryId && DELIVERY_ID.test(deliveryId) ? { deliveryId } : {}),
    ...(requestId && REQUEST_ID.test(requestId) ? { requestId } : {}),
  };
}
