/**
 * Runtime component `receipts`: the local event bus (local/event-bus) with its PutEvents endpoint,
 * where the SES and SMS fakes publish their receipt events, and the receipts rules (the patterns CDK
 * deploys) invoking the receipts Lambda handler in this process, one event per invocation, with the
 * function timeout. The process environment is the function's configuration (set by the runtime), so
 * the handler reads it at cold start exactly as on Lambda. A failed invocation is retried with
 * backoff and then kept as a dead letter and logged (EventBridge: 185 attempts over 24 h, then the
 * target's dead-letter queue).
 */
import { pathToFileURL } from 'node:url';
import { LocalEventBus } from '../event-bus/event-bus.ts';
import { startEventBusServer } from '../event-bus/event-bus-server.ts';
import { addReceiptRules } from '../event-bus/receipts-rules.ts';
import { runComponent } from './component.ts';
import { type LambdaHandler, lambdaInvoker } from './lambda-invoker.ts';

/** Start configuration of the receipts component. */
export interface ReceiptsComponentConfig {
  /** The PutEvents port; 0 picks a free one (a restart keeps the first). */
  readonly port: number;
  readonly functionName: string;
  readonly memoryLimitInMB: number;
  /** Absolute path of the handler module (the receipts Lambda's handler.ts). */
  readonly handlerModule: string;
  readonly timeoutMs: number;
  /** Invocations of one event before it is a dead letter, and the first backoff (doubling). */
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
}

/** What the receipts component reports when ready. */
export interface ReceiptsComponentInfo {
  /** The PutEvents endpoint (the fakes' event bus URL). */
  readonly url: string;
  readonly port: number;
}

const log = (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) =>
  (level === 'info' ? console.log : console.error)(
    JSON.stringify({
      level: level.toUpperCase(),
      service: 'event-bus',
      timestamp: new Date().toISOString(),
      message,
      ...fields,
    }),
  );

runComponent<ReceiptsComponentConfig, ReceiptsComponentInfo>('receipts', async (config) => {
  const module = (await import(pathToFileURL(config.handlerModule).href)) as { handler: LambdaHandler };
  const bus = new LocalEventBus({ log });
  const invoke = lambdaInvoker(
    module.handler,
    { functionName: config.functionName, memoryLimitInMB: config.memoryLimitInMB },
    config.timeoutMs,
  );
  addReceiptRules(bus, invoke, { maxAttempts: config.maxAttempts, retryBaseMs: config.retryBaseMs });
  const server = await startEventBusServer(bus, config.port);
  return {
    info: { url: server.url, port: Number(new URL(server.url).port) },
    async stop() {
      await server.close();
      // Why bounded: an event still being retried must not hold the whole runtime's stop.
      await Promise.race([bus.drain(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
});
