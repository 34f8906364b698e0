/**
 * Runs a scenario in a child process. Why: some scenarios load a Lambda handler.ts, which reads its
 * configuration from the process environment once and keeps its Kafka and Redis clients open for the
 * life of the "container"; a child process gives each its own environment and ends them cleanly.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScenarioContext } from './scenarios/scenario.ts';

/** Messages from bench/child-main.ts. */
export type ChildMessage =
  | { readonly kind: 'step'; readonly label: string }
  | { readonly kind: 'result'; readonly result: unknown }
  | { readonly kind: 'error'; readonly message: string };

/** What the child needs to rebuild the context. */
export interface ChildRequest {
  readonly module: string;
  readonly exportName: string;
  readonly context: Omit<ScenarioContext, 'step'>;
}

/** Runs `exportName` of `module` (path relative to bench/) in a child process and returns its result. */
export function runInChild<T>(module: string, exportName: string, ctx: ScenarioContext): Promise<T> {
  const { step, ...context } = ctx;
  const child = fork(fileURLToPath(new URL('./child-main.ts', import.meta.url)), [], {
    execArgv: ['--disable-warning=TimeoutNegativeWarning'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'step') step(message.label);
      else if (message.kind === 'result') {
        settled = true;
        resolve(message.result as T);
      } else {
        settled = true;
        reject(new Error(message.message));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!settled)
        reject(new Error(`${module} exited with ${signal ?? `code ${code}`} before reporting a result`));
    });
    child.send({ module, exportName, context } satisfies ChildRequest);
  });
}
