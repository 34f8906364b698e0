/**
 * Settings of one emulated MSK event source mapping, with AWS's defaults and limits ("Kafka event
 * source mapping parameters", "Configuring error handling controls for Kafka event sources",
 * "Using a Kafka topic as an on-failure destination"):
 * - BatchSize 1..10,000 (default 100); batching window default 500 ms, at most 300 s; 6 MB payload;
 * - on-demand mode (default): a failed invocation retries the whole batch until it succeeds;
 * - provisioned mode only: ReportBatchItemFailures, MaximumRetryAttempts (-1 = infinite, 0..10,000),
 *   MaximumRecordAgeInSeconds (-1 = infinite, 60..604,800), BisectBatchOnFunctionError and a
 *   `kafka://<topic>` on-failure destination (never the source topic). Infinite retries together with
 *   an on-failure destination are capped at 10 retries.
 */
import { z } from 'zod';

/** Poller modes. */
export const EsmMode = { onDemand: 'on-demand', provisioned: 'provisioned' } as const;
/** One of the poller modes. */
export type EsmMode = (typeof EsmMode)[keyof typeof EsmMode];

/** Why 6 MB: Lambda's synchronous invocation payload quota. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

const provisionedOnly = [
  'reportBatchItemFailures',
  'maximumRetryAttempts',
  'maximumRecordAgeInSeconds',
  'bisectBatchOnFunctionError',
  'onFailureDestination',
] as const;

const schema = z
  .object({
    topics: z.array(z.string().min(1)).min(1),
    /** The consumer group; AWS uses the mapping's UUID unless a custom group id is configured. */
    consumerGroupId: z.string().min(1),
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']).default('TRIM_HORIZON'),
    eventSourceArn: z
      .string()
      .startsWith('arn:')
      .default(
        'arn:aws:kafka:us-east-1:123456789012:cluster/herald-local/00000000-0000-0000-0000-000000000000-1',
      ),
    batchSize: z.number().int().min(1).max(10_000).default(100),
    maximumBatchingWindowMs: z.number().int().min(0).max(300_000).default(500),
    maxPayloadBytes: z.number().int().positive().max(MAX_PAYLOAD_BYTES).default(MAX_PAYLOAD_BYTES),
    mode: z.enum([EsmMode.onDemand, EsmMode.provisioned]).default(EsmMode.onDemand),
    reportBatchItemFailures: z.boolean().optional(),
    maximumRetryAttempts: z.union([z.literal(-1), z.number().int().min(0).max(10_000)]).optional(),
    maximumRecordAgeInSeconds: z.union([z.literal(-1), z.number().int().min(60).max(604_800)]).optional(),
    bisectBatchOnFunctionError: z.boolean().optional(),
    onFailureDestination: z
      .string()
      .regex(/^kafka:\/\/[a-zA-Z0-9._-]{1,249}$/, 'expected kafka://<topic>')
      .optional(),
    /** Backoff between retries of a failed batch: doubles from the first delay up to the cap. */
    retryBackoffMs: z
      .object({ initial: z.number().int().min(0), max: z.number().int().min(0) })
      .default({ initial: 500, max: 10_000 }),
  })
  .superRefine((config, context) => {
    if (config.mode === EsmMode.onDemand) {
      for (const key of provisionedOnly) {
        if (config[key] !== undefined)
          context.addIssue({ code: 'custom', path: [key], message: `${key} needs provisioned mode` });
      }
    }
    const destination = config.onFailureDestination?.slice('kafka://'.length);
    if (destination && config.topics.includes(destination)) {
      context.addIssue({
        code: 'custom',
        path: ['onFailureDestination'],
        message: 'the on-failure destination cannot be a source topic',
      });
    }
  });

/** Settings as given (defaults filled in by `parseEsmConfig`). */
export type EsmConfigInput = z.input<typeof schema>;

/** Validated settings with every default applied. */
export interface EsmConfig extends Omit<z.output<typeof schema>, (typeof provisionedOnly)[number]> {
  readonly reportBatchItemFailures: boolean;
  /** -1 is infinite. */
  readonly maximumRetryAttempts: number;
  /** -1 is infinite. */
  readonly maximumRecordAgeInSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** Topic name of the `kafka://` destination. */
  readonly onFailureTopic?: string;
}

/** Validates settings, throwing one error that lists every problem. */
export function parseEsmConfig(input: EsmConfigInput): EsmConfig {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      `invalid event source mapping: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  const {
    reportBatchItemFailures,
    maximumRetryAttempts,
    maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError,
    onFailureDestination,
    ...rest
  } = parsed.data;
  const onFailureTopic = onFailureDestination?.slice('kafka://'.length);
  const retries = maximumRetryAttempts ?? -1;
  return {
    ...rest,
    reportBatchItemFailures: reportBatchItemFailures ?? false,
    // Why 10: AWS applies at most 10 retries when infinite retries meet an on-failure destination.
    maximumRetryAttempts: retries === -1 && onFailureTopic ? 10 : retries,
    maximumRecordAgeInSeconds: maximumRecordAgeInSeconds ?? -1,
    bisectBatchOnFunctionError: bisectBatchOnFunctionError ?? false,
    ...(onFailureTopic ? { onFailureTopic } : {}),
  };
}
