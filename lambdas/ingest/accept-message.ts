/**
 * The acceptance use case: identify the call, honour its Idempotency-Key, put one record per unique
 * recipient on Kafka (the high-priority lane's topic for `priority: high`), record them `queued`. Returns an outcome; the route decides the HTTP answer
 * and logs it.
 */
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
import type { StatusStore } from '../ports/status-store.ts';
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
}

/** One call to accept. */
export interface AcceptInput {
  readonly clientId: string;
  readonly request: SendRequest;
  readonly gatewayRequestId: string;
  readonly idempotencyKey?: string;
}

/** What became of a call. */
export type AcceptOutcome =
  | { readonly outcome: 'accepted'; readonly body: SendMessageAccepted }
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
  await Promise.all([
    deps.statuses
      .recordAccepted({
        requestId,
        clientId: input.clientId,
        acceptedAt,
        deliveries: plan.deliveries.map((d) => ({
          position: d.position ?? 0,
          deliveryId: d.deliveryId,
        })),
      })
      .catch((error: unknown) =>
        deps.logger.error('queued statuses not recorded; status reads will 404 until dispatch updates', {
          requestId,
          error,
        }),
      ),
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
  return { outcome: 'accepted', body };
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
