import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionProcess } from '../../../local/msk-esm/function-process.ts';

const modulePath = fileURLToPath(new URL('./functions/scripted-function.ts', import.meta.url));
const spawned: number[] = [];
const fn = new FunctionProcess({
  functionName: 'herald-dispatch-test',
  modulePath,
  timeoutMs: 1_500,
  environment: {
    CUSTOM_SETTING: 'from-config',
    INVOCATION_LOG: join(mkdtempSync(join(tmpdir(), 'fn-')), 'log.jsonl'),
  },
  onSpawn: (pid) => spawned.push(pid),
  log: () => undefined,
});

afterAll(async () => {
  await fn.stop();
});

interface ContextReport {
  pid: number;
  coldStartAt: number;
  functionName: string;
  awsRequestId: string;
  remainingMs: number;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  env: { name: string; custom: string; region: string; leaked: string | null };
}

async function contextReport(): Promise<ContextReport> {
  const outcome = await fn.invoke({ command: 'context' });
  if (outcome.kind !== 'success') throw new Error(`invocation failed: ${JSON.stringify(outcome)}`);
  return outcome.payload as ContextReport;
}

describe('FunctionProcess', () => {
  it('runs the handler in its own process with a Lambda context and only the function environment', async () => {
    const report = await contextReport();

    expect(report.pid).not.toBe(process.pid);
    expect(report.functionName).toBe('herald-dispatch-test');
    expect(report.invokedFunctionArn).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:herald-dispatch-test',
    );
    expect(report.memoryLimitInMB).toBe('1024');
    expect(report.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.remainingMs).toBeGreaterThan(0);
    expect(report.remainingMs).toBeLessThanOrEqual(1_500);
    expect(report.env).toEqual({
      name: 'herald-dispatch-test',
      custom: 'from-config',
      region: 'us-east-1',
      leaked: null,
    });
  });

  it('reuses a warm execution environment between invocations', async () => {
    const first = await contextReport();
    const second = await contextReport();

    expect(second.pid).toBe(first.pid);
    expect(second.coldStartAt).toBe(first.coldStartAt);
    expect(second.awsRequestId).not.toBe(first.awsRequestId);
  });

  it('reports a thrown error as a function error and keeps the environment', async () => {
    const before = fn.pid;

    const outcome = await fn.invoke({ command: 'throw' });

    expect(outcome).toMatchObject({
      kind: 'error',
      error: { errorType: 'TypeError', errorMessage: 'asked to throw' },
    });
    expect(fn.pid).toBe(before);
  });

  it('fails a timed-out invocation, kills the environment and cold-starts a new one', async () => {
    const before = await contextReport();

    const outcome = await fn.invoke({ command: 'sleep 5000' });
    const after = await contextReport();

    expect(outcome).toMatchObject({ kind: 'error', error: { errorType: 'Sandbox.Timedout' } });
    expect(outcome.kind === 'error' && outcome.error.errorMessage).toMatch(
      /Task timed out after 1\.50 seconds/,
    );
    expect(after.pid).not.toBe(before.pid);
  });

  it('fails the invocation when the process is killed with SIGKILL in the middle, then restarts it', async () => {
    const { pid } = await contextReport();

    const pending = fn.invoke({ command: 'sleep 1000' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(pid, 'SIGKILL');
    const outcome = await pending;
    const next = await contextReport();

    expect(outcome).toMatchObject({ kind: 'error', error: { errorType: 'Runtime.ExitError' } });
    expect(outcome.kind === 'error' && outcome.error.errorMessage).toMatch(/signal: SIGKILL/);
    expect(next.pid).not.toBe(pid);
    expect(spawned).toContain(next.pid);
  });

  it.each([
    ['exits', 'exit', 'Runtime.ExitError'],
    ['leaves a promise rejection unhandled', 'reject-unhandled', 'Runtime.UnhandledPromiseRejection'],
  ])('fails the invocation when the handler %s', async (_name, command, errorType) => {
    const outcome = await fn.invoke({ command });

    expect(outcome).toMatchObject({ kind: 'error', error: { errorType } });
    expect((await contextReport()).pid).toBeGreaterThan(0);
  });

  it('reports an import failure as Runtime.ImportModuleError', async () => {
    const broken = new FunctionProcess({
      functionName: 'broken',
      modulePath: '/nonexistent/handler.ts',
      timeoutMs: 1_000,
      environment: {},
      log: () => undefined,
    });

    const outcome = await broken.invoke({});
    await broken.stop();

    expect(outcome).toMatchObject({ kind: 'error', error: { errorType: 'Runtime.ImportModuleError' } });
  });

  it('reports an error thrown during init under its own name, at every invocation', async () => {
    const failing = new FunctionProcess({
      functionName: 'failing',
      modulePath: fileURLToPath(new URL('./functions/failing-init-function.ts', import.meta.url)),
      timeoutMs: 1_000,
      environment: {},
      log: () => undefined,
    });

    const outcomes = [await failing.invoke({}), await failing.invoke({})];
    await failing.stop();

    expect(outcomes).toEqual([
      {
        kind: 'error',
        error: expect.objectContaining({
          errorType: 'ConfigError',
          errorMessage: 'HERALD_EXAMPLE: required',
        }),
      },
      { kind: 'error', error: expect.objectContaining({ errorType: 'ConfigError' }) },
    ]);
  });
});
