/**
 * Runtime component `dispatcher`: the MSK event source mapping emulator, which invokes the dispatch
 * Lambda handler in its own execution-environment processes (one per batch in flight). The
 * `dead-letters` component runs the same with the dead-letters Lambda on the dead-letter topic. The newest
 * live one's pid is kept in a pid file (rewritten at every cold start, and when the environment it
 * names ends while others live) so operators and tests can find, or kill, it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { EsmLog } from '../msk-esm/batch-coordinator.ts';
import type { EsmConfigInput } from '../msk-esm/esm-config.ts';
import { FunctionProcess } from '../msk-esm/function-process.ts';
import { startMskEventSourceMapping } from '../msk-esm/msk-event-source-mapping.ts';
import { runComponent } from './component.ts';

/** Start configuration of the dispatcher component. */
export interface DispatcherComponentConfig {
  readonly brokers: readonly string[];
  readonly esm: EsmConfigInput;
  readonly functionName: string;
  /** Absolute path of the handler module (the dispatch Lambda's handler.ts). */
  readonly handlerModule: string;
  readonly timeoutMs: number;
  readonly memoryLimitInMB: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly functionPidFile: string;
  /** Log ESM decisions at debug too. */
  readonly isVerbose?: boolean;
}

/** What the dispatcher component reports when ready. */
export interface DispatcherComponentInfo {
  readonly consumerGroupId: string;
}

const log: EsmLog = (level, message, fields = {}) => {
  if (level === 'debug') return;
  const line = JSON.stringify({
    level: level.toUpperCase(),
    service: 'lambda-esm',
    timestamp: new Date().toISOString(),
    message,
    ...fields,
  });
  (level === 'info' ? console.log : console.error)(line);
};

runComponent<DispatcherComponentConfig, DispatcherComponentInfo>('dispatcher', async (config) => {
  const fn = new FunctionProcess({
    functionName: config.functionName,
    modulePath: config.handlerModule,
    timeoutMs: config.timeoutMs,
    memoryLimitInMB: config.memoryLimitInMB,
    environment: config.environment,
    onSpawn: (pid) => writeFileSync(config.functionPidFile, String(pid)),
    onExit: (pid) => {
      const file = config.functionPidFile;
      const other = fn.pids.find((live) => live !== pid);
      if (other !== undefined && existsSync(file) && Number(readFileSync(file, 'utf8')) === pid)
        writeFileSync(file, String(other));
    },
    log,
  });
  const esm = await startMskEventSourceMapping({
    brokers: config.brokers,
    config: config.esm,
    invoke: (event) => fn.invoke(event),
    log,
  });
  return {
    info: { consumerGroupId: esm.config.consumerGroupId },
    async stop() {
      await esm.stop(() => fn.stop());
      rmSync(config.functionPidFile, { force: true });
    },
  };
});
