/**
 * A Lambda handler for the emulator's concurrency tests: sleeps `SLEEP_MS` per invocation, then appends
 * one JSON line to $INVOCATION_LOG with its pid, the batch's `partition@offset` ids and when it started
 * and ended (epoch ms), so a test can check which invocations overlapped in time. A record whose value
 * is `crash-once` kills the process the first time (remembered in $STATE_DIR) before anything is logged.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MSKEvent } from 'aws-lambda';

export async function handler(event: MSKEvent): Promise<unknown> {
  const startedAt = Date.now();
  const records = Object.values(event.records).flat();
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.SLEEP_MS ?? 0)));
  for (const record of records) {
    if (Buffer.from(record.value, 'base64').toString() !== 'crash-once') continue;
    const marker = join(
      process.env.STATE_DIR as string,
      `${record.topic}-${record.partition}-${record.offset}`,
    );
    if (!existsSync(marker)) {
      writeFileSync(marker, '1');
      process.kill(process.pid, 'SIGKILL');
    }
  }
  const ids = records.map((r) => `${r.topic}-${r.partition}@${r.offset}`);
  appendFileSync(
    process.env.INVOCATION_LOG as string,
    `${JSON.stringify({ pid: process.pid, ids, startedAt, endedAt: Date.now() })}\n`,
  );
  return { batchItemFailures: [] };
}
