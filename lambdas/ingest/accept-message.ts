/**
 * The acceptance use case: identify the call, honour its Idempotency-Key, put one record per unique
 * recipient on Kafka (the high-priority lane's topic for `priority: high`), record them `queued`. Returns an outcome; the route decides the HTTP answer
 * and logs it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import { canonicalize } from '../core/canonical-json.ts';
import {
  type CallIdentity,
  fingerprintRequest,
  hashRequest,
  idempotencyScopeId,
} from '../core/request-hash.ts';
import { encodeDelivery, planDeliveries, type SendRequest } from '../core/send-request.ts';
import type { IdempotencyStore, Reservation } from '../ports/idempotency-store.ts';
import type { MessageProducer } from '../ports/message-producer.ts';
import type { AcceptedRequest, StatusStore } from '../ports/status-store.ts';
import type { SendMessageAccepted } from './request-schema.ts';

/** What accepting needs. */
export interface AcceptDeps {
  readonly producer: MessageProducer;
  readonly idempotency: IdempotencyStore;
  readonly statuses: StatusStore;
  readonly topic: string;
  /**
   * The high-priority lane's topic: `priority: high` requests go there, read by their own event source
   * mapping. @default topic (no lane)
   */
  readonly highPriorityTopic?: string;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Waits before each retry of the `queued` status write. @default STATUS_RETRY_DELAYS_MS */
  readonly statusRetryDelaysMs?: readonly number[];
}

/**
 * Waits before the 2nd and 3rd try of the `queued` status write. Why these: a refused or failing-over
 * Redis answers in milliseconds, so three tries span about half a second; a Redis that times out
 * (2 s a command) gets two, and no try starts after STATUS_RETRY_BUDGET_MS, so the API still answers
 * well inside its timeout (15 s) after a slow Kafka acknowledgement (10 s at most).
 */
export const STATUS_RETRY_DELAYS_MS: readonly number[] = [100, 400];
/** No try of the `queued` status write starts this long after the first one did. */
export const STATUS_RETRY_BUDGET_MS = 2_500;

/** One call to accept. */
export interface AcceptInput {
  readonly clientId: string;
  readonly request: SendRequest;
  readonly gatewayRequestId: string;
  readonly idempotencyKey?: string;
}

/** What became of a call. */
export type AcceptOutcome =
  | {
      readonly outcome: 'accepted';
      readonly body: SendMessageAccepted;
      /**
       * Whether the `queued` statuses were written (after `statusAttempts` tries). When not, the request
       * reads 404 until dispatch's first status write for it rebuilds the record.
       */
      readonly isStatusRecorded: boolean;
      readonly statusAttempts: number;
    }
  | { readonly outcome: 'replayed'; readonly body: SendMessageAccepted }
  | { readonly outcome: 'in-progress'; readonly requestId: string }
  | { readonly outcome: 'mismatch'; readonly requestId: string };

/** Accepts a send request; rejects with DependencyUnavailableError when it could not be made durable. */
export async function acceptMessage(deps: AcceptDeps, input: AcceptInput): Promise<AcceptOutcome> {
  const canonicalBody = canonicalize(input.request);
  const call: CallIdentity =
    input.idempotencyKey === undefined
      ? { kind: 'gateway-request', value: input.gatewayRequestId }
      : { kind: 'idempotency-key', value: input.idempotencyKey };
  const requestId = hashRequest({ clientId: input.clientId, canonicalBody, call });

  let reservation: Reservation | undefined;
  if (input.idempotencyKey !== undefined) {
    const scopeId = idempotencyScopeId(input.clientId, input.idempotencyKey);
    const reserved = await deps.idempotency.reserve(
      scopeId,
      fingerprintRequest(input.clientId, canonicalBody),
    );
    // Why the body can be rebuilt: a repeat (same client, key and body) hashes to the same requestId.
    if (reserved.outcome === 'completed')
      return { outcome: 'replayed', body: { requestId, ...reserved.response } };
    if (reserved.outcome !== 'reserved') return { outcome: reserved.outcome, requestId };
    reservation = reserved.reservation;
  }

  const acceptedAt = deps.clock().toISOString();
  const plan = planDeliveries(input.request, { requestId, clientId: input.clientId, acceptedAt });
  try {
    await deps.producer.send(topicFor(deps, input.request), plan.deliveries.map(encodeDelivery));
  } catch (error) {
    // Why release: the client is told 503 and will retry with the same key; the retry must be
    // accepted, and it produces the same deliveryIds, so records that did land are deduplicated.
    if (reservation) await releaseQuietly(deps, reservation, requestId);
    throw error;
  }

  const body: SendMessageAccepted = {
    requestId,
    accepted: plan.deliveries.length,
    collapsedDuplicates: plan.collapsedDuplicates,
  };
  // Why best effort from here on: every record is durably in Kafka, so the answer must be 202. A 5xx
  // now would make an unkeyed client resend, i.e. send every message twice.
  const [status] = await Promise.all([
    recordAcceptedWithRetries(deps, {
      requestId,
      clientId: input.clientId,
      acceptedAt,
      deliveries: plan.deliveries.map((d) => ({ position: d.position ?? 0, deliveryId: d.deliveryId })),
    }),
    reservation
      ? deps.idempotency
          .complete(reservation, { accepted: body.accepted, collapsedDuplicates: body.collapsedDuplicates })
          .catch((error: unknown) =>
            deps.logger.error('idempotent response not stored; a keyed retry after the lease re-produces', {
              requestId,
              error,
            }),
          )
      : undefined,
  ]);
  return { outcome: 'accepted', body, isStatusRecorded: status.isRecorded, statusAttempts: status.attempts };
}

/**
 * Writes the `queued` statuses, trying again after each of the retry delays within the budget. Never
 * throws: if every try fails, the delivery records in Kafka carry what rebuilds the record (dispatch's
 * first status write for the request does), and until then the request reads 404 (docs/deploy.md).
 */
async function recordAcceptedWithRetries(
  deps: AcceptDeps,
  request: AcceptedRequest,
): Promise<{ isRecorded: boolean; attempts: number }> {
  const delays = deps.statusRetryDelaysMs ?? STATUS_RETRY_DELAYS_MS;
  const startedMs = Date.now();
  for (let attempts = 1; ; attempts++) {
    try {
      await deps.statuses.recordAccepted(request);
      if (attempts > 1)
        deps.logger.warn('queued statuses recorded after retrying', {
          requestId: request.requestId,
          attempts,
        });
      return { isRecorded: true, attempts };
    } catch (error) {
      const delay = delays[attempts - 1];
      if (delay === undefined || Date.now() + delay - startedMs >= STATUS_RETRY_BUDGET_MS) {
        deps.logger.error(
          'queued statuses not recorded; status reads answer 404 until dispatch first writes a status of this request',
          { requestId: request.requestId, attempts, error },
        );
        return { isRecorded: false, attempts };
      }
      await sleep(delay);
    }
  }
}

/** The lane of a request: a request's recipients all share its priority, so one topic per request. */
export function topicFor(
  deps: Pick<AcceptDeps, 'topic' | 'highPriorityTopic'>,
  request: SendRequest,
): string {
  return request.priority === 'high' ? (deps.highPriorityTopic ?? deps.topic) : deps.topic;
}

async function releaseQuietly(deps: AcceptDeps, reservation: Reservation, requestId: string): Promise<void> {
  try {
    await deps.idempotency.release(reservation);
  } catch (error) {
    deps.logger.error('idempotency reservation not released; a keyed retry gets 409 until the lease ends', {
      requestId,
      error,
    });
  }
}
