/**
 * The Lambda invocation context and execution environment variables, as the Node.js managed runtime
 * provides them. Used by the API Gateway emulator (in-process ingest) and by the MSK event source
 * mapping's handler child process (dispatch).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Identity of one emulated function. */
export interface LambdaFunctionInfo {
  readonly functionName: string;
  /** @default 1024 */
  readonly memoryLimitInMB?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
}

/** Defaults shared by every emulated resource, written once. */
export const LocalAws = { region: 'us-east-1', accountId: '123456789012', memoryLimitInMB: 1024 } as const;

/** `arn:aws:lambda:<region>:<account>:function:<name>` */
export function functionArn(info: LambdaFunctionInfo): string {
  return `arn:aws:lambda:${info.region ?? LocalAws.region}:${info.accountId ?? LocalAws.accountId}:function:${info.functionName}`;
}

/** A log stream name in the runtime's format: `YYYY/MM/DD/[$LATEST]<32 hex>`. */
export function newLogStreamName(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/**
 * The environment variables Lambda sets for every execution environment (reserved names), merged
 * over the function's own configuration. Powertools reads several of them (function name, memory).
 */
export function lambdaEnvironment(info: LambdaFunctionInfo, logStreamName: string): Record<string, string> {
  const region = info.region ?? LocalAws.region;
  return {
    AWS_LAMBDA_FUNCTION_NAME: info.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(info.memoryLimitInMB ?? LocalAws.memoryLimitInMB),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${info.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    TZ: ':UTC',
  };
}

/** Builds the `context` argument of one invocation; the deadline is an epoch time in ms. */
export function createLambdaContext(
  info: LambdaFunctionInfo,
  options: { readonly deadlineMs: number; readonly awsRequestId?: string; readonly logStreamName: string },
): Context {
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is not supported by the Node.js 24 runtime; return or throw instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: info.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn(info),
    memoryLimitInMB: String(info.memoryLimitInMB ?? LocalAws.memoryLimitInMB),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${info.functionName}`,
    logStreamName: options.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, options.deadlineMs - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

/** The error document Lambda returns for a failed invocation (`Unhandled` function error). */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** Converts anything a handler threw into Lambda's error document. */
export function toLambdaError(error: unknown): LambdaErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: 'Error', errorMessage: String(error) };
}
