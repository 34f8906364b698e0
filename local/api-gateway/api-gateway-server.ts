/**
 * A local API Gateway HTTP API with one `$default` route integrated with a Lambda handler through a
 * proxy integration (payload format 2.0). The handler runs in this process, once per request, with a
 * Lambda-like context.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createLambdaContext, LocalAws, newLogStreamName } from '../runtime/lambda-context.ts';
import { buildEventV2 } from './event-builder.ts';
import { GatewayError, gatewayErrorResponse, type HttpResponse, mapResultV2 } from './result-mapper.ts';

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
        const event = buildEventV2(
          {
            method: request.method ?? 'GET',
            url: request.url ?? '/',
            httpVersion: request.httpVersion,
            rawHeaders: request.rawHeaders,
            sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
            localPort: request.socket.localPort ?? 0,
            body,
          },
          { apiId: options.apiId ?? 'local', accountId: LocalAws.accountId, requestId, timeEpochMs },
        );
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
