import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, isAlive } from '../../../local/infra/process-utils.ts';

const run = promisify(execFile);
const cli = resolve(import.meta.dirname, '../../../cli/herald.mjs');

/** Runs `herald ...` with its own Herald home and ports, never touching the shared test engines. */
async function herald(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; out: string }> {
  const childEnv = { ...process.env, ...env };
  for (const key of ['KAFKA_BROKERS', 'REDIS_URL', 'HERALD_REDIS_PORT']) delete childEnv[key];
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: childEnv,
      timeout: 150_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('herald infra', () => {
  const home = mkdtempSync(join(tmpdir(), 'herald-cli-'));

  afterAll(async () => {
    rmSync(home, { recursive: true, force: true });
  });

  it('starts both engines, reuses them on a second up, reports them healthy and leaves no process after down', async () => {
    // Prepare
    const env = {
      HERALD_HOME: home,
      HERALD_KAFKA_PORT: String(await findFreePort()),
      HERALD_KAFKA_CONTROLLER_PORT: String(await findFreePort()),
    };

    // Act
    const up = await herald(env, 'infra', 'up');
    const again = await herald(env, 'infra', 'up');
    const status = await herald(env, 'infra', 'status', '--json');
    const down = await herald(env, 'infra', 'down');
    const after = await herald(env, 'infra', 'status', '--json');

    // Assess
    expect(up.code, up.out).toBe(0);
    expect(up.out).toMatch(/kafka\s+started/);
    expect(again.out).toMatch(/kafka\s+reused/);
    expect(again.out).toMatch(/redis\s+reused/);
    const engines = JSON.parse(status.out) as Record<
      'kafka' | 'redis',
      { isHealthy: boolean; pid: number; endpoint: string }
    >;
    expect(engines.kafka.isHealthy).toBe(true);
    expect(engines.redis.isHealthy).toBe(true);
    expect(engines.kafka.endpoint).toBe(`127.0.0.1:${env.HERALD_KAFKA_PORT}`);
    expect(down.code).toBe(0);
    expect(isAlive(engines.kafka.pid)).toBe(false);
    expect(isAlive(engines.redis.pid)).toBe(false);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.out).kafka.source).toBe('none');
  });

  it('fails with a clear error, not a hang, when the Kafka port is taken', async () => {
    // Prepare
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    const env = {
      HERALD_HOME: home,
      HERALD_KAFKA_PORT: String(port),
      HERALD_KAFKA_CONTROLLER_PORT: String(await findFreePort()),
    };

    // Act
    const up = await herald(env, 'infra', 'up');
    await herald(env, 'infra', 'down');
    blocker.close();

    // Assess
    expect(up.code).toBe(1);
    expect(up.out).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });
});
