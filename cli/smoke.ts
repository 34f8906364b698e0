/**
 * `npm run smoke -- --stage dev --recipient <yours>`: checks a deployed stack end to end with the
 * caller's AWS credentials, and prints what it saw.
 *
 * 1. reads the stack's outputs (CloudFormation DescribeStacks);
 * 2. sends one message through the deployed API, signed with SigV4 (service execute-api), and waits
 *    until its one recipient is `sent` (GET /v1/messages/{requestId});
 * 3. injects one poison record: invokes the dispatcher with an MSK event (the stack's brokers as
 *    bootstrapServers) whose one record is not a delivery, on a topic of its own (`herald.smoke`, so
 *    no real record position is touched), and checks the dispatcher reports no failure: it answers
 *    only after the dead-letter topic acknowledged the record (acks=all). The dead letter carries the
 *    headers herald-dlq-source-topic=herald.smoke and the printed offset. Reading the topic itself
 *    needs a client inside the VPC (docs/deploy.md, first-deploy checklist).
 *
 * Without credentials it says so and exits 3 before sending anything; bad arguments exit 2.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentials } from '../local/api-gateway/sigv4.ts';
import { invokeFunction, signedFetch, stackOutputs } from './aws-api.ts';
import { parseSmokeArgs, type SmokeArgs, SmokeUsageError } from './smoke-args.ts';

/** Exit codes. */
export const SmokeExit = { ok: 0, failed: 1, usage: 2, noCredentials: 3 } as const;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function loadCredentials(): Promise<AwsCredentials | undefined> {
  try {
    return await fromNodeProviderChain()();
  } catch {
    return undefined;
  }
}

async function sendAndWait(args: SmokeArgs, credentials: AwsCredentials, apiUrl: string): Promise<boolean> {
  const api = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    signedFetch(credentials, args.region, 'execute-api', {
      method,
      url: new URL(path, apiUrl),
      headers: body ? { 'content-type': 'application/json', ...headers } : headers,
      ...(body ? { body } : {}),
    });
  const key = `herald-smoke-${Date.now()}`;
  const body = JSON.stringify({
    channel: args.channel,
    recipients: [args.recipient],
    content: {
      body: `Herald smoke test ${new Date().toISOString()}`,
      ...(args.channel === 'sms' ? {} : { title: 'Herald smoke test' }),
    },
  });
  const accepted = await api('POST', 'v1/messages', body, { 'idempotency-key': key });
  say(`POST /v1/messages → ${accepted.status} ${accepted.body}`);
  if (accepted.status !== 202) return false;
  const { requestId } = JSON.parse(accepted.body) as { requestId: string };
  const deadline = Date.now() + args.timeoutSeconds * 1000;
  for (;;) {
    const status = await api('GET', `v1/messages/${requestId}`);
    const parsed =
      status.status === 200 ? (JSON.parse(status.body) as { counts: Record<string, number> }) : undefined;
    say(
      `GET /v1/messages/${requestId.slice(0, 12)}… → ${status.status} ${JSON.stringify(parsed?.counts ?? status.body)}`,
    );
    if (parsed && (parsed.counts.sent ?? 0) >= 1) return true;
    if (parsed && (parsed.counts.failed ?? 0) >= 1) return false;
    if (Date.now() > deadline) {
      say(`not sent within ${args.timeoutSeconds} s (vendors secret filled? docs/deploy.md)`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
}

async function injectPoison(
  args: SmokeArgs,
  credentials: AwsCredentials,
  outputs: Record<string, string>,
): Promise<boolean> {
  const offset = Date.now();
  const event = {
    eventSource: 'aws:kafka',
    eventSourceArn: outputs.MskClusterArn,
    bootstrapServers: outputs.BootstrapBrokers,
    records: {
      'herald.smoke-0': [
        {
          topic: 'herald.smoke',
          partition: 0,
          offset,
          timestamp: offset,
          timestampType: 'CREATE_TIME',
          key: Buffer.from(`herald-smoke-${offset}`).toString('base64'),
          value: Buffer.from('herald smoke test: not a delivery').toString('base64'),
          headers: [],
        },
      ],
    },
  };
  const result = await invokeFunction(credentials, args.region, String(outputs.DispatchFunctionName), event);
  say(
    `invoke ${outputs.DispatchFunctionName} with one poison record (herald.smoke/0@${offset}) → ${result.status}${result.functionError ? ` ${result.functionError}` : ''} ${result.payload}`,
  );
  for (const line of result.logTail.split('\n').filter((l) => /dead|poison|error/i.test(l)))
    say(`  log: ${line.slice(0, 300)}`);
  if (result.status !== 200 || result.functionError) return false;
  const response = JSON.parse(result.payload || '{}') as { batchItemFailures?: unknown[] };
  const ok = Array.isArray(response.batchItemFailures) && response.batchItemFailures.length === 0;
  say(
    ok
      ? `dead-lettered: acknowledged by ${outputs.DeadLetterTopic} (acks=all); look for herald-dlq-source-offset=${offset}`
      : 'the dispatcher could not dead-letter the record: it asked for a retry',
  );
  return ok;
}

/** Runs the smoke test; resolves with the exit code. */
export async function runSmoke(argv: readonly string[]): Promise<number> {
  let args: SmokeArgs;
  try {
    args = parseSmokeArgs(argv);
  } catch (error) {
    if (!(error instanceof SmokeUsageError)) throw error;
    process.stderr.write(`smoke: ${error.message}\n`);
    return SmokeExit.usage;
  }
  const credentials = await loadCredentials();
  if (!credentials) {
    process.stderr.write(
      `smoke: no AWS credentials found (environment, AWS_PROFILE / shared config, SSO, or instance role); ` +
        `set them for the account of ${args.stackName} in ${args.region} and run again. Nothing was sent.\n`,
    );
    return SmokeExit.noCredentials;
  }
  const outputs = await stackOutputs(credentials, args.region, args.stackName);
  say(`stack ${args.stackName} (${args.region}): ${JSON.stringify(outputs)}`);
  for (const key of [
    'ApiUrl',
    'DispatchFunctionName',
    'BootstrapBrokers',
    'MskClusterArn',
    'DeadLetterTopic',
  ]) {
    if (!outputs[key]) {
      say(`the stack has no ${key} output: deploy this version first`);
      return SmokeExit.failed;
    }
  }
  const isSent = await sendAndWait(args, credentials, String(outputs.ApiUrl));
  const isDeadLettered = await injectPoison(args, credentials, outputs);
  say(
    `smoke: message ${isSent ? 'sent' : 'NOT sent'}, poison record ${isDeadLettered ? 'dead-lettered' : 'NOT dead-lettered'}`,
  );
  return isSent && isDeadLettered ? SmokeExit.ok : SmokeExit.failed;
}

if (import.meta.main) process.exitCode = await runSmoke(process.argv.slice(2));
