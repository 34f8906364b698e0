/**
 * Runs an emulated Lambda function and invokes it synchronously with the function timeout, several
 * invocations at once. As on Lambda, each concurrent invocation gets its own execution environment
 * (execution-environment.ts: one child process, one invocation at a time): an idle warm environment
 * is reused, otherwise a new one cold-starts. Why one process per in-flight invocation rather than one
 * process taking several: the handler's module state (clients, caches, the in-flight bound of one
 * invocation) is per environment on Lambda, a crash or timeout fails only the invocation that caused
 * it, and a timed-out environment can be killed without touching the others. The number of
 * environments is bounded by the caller: the event source mapping keeps one batch in flight per
 * partition.
 */
import type { InvocationOutcome } from './batch-coordinator.ts';
import { ExecutionEnvironment, type ExecutionEnvironmentOptions } from './execution-environment.ts';

/** The function to run. */
export type FunctionProcessOptions = ExecutionEnvironmentOptions;

/** A function's execution environments, started on demand. */
export class FunctionProcess {
  private readonly options: FunctionProcessOptions;
  /** Warm environments without an invocation, most recently used last (reused first). */
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly busy = new Set<ExecutionEnvironment>();
  private lastUsed: ExecutionEnvironment | undefined;

  constructor(options: FunctionProcessOptions) {
    this.options = options;
  }

  /** Pid of the most recently used live execution environment. */
  get pid(): number | undefined {
    if (this.lastUsed?.pid !== undefined) return this.lastUsed.pid;
    return [...this.idle, ...this.busy]
      .map((environment) => environment.pid)
      .find((pid) => pid !== undefined);
  }

  /** Pids of every live execution environment. */
  get pids(): number[] {
    return [...this.idle, ...this.busy]
      .map((environment) => environment.pid)
      .filter((pid): pid is number => pid !== undefined);
  }

  /** Invokes the function with `event` in an idle environment, or a new one; never throws. */
  async invoke(event: unknown): Promise<InvocationOutcome> {
    const environment = this.idle.pop() ?? new ExecutionEnvironment(this.options);
    this.busy.add(environment);
    try {
      return await environment.invoke(event);
    } finally {
      this.busy.delete(environment);
      this.lastUsed = environment;
      // A failed environment restarts at its next invocation (a cold start), so it stays in the pool.
      this.idle.push(environment);
    }
  }

  /** Ends every execution environment (SIGKILL: invocations in progress fail). */
  async stop(): Promise<void> {
    const all = [...this.idle, ...this.busy];
    await Promise.all(all.map((environment) => environment.stop()));
  }
}
