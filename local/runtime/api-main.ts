/**
 * Runtime component `api`: the API Gateway emulator with the ingest Lambda handler running in this
 * process. The process environment is the function's configuration (set by the runtime), so the
 * handler reads it at cold start exactly as it would on Lambda.
 */
import { pathToFileURL } from 'node:url';
import { INGEST_ROUTES } from '../../lambdas/shared/ingest-routes.ts';
import { type HttpApiHandler, startApiGateway } from '../api-gateway/api-gateway-server.ts';
import { runComponent } from './component.ts';

/** Start configuration of the api component. */
export interface ApiComponentConfig {
  readonly host: string;
  readonly port: number;
  readonly functionName: string;
  readonly memoryLimitInMB: number;
  /** Absolute path of the handler module (the ingest Lambda's handler.ts). */
  readonly handlerModule: string;
  /** The Lambda function timeout (the gateway's own integration timeout stays 30 s). */
  readonly functionTimeoutMs: number;
}

/** What the api component reports when ready. */
export interface ApiComponentInfo {
  readonly url: string;
  readonly port: number;
}

runComponent<ApiComponentConfig, ApiComponentInfo>('api', async (config) => {
  const module = (await import(pathToFileURL(config.handlerModule).href)) as { handler: HttpApiHandler };
  const gateway = await startApiGateway({
    handler: module.handler,
    // The deployed API's explicit routes: unknown paths and methods get the gateway's own 404 here too.
    routes: INGEST_ROUTES,
    host: config.host,
    port: config.port,
    functionName: config.functionName,
    memoryLimitInMB: config.memoryLimitInMB,
    functionTimeoutMs: config.functionTimeoutMs,
    onHandlerError: (error, requestId) =>
      console.error(
        JSON.stringify({
          level: 'ERROR',
          service: 'api-gateway',
          message: 'integration failed: 500',
          requestId,
          error: String(error),
        }),
      ),
  });
  return { info: { url: gateway.url, port: gateway.port }, stop: () => gateway.close() };
});
