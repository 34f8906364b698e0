/**
 * Ingest Lambda entry point (API Gateway HTTP API, payload format 2.0). Work in progress: the real
 * wiring (Kafka producer, Redis stores, middy app) replaces this placeholder in the next commits.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Lambda handler: answers 503 until the ingest app is wired in. */
export async function handler(_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return {
    statusCode: 503,
    headers: { 'content-type': 'application/json', 'retry-after': '5' },
    body: JSON.stringify({ error: 'unavailable', message: 'ingest is not wired yet' }),
  };
}
