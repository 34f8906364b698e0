/**
 * A Lambda handler for emulator tests, run in the MSK event source mapping's child process. It appends
 * one JSON line per invocation to $INVOCATION_LOG and acts on commands carried in the events:
 * - a direct event `{ command }`: `context` (return the context and env), `throw`, `sleep <ms>`,
 *   `exit`, `reject-unhandled`;
 * - an MSKEvent: each record value is a command for that record: `ok`, `fail` (report it in
 *   batchItemFailures), `throw` (fail the invocation), `crash-once` (kill the process the first time,
 *   remembered in $STATE_DIR), `sleep <ms>`.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, MSKEvent } from 'aws-lambda';

const coldStartAt = Date.now();

export async function handler(event: MSKEvent | { command: string }, context: Context): Promise<unknown> {
  if ('command' in event) return direct(event.command, context);
  const ids = Object.values(event.records).flatMap((list) =>
    list.map((r) => ({
      partition: `${r.topic}-${r.partition}`,
      offset: r.offset,
      command: Buffer.from(r.value, 'base64').toString(),
    })),
  );
  appendFileSync(
    process.env.INVOCATION_LOG as string,
    `${JSON.stringify({ pid: process.pid, requestId: context.awsRequestId, ids: ids.map((i) => `${i.partition}@${i.offset}`), keys: Object.keys(event.records) })}\n`,
  );
  const failures = [];
  for (const { partition, offset, command } of ids) {
    if (command === 'throw') throw new Error(`record ${partition}@${offset} asked to throw`);
    if (command === 'fail') failures.push({ itemIdentifier: { partition, offset } });
    if (command.startsWith('sleep '))
      await new Promise((resolve) => setTimeout(resolve, Number(command.slice(6))));
    if (command === 'crash-once') {
      const marker = join(process.env.STATE_DIR as string, `${partition}-${offset}.crashed`);
      if (!existsSync(marker)) {
        writeFileSync(marker, '1');
        process.kill(process.pid, 'SIGKILL');
      }
    }
  }
  return { batchItemFailures: failures };
}

async function direct(command: string, context: Context): Promise<unknown> {
  if (command === 'context') {
    return {
      pid: process.pid,
      coldStartAt,
      functionName: context.functionName,
      awsRequestId: context.awsRequestId,
      remainingMs: context.getRemainingTimeInMillis(),
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      env: {
        name: process.env.AWS_LAMBDA_FUNCTION_NAME,
        custom: process.env.CUSTOM_SETTING,
        region: process.env.AWS_REGION,
        leaked: process.env.VITEST ?? null,
      },
    };
  }
  if (command === 'throw') throw new TypeError('asked to throw');
  if (command.startsWith('sleep '))
    return new Promise((resolve) => setTimeout(() => resolve('slept'), Number(command.slice(6))));
  if (command === 'exit') process.exit(3);
  if (command === 'reject-unhandled') {
    void Promise.reject(new Error('nobody catches me'));
    return new Promise(() => undefined);
  }
  return undefined;
}
