/**
 * The ingest Lambda's middy stack, built from injected dependencies: unit tests pass in-memory
 * fakes, handler.ts passes the real Kafka and Redis adapters. Both run exactly this stack.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DependencyUnavailableError, InvalidRequestError } from '../core/errors.ts';
import type { IdempotencyStore } from '../ports/idempotency-store.ts';
import type { MessageProducer } from '../ports/message-producer.ts';
import type { StatusStore } from '../ports/status-store.ts';
import { INGEST_ROUTES, type IngestOperationId, matchRoute } from '../shared/ingest-routes.ts';
import { IngestMetric } from '../shared/metric-names.ts';
import { publishMetrics } from '../shared/publish-metrics.ts';
import { errorToResponse, HttpProblemError, type HttpResponse, problems } from './http-errors.ts';
import { MAX_BODY_BYTES, routePathOf } from './http-request.ts';
import type { AuthSettings } from './ingest-config.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { getMessage, getOpenApi, postMessage, type RouteDeps } from './routes.ts';

/** Everything the ingest app is built from. */
export interface IngestAppDeps {
  readonly producer: MessageProducer;
  readonly idempotency: IdempotencyStore;
  readonly statuses: StatusStore;
  readonly topic: string;
  /** The high-priority lane's topic. @default topic (no lane) */
  readonly highPriorityTopic?: string;
  readonly auth: AuthSettings;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** @default MAX_BODY_BYTES (256 KiB) */
  readonly maxBodyBytes?: number;
  /** Waits before each retry of the `queued` status write. @default STATUS_RETRY_DELAYS_MS */
  readonly statusRetryDelaysMs?: readonly number[];
}

/** The ingest Lambda handler (API Gateway HTTP API, payload format 2.0). */
export type IngestHandler = MiddyfiedHandler<APIGatewayProxyEventV2, HttpResponse, Error, Context>;

type Route = (event: APIGatewayProxyEventV2, deps: RouteDeps, param: string) => Promise<HttpResponse>;

/** The handler of each route of the shared table (lambdas/shared/ingest-routes.ts). */
const HANDLERS: Readonly<Record<IngestOperationId, Route>> = {
  sendMessage: postMessage,
  getMessageStatus: getMessage,
  getOpenApiDocument: getOpenApi,
};

// Behind API Gateway only matching requests arrive (it answers the rest itself); the 404 and 405 here
// are for direct invocations.
function routeRequest(event: APIGatewayProxyEventV2, deps: RouteDeps): Promise<HttpResponse> {
  const path = routePathOf(event);
  const method = event.requestContext.http.method.toUpperCase();
  const found = matchRoute(INGEST_ROUTES, method, path);
  if (!found) {
    const allowed = INGEST_ROUTES.filter((route) => matchRoute([route], route.method, path));
    if (allowed.length === 0) throw problems.notFound();
    throw problems.methodNotAllowed(allowed.map((route) => route.method));
  }
  const param = Object.values(found.pathParameters)[0] ?? '';
  return HANDLERS[found.route.operationId](event, deps, decodePathParam(param));
}

function decodePathParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw problems.notFound();
  }
}

// Tags every log line with API Gateway's request id (what a client quotes from a 5xx body) and counts
// the request, so every invocation flushes at least one metric.
function correlate(logger: Logger, metrics: Metrics): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    before: (request) => {
      logger.setCorrelationId(request.event.requestContext.requestId);
      metrics.addMetric(IngestMetric.requests, MetricUnit.Count, 1);
    },
  };
}

// Maps every error to its response and logs the refusal once; registered last so it runs first on error.
function httpErrorHandler(
  logger: Logger,
  metrics: Metrics,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    onError: (request) => {
      const error = request.error;
      const response = errorToResponse(error, request.event.requestContext.requestId);
      if (response.statusCode >= 500) {
        const dependency = error instanceof DependencyUnavailableError ? error.dependency : undefined;
        logger.error('request failed', { statusCode: response.statusCode, dependency, error });
        metrics.addMetric(dependency ? IngestMetric.unavailable : IngestMetric.failed, MetricUnit.Count, 1);
      } else {
        const code = error instanceof HttpProblemError ? error.code : 'invalid_request';
        const issuePaths = error instanceof InvalidRequestError ? error.issues.map((i) => i.path) : undefined;
        logger.info('request refused', { statusCode: response.statusCode, code, issuePaths });
      }
      request.response = response;
    },
  };
}

/** Builds the ingest handler from its dependencies. */
export function createIngestApp(deps: IngestAppDeps): IngestHandler {
  let openApi: unknown;
  const routeDeps: RouteDeps = {
    ...deps,
    clock: deps.clock ?? (() => new Date()),
    maxBodyBytes: deps.maxBodyBytes ?? MAX_BODY_BYTES,
    openApiDocument: () => {
      openApi ??= buildOpenApiDocument();
      return openApi;
    },
  };
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, Context>()
    .use(
      injectLambdaContext(deps.logger, {
        // Why explicit: an event logged at info would put message bodies and recipients in the logs.
        logEvent: false,
        resetKeys: true,
      }),
    )
    .use(publishMetrics(deps.metrics))
    .use(correlate(deps.logger, deps.metrics))
    .use(httpErrorHandler(deps.logger, deps.metrics))
    .handler((event) => routeRequest(event, routeDeps));
}
