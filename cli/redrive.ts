/**
 * `herald redrive`: puts dead-lettered deliveries back on the deliveries topic with their original
 * deliveryIds (dispatch's dedup still holds: a delivery already sent is not sent again). Locally it
 * uses KAFKA_BROKERS; against AWS, `--cluster-arn` resolves the MSK IAM brokers and signs with the
 * caller's AWS credentials (SASL/OAUTHBEARER, as the Lambdas do).
 */
import { parseArgs } from 'node:util';
import { createKafka } from '../lambdas/adapters/kafka-client.ts';
import { CAUSE_NAMES } from '../lambdas/core/redrive.ts';
import { type RedriveProgress, type RedriveSummary, redriveDeadLetters } from './redrive-dead-letters.ts';

const USAGE = `usage: herald redrive [options]

  --dry-run                 list what would move; move nothing
  --reason <r>[,<r>...]     poison | retries-exhausted | record-too-old | unknown (default: all)
  --since <ISO time>        dead-lettered at or after
  --until <ISO time>        dead-lettered before
  --request-id <id>         only this request (repeatable)
  --dead-letter-topic <t>   default herald.deliveries.dlq
  --deliveries-topic <t>    default herald.deliveries
  --brokers <h:p,...>       default $KAFKA_BROKERS
  --cluster-arn <arn>       MSK cluster (IAM auth with your AWS credentials) instead of --brokers
  --json                    print the summary as JSON`;

/** Runs the command; resolves to the exit code. */
export async function redrive(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'dry-run': { type: 'boolean', default: false },
      reason: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      'request-id': { type: 'string', multiple: true },
      'dead-letter-topic': { type: 'string', default: 'herald.deliveries.dlq' },
      'deliveries-topic': { type: 'string', default: 'herald.deliveries' },
      brokers: { type: 'string' },
      'cluster-arn': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const causes = values.reason?.split(',').map((name) => {
    const cause = CAUSE_NAMES[name.trim()];
    if (!cause)
      throw new Error(
        `unknown --reason ${JSON.stringify(name)}; expected ${Object.keys(CAUSE_NAMES).join(', ')}`,
      );
    return cause;
  });
  const time = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new Error(`--${flag} is not an ISO-8601 time: ${value}`);
    return ms;
  };
  const brokers = (values.brokers ?? process.env.KAFKA_BROKERS)?.split(',').filter(Boolean);
  const clusterArn = values['cluster-arn'];
  if (!clusterArn && !brokers?.length) throw new Error('give --brokers (or KAFKA_BROKERS) or --cluster-arn');
  const kafka = await createKafka({
    clientId: 'herald-redrive',
    auth: clusterArn ? 'iam' : 'none',
    ...(clusterArn ? { mskClusterArn: clusterArn } : { brokers: brokers ?? [] }),
    timeoutMs: 30_000,
  });
  const sinceMs = time('since', values.since);
  const untilMs = time('until', values.until);
  const summary = await redriveDeadLetters(kafka, {
    deadLetterTopic: values['dead-letter-topic'],
    deliveriesTopic: values['deliveries-topic'],
    isDryRun: values['dry-run'],
    filter: {
      ...(causes ? { causes } : {}),
      ...(sinceMs === undefined ? {} : { sinceMs }),
      ...(untilMs === undefined ? {} : { untilMs }),
      ...(values['request-id'] ? { requestIds: values['request-id'] } : {}),
    },
    onProgress: values['dry-run'] ? undefined : progressBar(),
  });
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary, values['dry-run']);
  return 0;
}

/** A one-line progress bar on stderr. */
function progressBar(): (progress: RedriveProgress) => void {
  return ({ moved, total }) => {
    if (total === 0) return;
    const width = 30;
    const filled = Math.round((moved / total) * width);
    process.stderr.write(`\rredrive [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${moved}/${total}`);
    if (moved === total && moved > 0) process.stderr.write('\n');
  };
}

function printSummary(summary: RedriveSummary, isDryRun: boolean): void {
  if (isDryRun) {
    for (const item of summary.selected) {
      console.log(
        [item.position, item.deadLetteredAt ?? '-', item.requestId, item.deliveryId, item.reason].join('  '),
      );
    }
  }
  const verb = isDryRun ? 'would move' : 'moved';
  console.log(
    `scanned ${summary.scanned} dead letters: ${verb} ${isDryRun ? summary.selected.length : summary.moved}, ` +
      `filtered out ${summary.filteredOut}, naming no delivery (left in place) ${summary.namesNoDelivery}`,
  );
}
