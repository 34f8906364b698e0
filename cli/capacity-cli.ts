/**
 * `herald capacity`: plans the ElastiCache memory Herald needs (see docs/capacity.md).
 * Exit codes: 0 plan printed (and, with --aws, the cluster fits), 2 bad arguments,
 * 3 with --aws the deployed cluster does not fit or nothing fits, 1 any other failure.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { describeDeployedCluster } from '../capacity/aws-cluster.ts';
import { BUILT_IN_ENTRY_SIZES } from '../capacity/entry-sizes.ts';
import { formatPlan } from '../capacity/format-plan.ts';
import { measureEntrySizes } from '../capacity/measure.ts';
import { NODE_FAMILIES } from '../capacity/node-types.ts';
import {
  buildPlan,
  type CapacityPlan,
  type DeployedCluster,
  type EntrySizesSource,
} from '../capacity/plan.ts';
import { planInputsFrom } from '../capacity/plan-inputs.ts';
import { readLocalEnv } from '../local/infra/local-env.ts';
import { RedisServer } from '../local/redis/redis-launcher.ts';

const USAGE = `usage: herald capacity --rate <deliveries/s> [options]

  --rate N                  deliveries per second at peak (required)
  --average-rate N          average over the windows (default: the peak rate)
  --dedup-window D          dispatch dedup window (default 24h)
  --idempotency-window D    Idempotency-Key window (default 24h)
  --status-retention D      status retention (default 7d)
  --claim-lease D           dedup claim lease (default 25s, the dispatcher's default HERALD_CLAIM_LEASE_MS)
  --recipients-per-request N  average recipients per API request (default 1: worst case)
  --keyed-share F           share of requests with an Idempotency-Key, 0..1 (default 1)
  --webhook-share F         share of deliveries for clients with a webhook, 0..1 (default 0): each
                            sent one waits 72 h for its receipt timeout (the unknown callback)
  --family F                node family: ${NODE_FAMILIES.join(', ')} (default r7g)
  --reserved-percent P      ElastiCache reserved-memory-percent (default 25)
  --alarm-percent P         memory alarm threshold (default 70)
  --growth-percent P        growth to absorb before the alarm (default 20)
  --node-overhead-mib N     fixed memory per node besides entries (default 32)
  --max-shards N            largest shard count to consider (default 30)
  --measure                 measure bytes per entry on REDIS_URL (or the local Redis) first
  --redis-url URL           Redis for --measure
  --aws ID                  check the plan against deployed replication group ID
  --region R, --endpoint-url URL   ElastiCache API region / endpoint override for --aws
  --json                    print the plan as JSON (format: docs/capacity.md)

durations: 90s, 30m, 24h, 7d`;

/** Runs the command; resolves to the exit code. */
export async function capacity(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(args);
  } catch (error) {
    console.error(`herald capacity: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let inputs: ReturnType<typeof planInputsFrom>;
  try {
    inputs = planInputsFrom(values);
  } catch (error) {
    console.error(`herald capacity: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const sizes = values.measure
    ? await measured(values['redis-url'])
    : { ...BUILT_IN_ENTRY_SIZES, source: { kind: 'built-in' } as EntrySizesSource };
  let deployed: DeployedCluster | undefined;
  if (values.aws) {
    deployed = await describeDeployedCluster(values.aws, {
      ...(values.region ? { region: values.region } : {}),
      ...(values['endpoint-url'] ? { endpoint: values['endpoint-url'] } : {}),
    });
  }
  const plan = buildPlan(inputs.traffic, inputs.policy, sizes, deployed);
  console.log(values.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
  return exitCodeOf(plan);
}

function exitCodeOf(plan: CapacityPlan): number {
  if (plan.deployed) return plan.deployed.fit.fits ? 0 : 3;
  return plan.recommendation ? 0 : 3;
}

function parseCli(args: string[]) {
  const text = { type: 'string' } as const;
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      rate: text,
      'average-rate': text,
      'dedup-window': text,
      'idempotency-window': text,
      'status-retention': text,
      'claim-lease': text,
      'recipients-per-request': text,
      'keyed-share': text,
      'webhook-share': text,
      family: text,
      'reserved-percent': text,
      'alarm-percent': text,
      'growth-percent': text,
      'node-overhead-mib': text,
      'max-shards': text,
      measure: { type: 'boolean' },
      'redis-url': text,
      aws: text,
      region: text,
      'endpoint-url': text,
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function measured(redisUrl: string | undefined) {
  const local = readLocalEnv();
  const url = redisUrl ?? local.redisUrl ?? new RedisServer({ home: local.heraldHome }).runningUrl();
  if (!url)
    throw new Error('--measure needs a Redis: set REDIS_URL, pass --redis-url, or run `herald infra up`');
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const sizes = await measureEntrySizes(client, undefined, (step) =>
      process.stderr.write(`measuring ${step} on ${redact(url)}…\n`),
    );
    return { ...sizes, source: { kind: 'measured', redis: redact(url) } as EntrySizesSource };
  } finally {
    client.disconnect();
  }
}

/** The URL without its password, for output. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
