/**
 * A local API Gateway HTTP API whose routes (by default one `$default` route) are integrated with a
 * Lambda handler through a proxy integration (payload format 2.0). The handler runs in this process,
 * once per request, with a Lambda-like context. Like API Gateway, the emulator itself answers a
 * request no route matches (404 `{"message":"Not Found"}`) and, in IAM mode, a request without a
 * valid SigV4 signature (403); the handler never sees either (lambdas/shared/ingest-routes.ts).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type ApiRoute, matchRoute, routeKeyOf } from '../../lambdas/shared/ingest-routes.ts';
import { createLambdaContext, LocalAws, newLogStreamName } from '../runtime/lambda-context.ts';
import { buildEventV2, type IamCaller } from './event-builder.ts';
import { GatewayError, gatewayErrorResponse, type HttpResponse, mapResultV2 } from './result-mapper.ts';
import { type AwsCredentials, parseAuthorization, verifySignature } from './sigv4.ts';

/** A Lambda handler for HTTP API events. */
export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** How to run the emulator. */
export interface ApiGatewayOptions {
  readonly handler: HttpApiHandler;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 3000 */
  readonly port?: number;
  /** @default 'local' */
  readonly apiId?: string;
  /** @default 'herald-ingest' */
  readonly functionName?: string;
  /** Reported in the Lambda context. @default 1024 */
  readonly memoryLimitInMB?: number;
  /** Why 30 s: the HTTP API integration timeout; past it the gateway answers 503. @default 30_000 */
  readonly integrationTimeoutMs?: number;
  /**
   * The function's own timeout; past it the invocation fails and the gateway answers 500. The handler
   * runs in this process, so it is abandoned, not frozen. @default no function timeout
   */
  readonly functionTimeoutMs?: number;
  /** Why 10 MB: the HTTP API payload quota. @default 10 * 1024 * 1024 */
  readonly maxPayloadBytes?: number;
  /** Called with what the handler threw (the client only sees 500). */
  readonly onHandlerError?: (error: unknown, requestId: string) => void;
  /** The API's routes, matched as API Gateway does. @default one `$default` route */
  readonly routes?: readonly ApiRoute[];
  /** IAM authorization on every route (SigV4 verified with these callers' keys). @default none */
  readonly iam?: IamAuthorization;
}

/** A caller the emulator's IAM mode knows: its key pair and the principal API Gateway reports. */
export interface IamCallerCredentials extends AwsCredentials {
  readonly userArn: string;
}

/** The emulator's stand-in for IAM: the callers whose signatures it accepts (any region). */
export interface IamAuthorization {
  readonly callers: readonly IamCallerCredentials[];
}

type Admission =
  | { readonly response: HttpResponse }
  | {
      readonly routeKey: string;
      readonly pathParameters: Record<string, string>;
      readonly caller?: IamCaller;
    };

/** Route selection, then authorization, in API Gateway's order; a refusal is the gateway's own answer. */
async function admit(
  options: ApiGatewayOptions,
  request: IncomingMessage,
  body: Buffer,
  path: string,
): Promise<Admission> {
  let routeKey = '$default';
  let pathParameters: Record<string, string> = {};
  if (options.routes) {
    const match = matchRoute(options.routes, request.method ?? 'GET', path);
    if (!match) return { response: gatewayErrorResponse(GatewayError.notFound) };
    routeKey = routeKeyOf(match.route);
    pathParameters = { ...match.pathParameters };
  }
  if (!options.iam) return { routeKey, pathParameters };
  const headers = headersOf(request);
  const claims = parseAuthorization(headers.authorization);
  if (!claims) return { response: gatewayErrorResponse(GatewayError.forbidden) };
  const caller = options.iam.callers.find((known) => known.accessKeyId === claims.accessKeyId);
  if (!caller) return { response: gatewayErrorResponse(GatewayError.unknownAccessKey) };
  const url = new URL(request.url ?? '/', `http://${headers.host ?? '127.0.0.1'}`);
  const isValid = await verifySignature(
    { method: request.method ?? 'GET', url, headers, body },
    claims,
    caller,
  );
  if (!isValid) return { response: gatewayErrorResponse(GatewayError.badSignature) };
  const accountId = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(caller.userArn)?.[1] ?? LocalAws.accountId;
  return {
    routeKey,
    pathParameters,
    caller: { accessKey: caller.accessKeyId, accountId, userArn: caller.userArn, userId: caller.accessKeyId },
  };
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] as string).toLowerCase();
    const value = request.rawHeaders[i + 1] as string;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/** A running emulator. */
export interface ApiGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** An HTTP API request id looks like `JKJaXmPLvHcESHA=`. */
function newRequestId(): string {
  return randomBytes(11).toString('base64');
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function writeResponse(
  response: ServerResponse,
  result: HttpResponse,
  requestId: string,
  close = false,
): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of result.headers) {
    const existing = headers[name];
    headers[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  headers['content-length'] = String(result.body.length);
  headers['apigw-requestid'] = requestId;
  if (close) headers.connection = 'close';
  response.writeHead(result.statusCode, headers);
  response.end(result.body);
}

async function invoke(
  options: ApiGatewayOptions,
  event: APIGatewayProxyEventV2,
  requestId: string,
): Promise<HttpResponse> {
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 30_000;
  const functionTimeoutMs = Math.min(
    options.functionTimeoutMs ?? Number.POSITIVE_INFINITY,
    integrationTimeoutMs,
  );
  const context = createLambdaContext(
    {
      functionName: options.functionName ?? 'herald-ingest',
      ...(options.memoryLimitInMB ? { memoryLimitInMB: options.memoryLimitInMB } : {}),
    },
    { deadlineMs: Date.now() + functionTimeoutMs, logStreamName: newLogStreamName() },
  );
  const timers: NodeJS.Timeout[] = [];
  const after = <T>(ms: number, value: T) =>
    new Promise<T>((resolve) => timers.push(setTimeout(() => resolve(value), ms)));
  try {
    // The round trip through JSON is what Lambda does to every result.
    const result = options
      .handler(event, context)
      .then((r) => ({ value: JSON.parse(JSON.stringify(r ?? null)) as unknown }));
    const deadlines = [after(integrationTimeoutMs, 'integration-timeout' as const)];
    const functionDeadline =
      functionTimeoutMs < integrationTimeoutMs ? [after(functionTimeoutMs, 'function-timeout' as const)] : [];
    const outcome = await Promise.race([result, ...functionDeadline, ...deadlines]);
    if (outcome === 'integration-timeout') return gatewayErrorResponse(GatewayError.unavailable);
    if (outcome === 'function-timeout') {
      options.onHandlerError?.(
        new Error(`Task timed out after ${(functionTimeoutMs / 1000).toFixed(2)} seconds`),
        requestId,
      );
      return gatewayErrorResponse(GatewayError.internal);
    }
    return mapResultV2(outcome.value);
  } catch (error) {
    options.onHandlerError?.(error, requestId);
    return gatewayErrorResponse(GatewayError.internal);
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}

/** The decoded path of a request target (what API Gateway routes on). */
function pathOf(url: string): string {
  const raw = url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Starts the emulator; resolves once it listens. */
export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGateway> {
  const maxPayloadBytes = options.maxPayloadBytes ?? 10 * 1024 * 1024;
  const server = createServer((request, response) => {
    const requestId = newRequestId();
    const timeEpochMs = Date.now();
    void readBody(request, maxPayloadBytes)
      .then(async (body) => {
        if (body === undefined) {
          // Why close: the rest of an oversized body is never read.
          writeResponse(response, gatewayErrorResponse(GatewayError.tooLarge), requestId, true);
          request.resume();
          return;
        }
        const info = {
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          httpVersion: request.httpVersion,
          rawHeaders: request.rawHeaders,
          sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
          localPort: request.socket.localPort ?? 0,
          body,
        };
        const admission = await admit(options, request, body, pathOf(info.url));
        if ('response' in admission) {
          writeResponse(response, admission.response, requestId);
          return;
        }
        const event = buildEventV2(info, {
          apiId: options.apiId ?? 'local',
          accountId: LocalAws.accountId,
          requestId,
          timeEpochMs,
          routeKey: admission.routeKey,
          pathParameters: admission.pathParameters,
          ...(admission.caller ? { iamCaller: admission.caller } : {}),
        });
        writeResponse(response, await invoke(options, event, requestId), requestId);
      })
      .catch((error: unknown) => {
        options.onHandlerError?.(error, requestId);
        if (!response.headersSent)
          writeResponse(response, gatewayErrorResponse(GatewayError.internal), requestId);
      });
  });
  server.listen(options.port ?? 3000, options.host ?? '127.0.0.1');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error)),
  ]);
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
