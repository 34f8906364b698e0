/**
 * Small process and port helpers shared by the local launchers (Kafka, Redis, runtime).
 */
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when a process with this pid exists (signal 0 probes without killing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Throws a clear error when something already listens on 127.0.0.1:port. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => Promise.reject(error)),
    ]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE'
        ? `${what}: port ${port} on 127.0.0.1 is already in use; stop whatever holds it or choose another port`
        : `${what}: cannot bind 127.0.0.1:${port} (${code ?? String(error)})`,
      { cause: error },
    );
  } finally {
    server.close();
  }
  await once(server, 'close').catch(() => undefined);
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** The last `lines` lines of a log file, or a note that there is none. */
export function tailFile(path: string, lines = 30): string {
  if (!existsSync(path)) return `(no log at ${path})`;
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Sends SIGTERM, waits up to `timeoutMs` for the process to exit, then SIGKILL. */
export async function stopProcess(
  pid: number,
  timeoutMs: number,
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(pid)) return 'not-running';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

/** Polls `probe` until it resolves true or `timeoutMs` passes; `onTick` may throw to abort early. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  onTick: () => void = () => undefined,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    onTick();
    if (await probe().catch(() => false)) return true;
    await sleep(200);
  }
  return false;
}

/** Finds a command on PATH; undefined when missing. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = `${dir}/${command}`;
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}
