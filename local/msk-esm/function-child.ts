/**
 * The execution environment of an emulated Lambda function: a child process that imports the handler
 * module once (the init phase), then runs one invocation at a time on request of its parent (see
 * function-process.ts). The environment variables are the function's configuration plus Lambda's
 * reserved ones, set by the parent.
 */
import { pathToFileURL } from 'node:url';
import { createLambdaContext, type LambdaErrorPayload, toLambdaError } from '../runtime/lambda-context.ts';

/** Parent → child. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: string;
  readonly event: unknown;
  readonly deadlineMs: number;
}

/** Child → parent. */
export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: LambdaErrorPayload }
  | { readonly type: 'result'; readonly id: string; readonly payload: unknown }
  | { readonly type: 'error'; readonly id: string; readonly error: LambdaErrorPayload };

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

let current: string | undefined;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function failAndExit(errorType: string, error: unknown): Promise<void> {
  const payload = { ...toLambdaError(error), errorType };
  await (current
    ? send({ type: 'error', id: current, error: payload })
    : send({ type: 'init-error', error: payload }));
  process.exit(1);
}

// As in Lambda's Node.js runtime: an unhandled rejection fails the invocation and ends the environment.
process.on('unhandledRejection', (reason) => void failAndExit('Runtime.UnhandledPromiseRejection', reason));
process.on('uncaughtException', (error) => void failAndExit('Runtime.UncaughtException', error));
// The parent's IPC channel closing means the mapping stopped: end with it.
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the runtime ends this environment itself, in order.
process.on('SIGINT', () => undefined);

async function main(): Promise<void> {
  const modulePath = process.env.HERALD_FUNCTION_MODULE ?? '';
  const exportName = process.env.HERALD_FUNCTION_EXPORT || 'handler';
  let handler: Handler;
  try {
    const module = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
    if (typeof module[exportName] !== 'function')
      throw new Error(`${modulePath} does not export a function named ${exportName}`);
    handler = module[exportName] as Handler;
  } catch (error) {
    // As the Node.js runtime reports init failures: missing module, syntax error, or the error itself.
    const code = (error as NodeJS.ErrnoException).code;
    const errorType =
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
        ? 'Runtime.ImportModuleError'
        : error instanceof SyntaxError
          ? 'Runtime.UserCodeSyntaxError'
          : toLambdaError(error).errorType;
    return failAndExit(errorType, error);
  }
  const info = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function',
    memoryLimitInMB: Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || 1024,
  };
  process.on('message', (message: InvokeMessage) => {
    if (message.type !== 'invoke') return;
    current = message.id;
    const context = createLambdaContext(info, {
      deadlineMs: message.deadlineMs,
      awsRequestId: message.id,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
    });
    Promise.resolve()
      .then(() => handler(message.event, context))
      // Lambda serialises the result to JSON: undefined becomes null.
      .then((result) =>
        send({ type: 'result', id: message.id, payload: JSON.parse(JSON.stringify(result ?? null)) }),
      )
      .catch((error: unknown) => send({ type: 'error', id: message.id, error: toLambdaError(error) }))
      .finally(() => {
        current = undefined;
      });
  });
  await send({ type: 'ready' });
}

void main();
