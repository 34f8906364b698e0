/**
 * Runtime component `callbacks`: the EventBridge schedule of the callbacks Lambda (lib/callbacks.ts:
 * every minute, reserved concurrency 1) invoking its handler in this process with a Scheduled Event
 * and the function timeout as deadline. As with reserved concurrency 1, a tick that comes while the
 * previous run still goes is skipped. The process environment is the function's configuration.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { runComponent } from './component.ts';
import { LocalAws } from './lambda-context.ts';
import { type LambdaHandler, lambdaInvoker } from './lambda-invoker.ts';

/** Start configuration of the callbacks component. */
export interface CallbacksComponentConfig {
  readonly functionName: string;
  readonly memoryLimitInMB: number;
  /** Absolute path of the handler module (the callbacks Lambda's handler.ts). */
  readonly handlerModule: string;
  readonly timeoutMs: number;
  /** The schedule's rate. */
  readonly intervalMs: number;
}

/** What the callbacks component reports when ready. */
export interface CallbacksComponentInfo {
  readonly intervalMs: number;
}

const log = (level: 'INFO' | 'ERROR', message: string, fields: Record<string, unknown>) =>
  (level === 'INFO' ? console.log : console.error)(
    JSON.stringify({
      level,
      service: 'event-schedule',
      timestamp: new Date().toISOString(),
      message,
      ...fields,
    }),
  );

/** The event an EventBridge schedule sends its target. */
function scheduledEvent(ruleName: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LocalAws.accountId,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LocalAws.region,
    resources: [`arn:aws:events:${LocalAws.region}:${LocalAws.accountId}:rule/${ruleName}`],
    detail: {},
  };
}

runComponent<CallbacksComponentConfig, CallbacksComponentInfo>('callbacks', async (config) => {
  const module = (await import(pathToFileURL(config.handlerModule).href)) as { handler: LambdaHandler };
  const invoke = lambdaInvoker(
    module.handler,
    { functionName: config.functionName, memoryLimitInMB: config.memoryLimitInMB },
    config.timeoutMs,
  );
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = invoke(scheduledEvent(`${config.functionName}-schedule`))
      .then((result) => {
        const counts = result as {
          delivered?: number;
          retried?: number;
          abandoned?: number;
          unknown?: number;
        };
        if (counts.delivered || counts.retried || counts.abandoned || counts.unknown)
          log('INFO', 'scheduled run', { function: config.functionName, ...counts });
      })
      .catch((error: unknown) =>
        log('ERROR', 'scheduled run failed', { function: config.functionName, error: String(error) }),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, config.intervalMs);
  return {
    info: { intervalMs: config.intervalMs },
    async stop() {
      // Why not wait for a run in progress: the callbacks it took stay leased and fall due again.
      clearInterval(timer);
    },
  };
});
