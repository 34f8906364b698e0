/**
 * The whole pipeline on one machine, against running Kafka and Redis: the API Gateway emulator with
 * the ingest Lambda, the MSK event source mapping emulator with the dispatch Lambda (in its own
 * execution-environment process) and three mock vendors per channel, each component a supervised
 * process with a pid file. The event source mapping is configured like the deployed one (lib/config,
 * dev stage), so what runs here is what runs in AWS.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { devStage } from '../../lib/config/stages.ts';
import type { EsmConfigInput } from '../msk-esm/esm-config.ts';
import type { ApiComponentConfig, ApiComponentInfo } from './api-main.ts';
import type { DispatcherComponentConfig, DispatcherComponentInfo } from './dispatcher-main.ts';
import { lambdaEnvironment, newLogStreamName } from './lambda-context.ts';
import { type Supervised, supervise } from './process-supervisor.ts';
import { dispatchVendorsEnvironment, vendorSpecs } from './vendor-config.ts';
import type { RunningVendor, VendorsComponentConfig } from './vendors-main.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** What the runtime runs against and how. */
export interface RuntimeOptions {
  readonly kafkaBrokers: readonly string[];
  readonly redisUrl: string;
  /** Folder of the pid files. */
  readonly runDir: string;
  /** @default '127.0.0.1' */
  readonly apiHost?: string;
  /** 0 picks a free port. */
  readonly apiPort: number;
  /** HERALD_API_TOKENS for the ingest Lambda. */
  readonly apiTokens: string;
  readonly vendorLogPath: string;
  /** @default devStage topic names */
  readonly deliveriesTopic?: string;
  readonly deadLetterTopic?: string;
  /** @default 'herald:' */
  readonly keyPrefix?: string;
  /** @default 'INFO' */
  readonly logLevel?: string;
  /** Changes to the event source mapping (tests use their own consumer group, shorter windows). */
  readonly esm?: Partial<EsmConfigInput>;
  /** Extra function configuration, for both Lambdas. */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  readonly log?: (message: string) => void;
  /** Where the components' (and Lambdas') output goes. @default the terminal */
  readonly outputFile?: string;
}

/** A running runtime. */
export interface Runtime {
  readonly apiUrl: string;
  readonly vendors: readonly RunningVendor[];
  readonly consumerGroupId: string;
  readonly esm: EsmConfigInput;
  /** Pid file of the dispatch Lambda's current execution environment (written at each cold start). */
  readonly functionPidFile: string;
  readonly components: {
    readonly api: Supervised<ApiComponentInfo>;
    readonly dispatcher: Supervised<DispatcherComponentInfo>;
    readonly vendors: Supervised<RunningVendor[]>;
  };
  /** Stops the components (api first, so nothing new comes in; vendors last). */
  stop(): Promise<void>;
}

/** The event source mapping as the dev stage deploys it, over `topic`. */
export function deployedEsmConfig(topic: string, deadLetterTopic: string): EsmConfigInput {
  const settings = devStage.dispatch;
  return {
    topics: [topic],
    consumerGroupId: settings.consumerGroupId,
    startingPosition: settings.startingPosition,
    batchSize: settings.batchSize,
    maximumBatchingWindowMs: settings.maxBatchingWindowSeconds * 1_000,
    // Why provisioned: the deployed mapping has provisioned pollers (partial batch responses need them).
    mode: 'provisioned',
    reportBatchItemFailures: settings.reportBatchItemFailures,
    maximumRetryAttempts: settings.retryAttempts,
    maximumRecordAgeInSeconds: settings.maxRecordAgeSeconds,
    ...(settings.onFailure.kind === 'kafka' ? { onFailureDestination: `kafka://${deadLetterTopic}` } : {}),
  };
}

function functionEnv(
  options: RuntimeOptions,
  functionName: string,
  memoryMiB: number,
): Record<string, string> {
  return {
    [EnvKey.kafkaBrokers]: options.kafkaBrokers.join(','),
    [EnvKey.kafkaAuth]: 'none',
    [EnvKey.deliveriesTopic]: options.deliveriesTopic ?? devStage.topics.deliveries.name,
    [EnvKey.deadLetterTopic]: options.deadLetterTopic ?? devStage.topics.deadLetter.name,
    [EnvKey.redisUrl]: options.redisUrl,
    [EnvKey.keyPrefix]: options.keyPrefix ?? 'herald:',
    [EnvKey.logLevel]: options.logLevel ?? 'INFO',
    [EnvKey.serviceName]: functionName,
    ...lambdaEnvironment({ functionName, memoryLimitInMB: memoryMiB }, newLogStreamName()),
    ...options.functionEnvironment,
  };
}

/** Starts vendors, then the dispatcher and the API; resolves when all three are ready. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const log = options.log ?? ((message: string) => console.log(`[runtime] ${message}`));
  mkdirSync(options.runDir, { recursive: true });
  const path = { PATH: process.env.PATH ?? '' };
  const output = options.outputFile ? { outputFile: options.outputFile } : {};
  const vendors = await supervise<RunningVendor[]>(
    {
      name: 'vendors',
      entry: here('./vendors-main.ts'),
      pidFile: join(options.runDir, 'vendors.pid'),
      log,
      ...output,
    },
    (previous) => ({
      env: { ...path, [EnvKey.vendorLog]: options.vendorLogPath },
      config: {
        vendors: previous ?? vendorSpecs(),
        logPath: options.vendorLogPath,
      } satisfies VendorsComponentConfig,
    }),
  );
  const deliveriesTopic = options.deliveriesTopic ?? devStage.topics.deliveries.name;
  const esm = {
    ...deployedEsmConfig(deliveriesTopic, options.deadLetterTopic ?? devStage.topics.deadLetter.name),
    ...options.esm,
  };
  const functionPidFile = join(options.runDir, 'dispatcher-function.pid');
  const dispatchName = 'herald-dispatch';
  const dispatcher = await supervise<DispatcherComponentInfo>(
    {
      name: 'dispatcher',
      entry: here('./dispatcher-main.ts'),
      pidFile: join(options.runDir, 'dispatcher.pid'),
      log,
      ...output,
    },
    () => ({
      env: path,
      config: {
        brokers: options.kafkaBrokers,
        esm,
        functionName: dispatchName,
        handlerModule: here('../../lambdas/dispatch/handler.ts'),
        timeoutMs: devStage.dispatch.timeoutSeconds * 1_000,
        memoryLimitInMB: devStage.dispatch.memoryMiB,
        environment: {
          // As lib/dispatch.ts: the stage's lease, which the stage validation fits to the timeout.
          [EnvKey.claimLeaseMs]: String(devStage.dispatch.claimLeaseSeconds * 1_000),
          [EnvKey.maxInFlightSends]: String(devStage.dispatch.maxInFlightSends),
          ...functionEnv(options, dispatchName, devStage.dispatch.memoryMiB),
          ...dispatchVendorsEnvironment(vendors.info),
          // As lib/dispatch.ts does: partial-batch responses only where the mapping honours them.
          [EnvKey.reportBatchItemFailures]: String(
            esm.mode === 'provisioned' && esm.reportBatchItemFailures === true,
          ),
        },
        functionPidFile,
      } satisfies DispatcherComponentConfig,
    }),
  );
  const ingestName = 'herald-ingest';
  const api = await supervise<ApiComponentInfo>(
    { name: 'api', entry: here('./api-main.ts'), pidFile: join(options.runDir, 'api.pid'), log, ...output },
    (previous) => ({
      env: {
        ...path,
        ...functionEnv(options, ingestName, devStage.ingest.memoryMiB),
        [EnvKey.authMode]: 'token',
        [EnvKey.apiTokens]: options.apiTokens,
      },
      config: {
        host: options.apiHost ?? '127.0.0.1',
        // A restart keeps the port it got first.
        port: previous?.port ?? options.apiPort,
        functionName: ingestName,
        memoryLimitInMB: devStage.ingest.memoryMiB,
        handlerModule: here('../../lambdas/ingest/handler.ts'),
        functionTimeoutMs: devStage.ingest.timeoutSeconds * 1_000,
      } satisfies ApiComponentConfig,
    }),
  );
  return {
    apiUrl: api.info.url,
    vendors: vendors.info,
    consumerGroupId: dispatcher.info.consumerGroupId,
    esm,
    functionPidFile,
    components: { api, dispatcher, vendors },
    async stop() {
      await api.stop();
      await dispatcher.stop();
      await vendors.stop();
    },
  };
}
