/**
 * The whole pipeline on one machine, against running Kafka and Redis: the API Gateway emulator with
 * the ingest Lambda, two MSK event source mapping emulators with the dispatch Lambda (the deliveries
 * topic, and the high-priority lane's topic with its own mapping settings; each invocation in its own
 * execution-environment process), three vendors per channel, and the message's later life
 * (lifecycle.ts: the event bus with the receipts Lambda, the dead-letters mapping, the callbacks
 * schedule), each component a supervised process with a pid file. The event source mappings are
 * configured like the deployed ones (lib/config, dev stage), so what runs here is what runs in AWS.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { devStage } from '../../lib/config/stages.ts';
import type { EsmConfigInput } from '../msk-esm/esm-config.ts';
import type { ReceiptSettings } from '../providers/receipt-emitter.ts';
import { startSecretsManagerFake } from '../providers/secrets-manager-fake.ts';
import type { ApiComponentConfig, ApiComponentInfo } from './api-main.ts';
import type { DispatcherComponentConfig, DispatcherComponentInfo } from './dispatcher-main.ts';
import { deadLetterTopicOf, functionEnv, laneTopicOf } from './function-env.ts';
import {
  type Lifecycle,
  type LifecycleOptions,
  startDeadLettersAndCallbacks,
  startReceipts,
} from './lifecycle.ts';
import { type Supervised, supervise } from './process-supervisor.ts';
import { ensureTopics } from './topics.ts';
import {
  dispatchVendorsEnvironment,
  LOCAL_VENDORS_SECRET_ARN,
  needsVendorsSecret,
  type VendorSet,
  vendorSpecs,
  vendorsJson,
} from './vendor-config.ts';
import type { RunningVendor, VendorsComponentConfig } from './vendors-main.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** What the runtime runs against and how. */
export interface RuntimeOptions extends LifecycleOptions {
  /** Folder of the pid files. */
  readonly runDir: string;
  /** @default '127.0.0.1' */
  readonly apiHost?: string;
  /** 0 picks a free port. */
  readonly apiPort: number;
  /** HERALD_API_TOKENS for the ingest Lambda. */
  readonly apiTokens: string;
  readonly vendorLogPath: string;
  /** Which vendors run: provider fakes for sms and email (AWS SDK path) or the mock everywhere. @default 'providers' */
  readonly vendorSet?: VendorSet;
  /** The provider fakes' receipt settings (delay, on/off). @default on, 1 s after the send */
  readonly receipts?: Partial<ReceiptSettings>;
  /** Changes to the high-priority lane's mapping (its group defaults to `<esm group>-high` when esm sets one). */
  readonly highLaneEsm?: Partial<EsmConfigInput>;
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
  /** The high-priority lane's topic and mapping. */
  readonly highLane: {
    readonly topic: string;
    readonly esm: EsmConfigInput;
    readonly consumerGroupId: string;
  };
  /** Pid file of the dispatch Lambda's current execution environment (written at each cold start). */
  readonly functionPidFile: string;
  /** The local event bus's PutEvents endpoint (where the SES and SMS fakes publish receipts). */
  readonly eventBusUrl: string;
  /** The dead-letter topic's mapping (the dead-letters Lambda). */
  readonly deadLetters: { readonly topic: string; readonly consumerGroupId: string };
  /** The callbacks schedule and whose webhooks it serves (a summary, never the secrets). */
  readonly callbacks: { readonly intervalMs: number; readonly webhooks: string };
  readonly components: {
    readonly api: Supervised<ApiComponentInfo>;
    readonly dispatcher: Supervised<DispatcherComponentInfo>;
    /** The high-priority lane's mapping, same dispatch function code. */
    readonly dispatcherHigh: Supervised<DispatcherComponentInfo>;
    readonly vendors: Supervised<RunningVendor[]>;
  } & Lifecycle;
  /** Stops the components (api first, so nothing new comes in; vendors, then the lifecycle, last). */
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

/** The high-priority lane's event source mapping as the dev stage deploys it, over `topic`. */
export function deployedLaneEsmConfig(topic: string, deadLetterTopic: string): EsmConfigInput {
  const lane = devStage.dispatch.highLane;
  if (!lane) throw new Error('the dev stage has no high-priority lane (dispatch.highLane)');
  return {
    ...deployedEsmConfig(topic, deadLetterTopic),
    consumerGroupId: lane.consumerGroupId,
    batchSize: lane.batchSize,
    maximumBatchingWindowMs: lane.maxBatchingWindowSeconds * 1_000,
    maximumRetryAttempts: lane.retryAttempts,
    maximumRecordAgeInSeconds: lane.maxRecordAgeSeconds,
  };
}

/** Starts vendors, then the dispatcher and the API; resolves when all three are ready. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const log = options.log ?? ((message: string) => console.log(`[runtime] ${message}`));
  mkdirSync(options.runDir, { recursive: true });
  const path = { PATH: process.env.PATH ?? '' };
  // Aborted first on stop, so no component is restarted while the ones before it stop.
  const shutdown = new AbortController();
  const output = {
    shutdown: shutdown.signal,
    ...(options.outputFile ? { outputFile: options.outputFile } : {}),
  };
  const supervision = { runDir: options.runDir, common: { log, ...output }, baseEnv: path };
  // First: the fakes publish their receipts to its URL.
  const receipts = await startReceipts(options, supervision);
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
        vendors: previous ?? vendorSpecs(options.vendorSet),
        logPath: options.vendorLogPath,
        eventBusUrl: receipts.info.url,
        ...(options.receipts ? { receipts: options.receipts } : {}),
      } satisfies VendorsComponentConfig,
    }),
  );
  // Why: push keys reach the dispatch Lambda in the vendors secret, as in AWS (it refuses them in its environment).
  const secrets = needsVendorsSecret(vendors.info)
    ? await startSecretsManagerFake({
        secrets: () => ({ [LOCAL_VENDORS_SECRET_ARN]: vendorsJson(vendors.info) }),
      })
    : undefined;
  const deliveriesTopic = options.deliveriesTopic ?? devStage.topics.deliveries.name;
  const deadLetterTopic = deadLetterTopicOf(options);
  const esm = { ...deployedEsmConfig(deliveriesTopic, deadLetterTopic), ...options.esm };
  const laneTopic = laneTopicOf(options);
  // Why here: callers that bring their own deliveries topic get the lane topic next to it.
  await ensureTopics(options.kafkaBrokers, [
    { name: laneTopic, partitions: devStage.topics.highPriority?.partitions ?? 1 },
  ]);
  const laneEsm: EsmConfigInput = {
    ...deployedLaneEsmConfig(laneTopic, deadLetterTopic),
    ...(options.esm?.consumerGroupId ? { consumerGroupId: `${options.esm.consumerGroupId}-high` } : {}),
    ...options.highLaneEsm,
  };
  const functionPidFile = join(options.runDir, 'dispatcher-function.pid');
  const dispatchName = 'herald-dispatch';
  const dispatcherOf = (name: string, mapping: EsmConfigInput, pidFile: string) =>
    supervise<DispatcherComponentInfo>(
      {
        name,
        entry: here('./dispatcher-main.ts'),
        pidFile: join(options.runDir, `${name}.pid`),
        log,
        ...output,
      },
      () => ({
        env: path,
        config: {
          brokers: options.kafkaBrokers,
          esm: mapping,
          functionName: dispatchName,
          handlerModule: here('../../lambdas/dispatch/handler.ts'),
          timeoutMs: devStage.dispatch.timeoutSeconds * 1_000,
          memoryLimitInMB: devStage.dispatch.memoryMiB,
          environment: {
            // As lib/dispatch.ts: the stage's lease, which the stage validation fits to the timeout.
            [EnvKey.claimLeaseMs]: String(devStage.dispatch.claimLeaseSeconds * 1_000),
            [EnvKey.maxInFlightSends]: String(devStage.dispatch.maxInFlightSends),
            ...functionEnv(options, dispatchName, devStage.dispatch.memoryMiB),
            ...dispatchVendorsEnvironment(vendors.info, secrets?.url),
            // Final states dispatch reaches are queued as callbacks for the clients with a webhook.
            ...(options.callbacksJson ? { [EnvKey.callbacksJson]: options.callbacksJson } : {}),
            // As lib/dispatch.ts does: partial-batch responses only where the mapping honours them.
            [EnvKey.reportBatchItemFailures]: String(
              mapping.mode === 'provisioned' && mapping.reportBatchItemFailures === true,
            ),
          },
          functionPidFile: pidFile,
        } satisfies DispatcherComponentConfig,
      }),
    );
  const dispatcher = await dispatcherOf('dispatcher', esm, functionPidFile);
  const dispatcherHigh = await dispatcherOf(
    'dispatcher-high',
    laneEsm,
    join(options.runDir, 'dispatcher-high-function.pid'),
  );
  const { deadLetters, callbacks } = await startDeadLettersAndCallbacks(options, supervision);
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
    highLane: { topic: laneTopic, esm: laneEsm, consumerGroupId: dispatcherHigh.info.consumerGroupId },
    functionPidFile,
    eventBusUrl: receipts.info.url,
    deadLetters: { topic: deadLetterTopic, consumerGroupId: deadLetters.info.consumerGroupId },
    callbacks: { intervalMs: callbacks.info.intervalMs, webhooks: webhooksSummary(options.callbacksJson) },
    components: { api, dispatcher, dispatcherHigh, vendors, receipts, deadLetters, callbacks },
    async stop() {
      shutdown.abort();
      await api.stop();
      await Promise.all([dispatcher.stop(), dispatcherHigh.stop()]);
      await vendors.stop();
      await Promise.all([receipts.stop(), deadLetters.stop(), callbacks.stop()]);
      await secrets?.close();
    },
  };
}

/** `2 clients (shop, orders)` or how to register one: client ids only, never a URL or secret. */
function webhooksSummary(json: string | undefined): string {
  if (!json) return `none (set ${EnvKey.callbacksJson})`;
  try {
    const clients = Object.keys(JSON.parse(json) as object);
    return `${clients.length} client${clients.length === 1 ? '' : 's'} (${clients.join(', ')})`;
  } catch {
    return `${EnvKey.callbacksJson} is not JSON`;
  }
}
