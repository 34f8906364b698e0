/**
 * `herald start` as a developer runs it: the banner's curl, pasted into a shell, sends a message that
 * reaches a mock vendor; the pid files name live processes; SIGTERM stops everything and exits 0.
 * Kafka and Redis are the test engines (KAFKA_BROKERS / REDIS_URL: nothing is started or stopped).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../../local/infra/process-utils.ts';
import { testEngines } from '../../support/engines.ts';

const cli = fileURLToPath(new URL('../../../cli/herald.mjs', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'herald-start-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The shell command that follows `heading` in the banner (continuation lines joined). */
function commandAfter(banner: string, heading: string): string {
  const lines = banner.slice(banner.indexOf(heading)).split('\n').slice(2);
  const end = lines.findIndex((line) => !line.trimEnd().endsWith('\\'));
  return lines.slice(0, end + 1).join('\n');
}

describe('herald start', () => {
  it('prints a working curl, writes pid files, and stops cleanly on SIGTERM', async () => {
    const { kafkaBrokers, redisUrl } = testEngines();
    const vendorLog = join(home, 'vendor-deliveries.jsonl');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HERALD_HOME: home,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      REDIS_URL: redisUrl,
      HERALD_VENDOR_LOG: vendorLog,
      POWERTOOLS_LOG_LEVEL: 'WARN',
    };
    delete env.HERALD_API_TOKENS;
    let output = '';
    child = spawn(process.execPath, [cli, 'start', '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

    const banner = await waitFor(
      () => (output.includes('Ctrl-C stops everything.') ? output : undefined),
      'the banner',
    );
    const accepted = JSON.parse(
      execFileSync('bash', ['-c', commandAfter(banner, 'Send a message')], { encoding: 'utf8' }),
    ) as { requestId: string; accepted: number };
    const delivered = await waitFor(
      () =>
        (existsSync(vendorLog)
          ? readFileSync(vendorLog, 'utf8')
              .split('\n')
              .filter((line) => line.includes(accepted.requestId))
          : []
        ).length === 2 || undefined,
      'two vendor sends',
    );
    const statusCommand = commandAfter(banner, 'Then read its status').replace(
      '<requestId>',
      accepted.requestId,
    );
    const status = await waitFor(() => {
      const read = JSON.parse(execFileSync('bash', ['-c', statusCommand], { encoding: 'utf8' })) as {
        counts: { delivered: number };
      };
      // Why delivered: the SMS fakes publish the provider's receipt, which the receipts Lambda applies.
      return read.counts.delivered === 2 ? read : undefined;
    }, 'both recipients delivered');
    const pidFiles = [
      'api',
      'dispatcher',
      'dispatcher-function',
      'vendors',
      'receipts',
      'dead-letters',
      'callbacks',
      'runtime',
    ].map((name) => join(home, 'run', `${name}.pid`));
    const pids = pidFiles.map((file) => Number(readFileSync(file, 'utf8')));
    const wereAlive = pids.map(isAlive);
    child.kill('SIGTERM');
    const code = await exited;

    expect(banner).toMatch(/dev token {4}herald-dev-[A-Za-z0-9_-]{24} /);
    expect(accepted.accepted).toBe(2);
    expect(delivered).toBe(true);
    expect(status.counts.delivered).toBe(2);
    expect(wereAlive).toEqual(pids.map(() => true));
    expect(code).toBe(0);
    expect(output).toContain('herald: stopped');
    expect(pidFiles.filter(existsSync)).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
  }, 120_000);
});
