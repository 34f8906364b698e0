/**
 * One execution environment of an emulated Lambda function: a child process that runs one invocation
 * at a time, with the function timeout. As on Lambda, a timed-out, crashed or killed invocation is a
 * failed invocation (the event source mapping retries its batch) and the environment is discarded;
 * the function process (function-process.ts) starts a fresh one for the next invocation.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  type LambdaErrorPayload,
  type LambdaFunctionInfo,
  lambdaEnvironment,
  newLogStreamName,
} from '../runtime/lambda-context.ts';
import type { EsmLog, InvocationOutcome } from './batch-coordinator.ts';
import type { ChildMessage } from './function-child.ts';

/** The function to run. */
export interface ExecutionEnvironmentOptions extends LambdaFunctionInfo {
  /** Absolute path of the handler module. */
  readonly modulePath: string;
  /** @default 'handler' */
  readonly exportName?: string;
  readonly timeoutMs: number;
  /** The function's configured environment variables. */
  readonly environment: Readonly<Record<string, string>>;
  /** Called with each new execution environment's pid. */
  readonly onSpawn?: (pid: number) => void;
  /** Called with an execution environment's pid when it has ended. */
  readonly onExit?: (pid: number) => void;
  readonly log: EsmLog;
}

const CHILD = fileURLToPath(new URL('./function-child.ts', import.meta.url));

/** A function's execution environment, started on demand, restarted after a runtime failure. */
export class ExecutionEnvironment {
  private readonly options: ExecutionEnvironmentOptions;
  private child: ChildProcess | undefined;
  private ready: Promise<LambdaErrorPayload | undefined> | undefined;
  private isBusy = false;

  constructor(options: ExecutionEnvironmentOptions) {
    this.options = options;
  }

  /** True while an invocation runs. */
  get isInvoking(): boolean {
    return this.isBusy;
  }

  /** Pid of the current execution environment. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Invokes the function with `event`; never throws. */
  async invoke(event: unknown): Promise<InvocationOutcome> {
    if (this.isBusy) throw new Error('one invocation at a time');
    this.isBusy = true;
    try {
      const initError = await this.start();
      if (initError) {
        await this.stop();
        return { kind: 'error', error: initError };
      }
      const outcome = await this.run(
        this.child as ChildProcess,
        randomUUID(),
        event,
        Date.now() + this.options.timeoutMs,
      );
      // A timeout or a runtime failure discards the environment; a function error keeps it warm.
      if (outcome.kind === 'error' && /^(Runtime\.|Sandbox\.)/.test(outcome.error.errorType))
        await this.stop();
      return outcome;
    } finally {
      this.isBusy = false;
    }
  }

  /** Ends the execution environment (SIGKILL: an invocation in progress fails). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  private start(): Promise<LambdaErrorPayload | undefined> {
    if (this.child && this.pid !== undefined && this.ready) return this.ready;
    const logStreamName = newLogStreamName();
    const child = fork(CHILD, [], {
      env: {
        PATH: process.env.PATH ?? '',
        ...this.options.environment,
        ...lambdaEnvironment(this.options, logStreamName),
        HERALD_FUNCTION_MODULE: this.options.modulePath,
        HERALD_FUNCTION_EXPORT: this.options.exportName ?? 'handler',
      },
      execArgv: ['--disable-warning=TimeoutNegativeWarning'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    if (child.pid !== undefined) this.options.onSpawn?.(child.pid);
    this.options.log('info', 'function execution environment started', {
      pid: child.pid,
      function: this.options.functionName,
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.ready = undefined;
      if (child.pid !== undefined) this.options.onExit?.(child.pid);
      this.options.log(
        signal === 'SIGKILL' || code !== 0 ? 'warn' : 'info',
        'function execution environment ended',
        { pid: child.pid, code, signal },
      );
    });
    this.ready = new Promise((resolve) => {
      // Why at least 10 s: Lambda's init phase limit.
      const timer = setTimeout(
        () => {
          finish({ errorType: 'Runtime.InitTimeout', errorMessage: 'init did not complete in time' });
          child.kill('SIGKILL');
        },
        Math.max(10_000, this.options.timeoutMs),
      );
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'ready') finish(undefined);
        if (message.type === 'init-error') finish(message.error);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        finish({
          errorType: 'Runtime.ExitError',
          errorMessage: `Runtime exited during init with ${signal ? `signal: ${signal}` : `exit code: ${code}`}`,
        });
      const finish = (error: LambdaErrorPayload | undefined) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(error);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return this.ready;
  }

  private run(
    child: ChildProcess,
    id: string,
    event: unknown,
    deadlineMs: number,
  ): Promise<InvocationOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          finish({
            kind: 'error',
            error: {
              errorType: 'Sandbox.Timedout',
              errorMessage: `${id} Task timed out after ${(this.options.timeoutMs / 1000).toFixed(2)} seconds`,
            },
          });
          // Why kill: Lambda freezes and then discards a timed-out environment.
          child.kill('SIGKILL');
        },
        Math.max(0, deadlineMs - Date.now()),
      );
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'result' && message.id === id)
          finish({ kind: 'success', payload: message.payload });
        if (message.type === 'error' && message.id === id) finish({ kind: 'error', error: message.error });
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        finish({
          kind: 'error',
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${id} Error: Runtime exited with ${signal ? `signal: ${signal}` : `error: exit status ${code}`}`,
          },
        });
      const finish = (outcome: InvocationOutcome) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(outcome);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ type: 'invoke', id, event, deadlineMs }, (error) => {
        if (error)
          finish({
            kind: 'error',
            error: {
              errorType: 'Runtime.ExitError',
              errorMessage: `could not reach the execution environment: ${error.message}`,
            },
          });
      });
    });
  }
}
