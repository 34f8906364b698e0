import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../../local/infra/process-utils.ts';
import { supervise } from '../../../local/runtime/process-supervisor.ts';
import type { RunningVendor, VendorsComponentConfig } from '../../../local/runtime/vendors-main.ts';

const entry = fileURLToPath(new URL('../../../local/runtime/vendors-main.ts', import.meta.url));

function startVendors(logged: string[], shutdown?: AbortSignal) {
  const dir = mkdtempSync(join(tmpdir(), 'supervise-'));
  return supervise<RunningVendor[]>(
    {
      name: 'vendors',
      entry,
      pidFile: join(dir, 'vendors.pid'),
      log: (line) => logged.push(line),
      ...(shutdown ? { shutdown } : {}),
    },
    (previous) => ({
      env: { PATH: process.env.PATH ?? '' },
      config: {
        vendors: previous ?? [{ name: 'sms-a', port: 0, adminPort: 0 }],
        logPath: join(dir, 'log.jsonl'),
      } satisfies VendorsComponentConfig,
    }),
  );
}

describe('supervise', () => {
  it('restarts a killed component on the ports it had, keeps its pid file current, and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supervise-'));
    const pidFile = join(dir, 'vendors.pid');
    const logged: string[] = [];
    const component = await supervise<RunningVendor[]>(
      { name: 'vendors', entry, pidFile, log: (line) => logged.push(line) },
      (previous) => ({
        env: { PATH: process.env.PATH ?? '' },
        config: {
          vendors: previous ?? [{ name: 'sms-a', port: 0, adminPort: 0 }],
          logPath: join(dir, 'log.jsonl'),
        } satisfies VendorsComponentConfig,
      }),
    );
    const first = { pid: component.pid as number, url: component.info[0]?.url };

    process.kill(first.pid, 'SIGKILL');
    const deadline = Date.now() + 20_000;
    while (!logged.some((line) => line.includes('restarted')) && Date.now() < deadline) await sleep(50);
    const restartedPid = component.pid as number;
    const response = await fetch(component.info[0]?.url as string, { method: 'POST', body: '{}' });
    const pidInFile = Number(readFileSync(pidFile, 'utf8'));
    await component.stop();

    expect(pidInFile).toBe(restartedPid);
    expect(first.pid).toBeGreaterThan(0);
    expect(restartedPid).not.toBe(first.pid);
    expect(component.info[0]?.url).toBe(first.url);
    expect(response.status).toBeLessThan(500);
    expect(logged.some((line) => line.includes('restarted'))).toBe(true);
    expect(isAlive(restartedPid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('runs the component in a process group of its own, out of reach of a Ctrl-C at the terminal', async () => {
    const component = await startVendors([]);
    const pid = component.pid as number;
    const groupId = Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }));
    const ownGroupId = Number(
      execFileSync('ps', ['-o', 'pgid=', '-p', String(process.pid)], { encoding: 'utf8' }),
    );
    await component.stop();

    expect(groupId).toBe(pid);
    expect(groupId).not.toBe(ownGroupId);
  });

  it('neither restarts nor announces a restart of a component that dies once the runtime shuts down', async () => {
    const logged: string[] = [];
    const shutdown = new AbortController();
    const component = await startVendors(logged, shutdown.signal);
    const pid = component.pid as number;

    shutdown.abort();
    process.kill(pid, 'SIGHUP');
    // The first restart would come 500 ms after the exit; wait well past it.
    await sleep(2_000);
    const pidAfter = component.pid;
    await component.stop();

    expect(logged).toEqual([]);
    expect(pidAfter).toBeUndefined();
    expect(isAlive(pid)).toBe(false);
  });
});
