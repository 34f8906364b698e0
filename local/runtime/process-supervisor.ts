/**
 * Runs one runtime component (api, dispatcher, vendors) as a child Node process: sends it its start
 * configuration over IPC, writes its pid file, waits for its `ready` message, restarts it with backoff
 * when it dies unexpectedly, and stops it with SIGTERM (SIGKILL after a grace period).
 *
 * Each component runs in its own process group, so a Ctrl-C or a hang-up of the terminal reaches only
 * the runtime, which stops the components in order; a component whose parent goes stops by itself
 * (component.ts). A runtime stops several components one after the other: `shutdown`, shared by all of
 * them and aborted first, keeps the ones not yet stopped from being restarted meanwhile.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** First message a component sends once it serves; `info` is what the parent needs to know. */
export interface ReadyMessage<T> {
  readonly type: 'ready';
  readonly info: T;
}

/** What the parent sends a component to start it. */
export interface StartMessage<C> {
  readonly type: 'start';
  readonly config: C;
}

/** The environment and start configuration of one launch of a component. */
export interface Launch {
  readonly env: Readonly<Record<string, string>>;
  readonly config: unknown;
}

/** How to run a component. */
export interface SupervisedOptions {
  readonly name: string;
  /** Absolute path of the component's entry module. */
  readonly entry: string;
  readonly pidFile: string;
  /** @default 60_000 */
  readonly readyTimeoutMs?: number;
  readonly log: (message: string) => void;
  /** Append the component's stdout and stderr to this file instead of the terminal. */
  readonly outputFile?: string;
  /** Aborted when the whole runtime stops: from then on an exit is expected, never restarted. */
  readonly shutdown?: AbortSignal;
}

/** A supervised component. */
export interface Supervised<T> {
  /** What the component reported when it became ready (the latest start). */
  readonly info: T;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

function waitReady<T>(child: ChildProcess, name: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name}: not ready after ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: ReadyMessage<T>) => {
      if (message?.type !== 'ready') return;
      cleanup();
      resolve(message.info);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(new Error(`${name}: exited during start-up (${signal ?? `code ${code}`})`));
    const fail = (error: Error) => {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Starts the component; resolves once it is ready. A restart is launched from the last ready info. */
export async function supervise<T>(
  options: SupervisedOptions,
  launchFor: (previous: T | undefined) => Launch,
): Promise<Supervised<T>> {
  let child: ChildProcess;
  let info: T;
  let isStopped = false;
  let restarts = 0;
  const isStopping = (): boolean => isStopped || options.shutdown?.aborted === true;

  const spawn = async (previous: T | undefined): Promise<void> => {
    const launch = launchFor(previous);
    const output = options.outputFile ? openSync(options.outputFile, 'a') : 'inherit';
    child = fork(options.entry, [], {
      env: { ...launch.env },
      execArgv: ['--disable-warning=TimeoutNegativeWarning'],
      stdio: ['ignore', output, output, 'ipc'],
      // Why a group of its own: the terminal's SIGINT/SIGHUP must not kill it behind the runtime's back.
      detached: true,
    });
    if (typeof output === 'number') closeSync(output);
    writeFileSync(options.pidFile, String(child.pid));
    const current = child;
    const ready = waitReady<T>(current, options.name, options.readyTimeoutMs ?? 60_000);
    current.send({ type: 'start', config: launch.config } satisfies StartMessage<unknown>);
    info = await ready;
    const readyAt = Date.now();
    current.once('exit', (code, signal) => {
      // A component that ran a while before dying restarts quickly again.
      if (Date.now() - readyAt > 30_000) restarts = 0;
      if (!isStopping() && current === child)
        scheduleRestart(`pid ${current.pid} exited (${signal ?? `code ${code}`})`);
    });
  };

  const scheduleRestart = (reason: string): void => {
    restarts += 1;
    // Why backoff: a component that cannot start must not spin the CPU.
    const delayMs = Math.min(250 * 2 ** Math.min(restarts, 6), 10_000);
    options.log(`${options.name}: ${reason}; restarting in ${delayMs} ms`);
    void sleep(delayMs)
      .then(async () => {
        if (isStopping()) return;
        await spawn(info);
        options.log(`${options.name} restarted (pid ${child.pid})`);
      })
      .catch((error: unknown) => {
        if (!isStopping()) scheduleRestart(`restart failed: ${String(error)}`);
      });
  };

  await spawn(undefined);
  return {
    get info() {
      return info;
    },
    get pid() {
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async stop() {
      isStopped = true;
      const current = child;
      if (current.exitCode === null && current.signalCode === null) {
        const exited = new Promise((resolve) => current.once('exit', resolve));
        current.kill('SIGTERM');
        const grace = new AbortController();
        const isExited = await Promise.race([
          exited.then(() => true),
          sleep(15_000, false, { signal: grace.signal }).catch(() => true),
        ]);
        grace.abort();
        if (!isExited) {
          current.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(options.pidFile, { force: true });
    },
  };
}
