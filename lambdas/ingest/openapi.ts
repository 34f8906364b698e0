/**
 * The OpenAPI 3.1 document of the ingest API, generated from the zod schemas that validate requests
 * (request-schema.ts), never written by hand. Served at GET /v1/openapi.json and written to
 * docs/openapi.json by cli/write-openapi.ts.
 */
import { z } from 'zod';
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
    '401': problem('Missing or unknown credentials'),
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
    '401': problem('Missing or unknown credentials'),
    '404': problem('Unknown request id, or a request of another client'),
  },
};

/** Builds the OpenAPI 3.1 document. */
export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald ingest API',
      version: '1.0.0',
      description:
        'Send SMS, push and e-mail messages to up to 100 recipients per call; each recipient gets it exactly ' +
        'once. Send an Idempotency-Key with every POST so that retries are safe.',
    },
    security: [{ sigv4: [] }, { bearer: [] }],
    paths: {
      '/v1/messages': { post: postMessages },
      '/v1/messages/{requestId}': { get: getMessage },
      '/v1/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': {} } } },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
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
