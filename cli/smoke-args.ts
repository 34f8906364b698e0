/**
 * Arguments of `npm run smoke -- --stage <name> --recipient <address> [...]`. Every problem is
 * reported at once; the stage must be one lib/config/stages.ts knows (it gives the region and the
 * stack name, so the smoke test and the deploy cannot disagree).
 */
import { stageConfig, stageNames } from '../lib/config/stages.ts';

/** What the smoke test needs to know. */
export interface SmokeArgs {
  readonly stage: string;
  readonly stackName: string;
  readonly region: string;
  readonly channel: 'sms' | 'push' | 'email';
  /** A recipient you own: the smoke test sends it one real message. */
  readonly recipient: string;
  /** How long to wait for the delivery to be `sent`. */
  readonly timeoutSeconds: number;
}

/** Thrown for bad arguments; `problems` names each. */
export class SmokeUsageError extends Error {
  override name = 'SmokeUsageError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`${problems.join('; ')}\n${USAGE}`);
    this.problems = problems;
  }
}

/** The usage line. */
export const USAGE =
  'usage: npm run smoke -- --stage <dev|prod> --recipient <phone, address or device token you own> ' +
  '[--channel sms|push|email] [--region <aws region>] [--timeout-seconds <n>]';

const CHANNELS = ['sms', 'push', 'email'] as const;
const FLAGS = ['stage', 'recipient', 'channel', 'region', 'timeout-seconds'];

/** Parses `argv` (without node and the script); throws SmokeUsageError listing every problem. */
export function parseSmokeArgs(argv: readonly string[]): SmokeArgs {
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const [flag, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    if (flag === undefined || !FLAGS.includes(flag)) {
      problems.push(`unknown argument '${arg}'`);
      continue;
    }
    const next = argv[index + 1];
    // A following flag is not this flag's value: it is parsed in its own turn.
    const value = inline ?? (next?.startsWith('--') ? undefined : next);
    if (inline === undefined && value !== undefined) index += 1;
    if (value === undefined || value === '') problems.push(`--${flag} needs a value`);
    else values.set(flag, value);
  }
  const stage = values.get('stage');
  let region = values.get('region');
  if (stage === undefined) problems.push('--stage is required');
  else if (!stageNames.includes(stage)) problems.push(`--stage must be one of ${stageNames.join(', ')}`);
  else region ??= stageConfig(stage).region;
  const recipient = values.get('recipient');
  if (recipient === undefined)
    problems.push('--recipient is required (the smoke test sends it one real message)');
  const channel = values.get('channel') ?? 'sms';
  if (!(CHANNELS as readonly string[]).includes(channel))
    problems.push('--channel must be sms, push or email');
  const timeoutSeconds = Number(values.get('timeout-seconds') ?? 180);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 10 || timeoutSeconds > 3600)
    problems.push('--timeout-seconds must be an integer in 10..3600');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    problems.push(`--region '${region}' is not an AWS region`);
  if (problems.length > 0) throw new SmokeUsageError(problems);
  return {
    stage: stage as string,
    stackName: `Herald-${stage}`,
    region: region as string,
    channel: channel as SmokeArgs['channel'],
    recipient: recipient as string,
    timeoutSeconds,
  };
}
