/**
 * The OpenAPI 3.1 document of the ingest API, generated from the zod schemas that validate requests
 * (request-schema.ts) and the shared route table (shared/ingest-routes.ts), never written by hand.
 * Served at GET /v1/openapi.json and written to docs/openapi.json by cli/write-openapi.ts. It says
 * what each auth mode answers: in AWS (IAM) API Gateway itself refuses unsigned or badly signed
 * requests (403) and unknown routes (404) with `{"message": ...}`; locally (bearer tokens) the API
 * answers 401, and the emulator answers unknown routes exactly as API Gateway does.
 */
import { z } from 'zod';
import { INGEST_ROUTES, type IngestOperationId } from '../shared/ingest-routes.ts';
import { MAX_BODY_BYTES } from './http-request.ts';
import { apiSchemas, idempotencyKey, requestIdSchema } from './request-schema.ts';

type JsonObject = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const jsonContent = (id: string) => ({ content: { 'application/json': { schema: ref(id) } } });
const problem = (description: string, headers?: JsonObject) => ({
  description,
  ...(headers ? { headers } : {}),
  ...jsonContent('Error'),
});
const gatewayRefusal = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('GatewayError') } },
});
/** What every route may answer besides its own responses, by auth mode. */
const authResponses = {
  '401': problem(
    'Token mode (local runtime): missing or unknown bearer token (`WWW-Authenticate: Bearer`). Never in AWS.',
  ),
  '403': gatewayRefusal(
    'IAM mode (AWS): answered by API Gateway, not the API: `{"message":"Forbidden"}` for an unsigned request, ' +
      'another message for an invalid signature or an unknown access key. The local emulator answers the same ' +
      'when started with IAM callers.',
  ),
};
const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } };

function componentSchemas(): JsonObject {
  // Why io 'input': the document describes what clients send (a defaulted field is optional).
  const { schemas } = z.toJSONSchema(apiSchemas, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
      return [id, rest];
    }),
  );
}

function parameterSchema(schema: z.ZodType): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema) as JsonObject;
  return rest;
}

const keyDescription =
  'Makes retries safe (Stripe-style). A repeat within the idempotency window (default 24 h) returns the ' +
  'stored response with `Idempotent-Replayed: true` and sends nothing again; the same key with a different ' +
  'body is refused (422); a repeat while the first call is still being accepted gets 409. WITHOUT this ' +
  'header every call is a new request: a retried call sends every message again. Always send it.';

const postMessages = {
  operationId: 'sendMessage',
  summary: 'Send one message to up to 100 recipients',
  parameters: [
    {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: keyDescription,
      schema: parameterSchema(idempotencyKey),
    },
  ],
  requestBody: { required: true, ...jsonContent('SendMessageRequest') },
  responses: {
    '202': {
      description:
        'Accepted: every delivery is durably queued. Replays carry `Idempotent-Replayed: true` and the stored body.',
      headers: { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } } },
      ...jsonContent('SendMessageAccepted'),
    },
    '400': problem('Invalid request; `issues` names each field path, e.g. `recipients[3]`'),
    ...authResponses,
    '409': problem(
      'A request with this Idempotency-Key is still being accepted; retry after Retry-After',
      retryAfter,
    ),
    '413': problem(`Body larger than ${MAX_BODY_BYTES} bytes`),
    '415': problem('Body is not application/json'),
    '422': problem('This Idempotency-Key was used with a different body'),
    '503': problem(
      'Not accepted (Kafka or Redis unavailable); retry with the same Idempotency-Key',
      retryAfter,
    ),
  },
};

const getMessage = {
  operationId: 'getMessageStatus',
  summary: 'Per-recipient delivery status of a request',
  parameters: [{ name: 'requestId', in: 'path', required: true, schema: parameterSchema(requestIdSchema) }],
  responses: {
    '200': { description: 'Statuses and counts', ...jsonContent('MessageStatus') },
    ...authResponses,
    '404': problem('Unknown request id, or a request of another client'),
  },
};

const getOpenApiDocument = {
  operationId: 'getOpenApiDocument',
  summary: 'This document',
  description: 'IAM mode (AWS): signed like every route. Token mode (local): needs no token.',
  security: [{ sigv4: [] }, {}],
  responses: {
    '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': {} } },
    '403': authResponses['403'],
  },
};

const OPERATIONS: Readonly<Record<IngestOperationId, JsonObject>> = {
  sendMessage: postMessages,
  getMessageStatus: getMessage,
  getOpenApiDocument,
};

function paths(): JsonObject {
  const byPath: Record<string, JsonObject> = {};
  for (const route of INGEST_ROUTES) {
    byPath[route.path] = {
      ...byPath[route.path],
      [route.method.toLowerCase()]: OPERATIONS[route.operationId],
    };
  }
  return byPath;
}

/** Builds the OpenAPI 3.1 document. */
export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald ingest API',
      version: '1.0.0',
      description:
        'Send SMS, push and e-mail messages to up to 100 recipients per call; each recipient gets it exactly ' +
        'once. Send an Idempotency-Key with every POST so that retries are safe.\n\n' +
        'Two auth modes. IAM (AWS): sign every request with SigV4 (service `execute-api`); API Gateway answers ' +
        'an unsigned or badly signed request itself with 403 and a `{"message": ...}` body, before the API runs. ' +
        'Token (local runtime): `Authorization: Bearer <token>`; the API answers 401 without a known token.\n\n' +
        'In both modes a method or path no route below names gets 404 `{"message":"Not Found"}` from the ' +
        'gateway (API Gateway, or the local emulator, which matches routes the same way): a trailing slash, ' +
        'HEAD and OPTIONS match nothing.',
    },
    security: [{ sigv4: [] }, { bearer: [] }],
    paths: paths(),
    components: {
      schemas: {
        ...componentSchemas(),
        GatewayError: {
          type: 'object',
          description: 'A refusal by API Gateway itself (or the local emulator), not by the API',
          properties: { message: { type: 'string', examples: ['Forbidden', 'Not Found'] } },
          required: ['message'],
        },
      },
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (IAM); the caller IAM principal is the client id',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Local runtime: tokens from HERALD_API_TOKENS',
        },
      },
    },
  };
}
