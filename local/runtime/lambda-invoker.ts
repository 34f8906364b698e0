/**
 * Invokes a Lambda handler in this process as Lambda would (the API Gateway emulator does the same for
 * ingest): a fresh context per invocation with the function timeout as deadline; a handler that
 * outlives it fails the invocation ("Task timed out after N seconds").
 */
import { createLambdaContext, type LambdaFunctionInfo, newLogStreamName } from './lambda-context.ts';

/** A Lambda handler module's export. */
export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

/** Invokes `handler` as Lambda would: a fresh context with the deadline; a timeout fails the call. */
export function lambdaInvoker(
  handler: LambdaHandler,
  info: LambdaFunctionInfo,
  timeoutMs: number,
): (event: unknown) => Promise<unknown> {
  const logStreamName = newLogStreamName();
  return async (event) => {
    const context = createLambdaContext(info, { deadlineMs: Date.now() + timeoutMs, logStreamName });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([handler(event, context), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
}
