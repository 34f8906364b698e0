/**
 * `herald plan --rate <deliveries/s>`: sizes a deployment for a peak and 3× it, against a stage config
 * (default prod), and prints what to change in lib/config/stages.ts. Exit codes: 0 printed, 2 bad args.
 */
import { parseArgs } from 'node:util';
import { formatPeakPlan } from '../capacity/format-peak-plan.ts';
import { MEASURED_PER_PARTITION_DELIVERIES_PER_SEC, planPeak } from '../capacity/peak-plan.ts';
import { stageConfig, stageNames } from '../lib/config/stages.ts';

const USAGE = `usage: herald plan --rate <deliveries/s> [options]

  --rate N                    today's peak deliveries per second (required)
  --recipients-per-request N  average recipients per API request (default 1: worst case for the cache)
  --multiplier N              the peak to plan for, as a multiple of --rate (default 3)
  --stage S                   stage config to compare with: ${stageNames.join(', ')} (default prod)
  --per-partition N           deliveries/s one partition carries (default ${MEASURED_PER_PARTITION_DELIVERIES_PER_SEC}, measured by the scaling bench)
  --json                      print the plan as JSON`;

function positive(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new RangeError(`${name} is required`);
    return fallback;
  }
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new RangeError(`${name} must be a positive number`);
  return number;
}

/** Runs the command; resolves to the exit code. */
export async function plan(args: string[]): Promise<number> {
  let result: ReturnType<typeof planPeak>;
  let isJson = false;
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        rate: { type: 'string' },
        'recipients-per-request': { type: 'string' },
        multiplier: { type: 'string' },
        stage: { type: 'string' },
        'per-partition': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    isJson = values.json ?? false;
    result = planPeak({
      rate: positive(values.rate, '--rate'),
      recipientsPerRequest: positive(values['recipients-per-request'], '--recipients-per-request', 1),
      multiplier: positive(values.multiplier, '--multiplier', 3),
      perPartition: positive(
        values['per-partition'],
        '--per-partition',
        MEASURED_PER_PARTITION_DELIVERIES_PER_SEC,
      ),
      stage: stageConfig(values.stage ?? 'prod'),
    });
  } catch (error) {
    console.error(`herald plan: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  console.log(isJson ? JSON.stringify(result, null, 2) : formatPeakPlan(result));
  return 0;
}
