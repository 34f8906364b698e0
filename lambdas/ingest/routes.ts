/**
 * The ingest API's routes. Each authenticates, validates, runs its use case and logs the decision
 * once, keyed by requestId. Refusals are thrown as errors and answered by http-errors.ts.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { withReceiptTimeout } from '../core/receipt-timeout.ts';
import { isRequestId } from '../core/request-hash.ts';
import type { RequestStatus, StatusStore } from '../ports/status-store.ts';
import { IngestMetric } from '../shared/metric-names.ts';
import { type AcceptDeps, acceptMessage } from './accept-message.ts';
import { authenticate } from './auth.ts';
import { type HttpResponse, jsonResponse, problems } from './http-errors.ts';
import { headerOf, readJsonBody } from './http-request.ts';
import type { AuthSettings } from './ingest-config.ts';
import { DELIVERY_STATES, idempotencyKey, type MessageStatus, sendMessageRequest } from './request-schema.ts';
import { checkWith, rejectIssues } from './validate-request.ts';

/** What the routes need. */
export interface RouteDeps extends AcceptDeps {
  readonly statuses: StatusStore;
  readonly auth: AuthSettings;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly openApiDocument: () => unknown;
}

/** `POST /v1/messages`. */
export async function postMessage(event: APIGatewayProxyEventV2, deps: RouteDeps): Promise<HttpResponse> {
  const clientId = authenticate(event, deps.auth);
  const body = checkWith(sendMessageRequest, readJsonBody(event, deps.maxBodyBytes));
  const rawKey = headerOf(event, 'idempotency-key');
  const header = rawKey === undefined ? { issues: [] } : checkWith(idempotencyKey, rawKey, 'Idempotency-Key');
  const issues = [...header.issues, ...body.issues];
  const request = body.data;
  const key = header.data;
  if (issues.length > 0 || request === undefined) return rejectIssues(issues);
  const result = await acceptMessage(deps, {
    clientId,
    request,
    gatewayRequestId: event.requestContext.requestId,
    ...(key === undefined ? {} : { idempotencyKey: key }),
  });
  const keyed = key !== undefined;
  switch (result.outcome) {
    case 'accepted':
      deps.logger.info('accepted', { ...result.body, clientId, keyed, channel: request.channel });
      deps.metrics.addMetric(IngestMetric.accepted, MetricUnit.Count, 1);
      deps.metrics.addMetric(IngestMetric.recordsProduced, MetricUnit.Count, result.body.accepted);
      if (!result.isStatusRecorded)
        deps.metrics.addMetric(IngestMetric.statusesNotRecorded, MetricUnit.Count, 1);
      return jsonResponse(202, result.body);
    case 'replayed':
      deps.logger.info('replayed', { requestId: result.body.requestId, clientId });
      deps.metrics.addMetric(IngestMetric.replayed, MetricUnit.Count, 1);
      return jsonResponse(202, result.body, { 'idempotent-replayed': 'true' });
    case 'in-progress':
      deps.logger.info('idempotency key in use', { requestId: result.requestId, clientId });
      deps.metrics.addMetric(IngestMetric.idempotencyConflicts, MetricUnit.Count, 1);
      throw problems.keyInProgress();
    case 'mismatch':
      deps.logger.info('idempotency key reused with another body', { requestId: result.requestId, clientId });
      deps.metrics.addMetric(IngestMetric.idempotencyMismatches, MetricUnit.Count, 1);
      throw problems.keyMismatch();
  }
}

/**
 * `GET /v1/messages/{requestId}`: 404 for an unknown id and for another client's id alike. A delivery
 * still `sent` past the receipt timeout reads `unknown` (core/receipt-timeout.ts).
 */
export async function getMessage(
  event: APIGatewayProxyEventV2,
  deps: RouteDeps,
  requestId: string,
): Promise<HttpResponse> {
  const clientId = authenticate(event, deps.auth);
  const status = isRequestId(requestId) ? await deps.statuses.read(requestId, clientId) : undefined;
  deps.logger.info('status read', { requestId, clientId, isFound: status !== undefined });
  if (!status) throw problems.notFound('no such request');
  return jsonResponse(200, toMessageStatus(status, deps.clock().getTime()));
}

/** `GET /v1/openapi.json`: public, like any API description. */
export async function getOpenApi(_event: APIGatewayProxyEventV2, deps: RouteDeps): Promise<HttpResponse> {
  return jsonResponse(200, deps.openApiDocument(), { 'cache-control': 'public, max-age=300' });
}

/**
 * The API's view of a request's statuses at `nowMs`. A record rebuilt by dispatch (ingest's `queued`
 * write failed) lists only the deliveries dispatch has reached; the rest count as queued in `counts`.
 */
function toMessageStatus(status: RequestStatus, nowMs: number): MessageStatus {
  const unseen = status.unseenDeliveries ?? 0;
  const recipients = status.recipients.map((r) => withReceiptTimeout(r, nowMs));
  const counts: MessageStatus['counts'] = {
    total: recipients.length + unseen,
    ...(Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<
      (typeof DELIVERY_STATES)[number],
      number
    >),
  };
  for (const recipient of recipients) counts[recipient.state] += 1;
  counts.queued += unseen;
  return {
    requestId: status.requestId,
    acceptedAt: status.acceptedAt,
    counts,
    recipients: recipients.map((r) => ({
      position: r.position,
      state: r.state,
      ...(r.vendor === undefined ? {} : { vendor: r.vendor }),
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      updatedAt: r.updatedAt,
    })),
  };
}
