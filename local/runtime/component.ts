/**
 * The child side of a supervised runtime component: waits for its start configuration, starts,
 * reports ready with what the parent needs, and stops cleanly on SIGTERM or when the parent goes.
 */
import type { ReadyMessage, StartMessage } from './process-supervisor.ts';

/** A started component. */
export interface RunningComponent<I> {
  readonly info: I;
  stop(): Promise<void>;
}

/** Runs `start` with the configuration the supervisor sends. */
export function runComponent<C, I>(name: string, start: (config: C) => Promise<RunningComponent<I>>): void {
  // Why ignore SIGINT: Ctrl-C reaches the whole process group; the runtime stops components in order.
  process.on('SIGINT', () => undefined);
  process.once('message', (message: StartMessage<C>) => {
    if (message?.type !== 'start') return;
    start(message.config)
      .then((running) => {
        let isStopping = false;
        const stop = () => {
          if (isStopping) return;
          isStopping = true;
          void running
            .stop()
            .catch((error: unknown) => console.error(`${name}: stop failed: ${String(error)}`))
            .finally(() => process.exit(0));
        };
        process.on('SIGTERM', stop);
        process.on('disconnect', stop);
        // The callback keeps a parent that is already gone from becoming an 'error' event.
        process.send?.(
          { type: 'ready', info: running.info } satisfies ReadyMessage<I>,
          undefined,
          {},
          (error) => {
            if (error) stop();
          },
        );
      })
      .catch((error: unknown) => {
        console.error(
          `${name}: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        process.exit(1);
      });
  });
}
