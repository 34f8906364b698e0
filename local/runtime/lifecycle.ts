/**
 * What happens to a message after the send, as the stack deploys it (lib/receipts.ts,
 * lib/dead-letters.ts, lib/callbacks.ts), each a supervised component:
 * - `receipts`: the local event bus the SES and SMS fakes publish to, with the receipts rules invoking
 *   the receipts Lambda (EventBridge retries, then a dead letter);
 * - `dead-letters`: an MSK event source mapping on the dead-letter topic (on-demand mode, batch 100,
 *   TRIM_HORIZON) invoking the dead-letters Lambda in its own execution environments; the topic is
 *   fed by dispatch's dead-letter sink (poison) and by the dispatch mappings' `kafka://` on-failure
 *   destination (retries exhausted, record too old), as in AWS;
 * - `callbacks`: the callbacks Lambda's schedule (every minute; 55 s timeout).
 * Clients' webhooks: HERALD_CALLBACKS, as the stack's Callbacks/Webhooks secret holds them.
 */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import type { EsmConfigInput } from '../msk-esm/esm-config.ts';
import type { CallbacksComponentConfig, CallbacksComponentInfo } from './callbacks-main.ts';
import type { DispatcherComponentConfig, DispatcherComponentInfo } from './dispatcher-main.ts';
import { deadLetterTopicOf, type FunctionEnvOptions, functionEnv } from './function-env.ts';
import { type Supervised, type SupervisedOptions, supervise } from './process-supervisor.ts';
import type { ReceiptsComponentConfig, ReceiptsComponentInfo } from './receipts-main.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The stack's settings of the three functions (lib/receipts.ts, dead-letters.ts, callbacks.ts). */
export const LifecycleFunctions = {
  receipts: { name: 'herald-receipts', memoryMiB: 256, timeoutMs: 10_000 },
  deadLetters: {
    name: 'herald-dead-letters',
    memoryMiB: 256,
    timeoutMs: 60_000,
    group: 'herald-dead-letters',
  },
  // Why 55 s: a run ends before the next scheduled one starts (every minute).
  callbacks: { name: 'herald-callbacks', memoryMiB: 256, timeoutMs: 55_000, rateMs: 60_000 },
} as const;

/** How the lifecycle runs. */
export interface LifecycleOptions extends FunctionEnvOptions {
  /** Clients' webhooks, HERALD_CALLBACKS JSON (`{"<clientId>": {"url", "secret"}}`). @default none */
  readonly callbacksJson?: string;
  /** The callbacks schedule's rate. @default 60_000 (the stack's rate(1 minute)) */
  readonly callbacksIntervalMs?: number;
  /** The event bus's PutEvents port. @default 0 (a free one) */
  readonly eventBusPort?: number;
  /** Changes to the dead-letter topic's mapping (its group defaults to `<esm group>-dead-letters` when esm sets one). */
  readonly deadLettersEsm?: Partial<EsmConfigInput>;
  /**
   * Changes to the deliveries topic's event source mapping (tests use their own consumer group,
   * shorter windows); the lifecycle derives the dead-letter mapping's group from its group.
   */
  readonly esm?: Partial<EsmConfigInput>;
}

/** The lifecycle's components. */
export interface Lifecycle {
  readonly receipts: Supervised<ReceiptsComponentInfo>;
  readonly deadLetters: Supervised<DispatcherComponentInfo>;
  readonly callbacks: Supervised<CallbacksComponentInfo>;
}

/** What the components share with the runtime. */
export interface LifecycleSupervision {
  readonly runDir: string;
  /** The supervisor settings every component gets (log, output, shutdown). */
  readonly common: Omit<SupervisedOptions, 'name' | 'entry' | 'pidFile'>;
  /** PATH and the like. */
  readonly baseEnv: Readonly<Record<string, string>>;
}

/** The configuration of a lifecycle Lambda: the common one plus the webhook registry. */
function lifecycleEnv(options: LifecycleOptions, name: string, memoryMiB: number): Record<string, string> {
  return {
    ...functionEnv(options, name, memoryMiB),
    ...(options.callbacksJson ? { [EnvKey.callbacksJson]: options.callbacksJson } : {}),
  };
}

/** The dead-letter topic's mapping as lib/dead-letters.ts deploys it. */
export function deployedDeadLettersEsm(options: LifecycleOptions): EsmConfigInput {
  const group = options.esm?.consumerGroupId;
  return {
    topics: [deadLetterTopicOf(options)],
    consumerGroupId: group ? `${group}-dead-letters` : LifecycleFunctions.deadLetters.group,
    startingPosition: 'TRIM_HORIZON',
    batchSize: 100,
    // Why on-demand: it retries a failed batch until it succeeds, so no dead letter is skipped.
    mode: 'on-demand',
    ...options.deadLettersEsm,
  };
}

/** Starts the event bus with the receipts Lambda; first, so the provider fakes can be given its URL. */
export function startReceipts(
  options: LifecycleOptions,
  supervision: LifecycleSupervision,
): Promise<Supervised<ReceiptsComponentInfo>> {
  const fn = LifecycleFunctions.receipts;
  return supervise<ReceiptsComponentInfo>(
    {
      name: 'receipts',
      entry: here('./receipts-main.ts'),
      pidFile: join(supervision.runDir, 'receipts.pid'),
      ...supervision.common,
    },
    (previous) => ({
      env: { ...supervision.baseEnv, ...lifecycleEnv(options, fn.name, fn.memoryMiB) },
      config: {
        // A restart keeps the port the fakes already publish to.
        port: previous?.port ?? options.eventBusPort ?? 0,
        functionName: fn.name,
        memoryLimitInMB: fn.memoryMiB,
        handlerModule: here('../../lambdas/receipts/handler.ts'),
        timeoutMs: fn.timeoutMs,
        // Why 12 and 200 ms: about 14 minutes of retries (EventBridge: 24 h) before a dead letter.
        maxAttempts: 12,
        retryBaseMs: 200,
      } satisfies ReceiptsComponentConfig,
    }),
  );
}

/** Starts the dead-letters mapping and the callbacks schedule. */
export async function startDeadLettersAndCallbacks(
  options: LifecycleOptions,
  supervision: LifecycleSupervision,
): Promise<Omit<Lifecycle, 'receipts'>> {
  const dead = LifecycleFunctions.deadLetters;
  const deadLetters = await supervise<DispatcherComponentInfo>(
    {
      name: 'dead-letters',
      entry: here('./dispatcher-main.ts'),
      pidFile: join(supervision.runDir, 'dead-letters.pid'),
      ...supervision.common,
    },
    () => ({
      env: supervision.baseEnv,
      config: {
        brokers: options.kafkaBrokers,
        esm: deployedDeadLettersEsm(options),
        functionName: dead.name,
        handlerModule: here('../../lambdas/dead-letters/handler.ts'),
        timeoutMs: dead.timeoutMs,
        memoryLimitInMB: dead.memoryMiB,
        environment: lifecycleEnv(options, dead.name, dead.memoryMiB),
        functionPidFile: join(supervision.runDir, 'dead-letters-function.pid'),
      } satisfies DispatcherComponentConfig,
    }),
  );
  const cb = LifecycleFunctions.callbacks;
  const callbacks = await supervise<CallbacksComponentInfo>(
    {
      name: 'callbacks',
      entry: here('./callbacks-main.ts'),
      pidFile: join(supervision.runDir, 'callbacks.pid'),
      ...supervision.common,
    },
    () => ({
      env: { ...supervision.baseEnv, ...lifecycleEnv(options, cb.name, cb.memoryMiB) },
      config: {
        functionName: cb.name,
        memoryLimitInMB: cb.memoryMiB,
        handlerModule: here('../../lambdas/callbacks/handler.ts'),
        timeoutMs: cb.timeoutMs,
        intervalMs: options.callbacksIntervalMs ?? cb.rateMs,
      } satisfies CallbacksComponentConfig,
    }),
  );
  return { deadLetters, callbacks };
}
