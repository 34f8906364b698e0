/**
 * The smoke test's command line: its arguments (table-driven, every problem named at once) and what
 * it does without AWS credentials (says so, sends nothing, exits 3), run as the operator would, with
 * `npm run smoke`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSmokeArgs, SmokeUsageError } from '../../../cli/smoke-args.ts';

const projectRoot = join(import.meta.dirname, '../../..');

describe('parseSmokeArgs', () => {
  it('takes the region and stack name from the stage config, and sms with a 180 s wait by default', () => {
    expect(parseSmokeArgs(['--stage', 'dev', '--recipient', '+821012345678'])).toEqual({
      stage: 'dev',
      stackName: 'Herald-dev',
      region: 'eu-west-1',
      channel: 'sms',
      recipient: '+821012345678',
      timeoutSeconds: 180,
    });
  });

  it('accepts --flag=value and overrides', () => {
    expect(
      parseSmokeArgs([
        '--stage=prod',
        '--recipient=ops@example.com',
        '--channel=email',
        '--region=eu-central-1',
        '--timeout-seconds=60',
      ]),
    ).toMatchObject({
      stackName: 'Herald-prod',
      region: 'eu-central-1',
      channel: 'email',
      timeoutSeconds: 60,
    });
  });

  it.each([
    ['no arguments', [], [/--stage is required/, /--recipient is required/]],
    ['an unknown stage', ['--stage', 'staging', '--recipient', 'x'], [/--stage must be one of dev, prod/]],
    [
      'a flag without a value',
      ['--stage', '--recipient', 'x'],
      [/--stage needs a value/, /--stage is required/],
    ],
    ['an unknown flag', ['--stage', 'dev', '--recipient', 'x', '--force'], [/unknown argument '--force'/]],
    ['a stray word', ['dev'], [/unknown argument 'dev'/, /--stage is required/, /--recipient is required/]],
    ['an unknown channel', ['--stage', 'dev', '--recipient', 'x', '--channel', 'fax'], [/--channel must be/]],
    ['a 5 s wait', ['--stage', 'dev', '--recipient', 'x', '--timeout-seconds', '5'], [/--timeout-seconds/]],
    ['a made-up region', ['--stage', 'dev', '--recipient', 'x', '--region', 'moon'], [/--region 'moon'/]],
  ])('refuses %s, naming every problem', (_name, argv, messages) => {
    try {
      parseSmokeArgs(argv);
      expect.unreachable('arguments accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(SmokeUsageError);
      const problems = (error as SmokeUsageError).problems;
      expect(problems).toHaveLength(messages.length);
      for (const [index, message] of messages.entries()) expect(problems[index]).toMatch(message);
    }
  });
});

describe('npm run smoke', { timeout: 60_000 }, () => {
  const home = mkdtempSync(join(tmpdir(), 'herald-smoke-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** No AWS variables, an empty home (no ~/.aws), no instance metadata: no credentials anywhere. */
  function run(args: string[]) {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    return spawnSync('npm', ['run', '--silent', 'smoke', '--', ...args], {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 50_000,
      env: {
        ...env,
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
      },
    });
  }

  it('says there are no credentials, sends nothing and exits 3', () => {
    const result = run(['--stage', 'dev', '--recipient', '+821012345678']);
    expect(result.stderr).toMatch(
      /smoke: no AWS credentials found .* Herald-dev in eu-west-1 .*Nothing was sent/s,
    );
    expect(result.stdout).toBe('');
    expect(result.status).toBe(3);
  });

  it('prints the usage and exits 2 on bad arguments, before looking for credentials', () => {
    const result = run(['--stage', 'dev']);
    expect(result.stderr).toMatch(/--recipient is required/);
    expect(result.stderr).toMatch(/usage: npm run smoke -- --stage/);
    expect(result.stderr).not.toMatch(/credentials/);
    expect(result.status).toBe(2);
  });
});
