/**
 * Builds API Gateway HTTP API (payload 2.0) events for the ingest tests from the committed AWS
 * sample (test/fixtures/apigw-v2-event.json), changing only what a test needs.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

const fixture = JSON.parse(
  readFileSync(new URL('../../../fixtures/apigw-v2-event.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEventV2;

/** What a test may change in the sample event. */
export interface ApiEventOptions {
  readonly method?: string;
  readonly path?: string;
  /** A value to send as JSON, or a raw string body (sent as-is). */
  readonly body?: unknown;
  /** Headers to set (lower-cased like API Gateway); `undefined` removes one. */
  readonly headers?: Record<string, string | undefined>;
  /** The caller's IAM principal ARN; `null` removes the IAM authorizer context. */
  readonly principalArn?: string | null;
  readonly isBase64Encoded?: boolean;
  /** API Gateway's per-call id; random by default, like the real one. */
  readonly gatewayRequestId?: string;
  readonly stage?: string;
}

/** A valid SMS request body. */
export const smsBody = (recipients: readonly string[] = ['+821012345678'], text = 'Your code is 123456') => ({
  channel: 'sms',
  recipients,
  content: { body: text },
});

/** An API Gateway v2 event built from the AWS sample. */
export function apiEvent(options: ApiEventOptions = {}): APIGatewayProxyEventV2 {
  const event = structuredClone(fixture) as APIGatewayProxyEventV2 & {
    requestContext: { authorizer?: { iam?: { userArn?: string } } };
  };
  const method = options.method ?? 'POST';
  const path = options.path ?? '/v1/messages';
  const stagePrefix = options.stage && options.stage !== '$default' ? `/${options.stage}` : '';
  event.rawPath = `${stagePrefix}${path}`;
  event.requestContext.http.method = method;
  event.requestContext.http.path = event.rawPath;
  event.requestContext.stage = options.stage ?? '$default';
  event.requestContext.requestId = options.gatewayRequestId ?? randomBytes(10).toString('base64');
  if (options.principalArn === null) delete event.requestContext.authorizer;
  else if (options.principalArn !== undefined && event.requestContext.authorizer?.iam) {
    event.requestContext.authorizer.iam.userArn = options.principalArn;
  }
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  if (body === undefined) delete event.body;
  else event.body = options.isBase64Encoded ? Buffer.from(body, 'utf8').toString('base64') : body;
  event.isBase64Encoded = options.isBase64Encoded ?? false;
  const headers: Record<string, string | undefined> = { ...event.headers, ...options.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(event.body ?? ''));
  else delete headers['content-length'];
  event.headers = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return event;
}

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'herald-ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:ap-northeast-2:123456789012:function:herald-ingest',
    memoryLimitInMB: '512',
    awsRequestId: randomBytes(16).toString('hex'),
    logGroupName: '/aws/lambda/herald-ingest',
    logStreamName: '2026/11/25/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
