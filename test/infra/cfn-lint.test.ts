/**
 * Every template Herald synthesizes passes cfn-lint with zero errors. The dev stage goes through the
 * real `cdk synth` (bin/herald.ts, esbuild bundling, cdk-nag in the app) with no AWS credentials,
 * and its three bundles must load on Node with the environment the stack gives them; prod and two
 * variants are synthesized in-process. cfn-lint comes from PyPI; when it is missing the test fails
 * and says how to install it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { projectRoot, synthStage, TEST_PROVIDERS } from './synth.ts';

const INSTALL_HINT =
  'cfn-lint is not installed: run `python3 -m pip install --upgrade cfn-lint` (PyPI) and retry';

interface CfnLintMatch {
  readonly Level: string;
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Filename: string;
}

/** Environment without any AWS credentials or profile, Node 24 first on PATH. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    // CDK's built-in template validator only downgrades to warnings; cfn-lint below is the gate.
    CDK_VALIDATION: 'false',
    PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
  };
}

/** Stand-ins for the values CloudFormation resolves at deploy time (ARNs, endpoints). */
function deployTimeValue(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (key === EnvKey.mskClusterArn)
    return 'arn:aws:kafka:eu-west-1:123456789012:cluster/herald-dev/0c1d-2e3f-4';
  if (key === EnvKey.kafkaBrokers)
    return 'b-1.herald.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.herald.abc123.c2.kafka.eu-west-1.amazonaws.com:9098';
  if (key === EnvKey.redisUrl) return 'rediss://clustercfg.herald.abc123.euw1.cache.amazonaws.com:6379';
  if (key.endsWith('_SECRET_ARN'))
    return 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:herald-AbCdEf';
  throw new Error(`no stand-in for ${key}`);
}

// Why generous timeouts: a real synth plus cfn-lint on four templates is minutes of CPU on a
// loaded two-core CI machine; these are correctness checks, never timing checks.
describe('cfn-lint on every synthesized template', { timeout: 240_000 }, () => {
  const workdir = mkdtempSync(join(tmpdir(), 'herald-cfn-lint-'));
  const templates: string[] = [];
  let cliSynth: { status: number | null; output: string };

  beforeAll(() => {
    const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) throw new Error(INSTALL_HINT);

    const devOut = join(workdir, 'dev');
    const cdk = spawnSync(
      process.execPath,
      [
        join(projectRoot, 'node_modules/aws-cdk/bin/cdk'),
        'synth',
        '--quiet',
        '--no-notices',
        '-c',
        'stage=dev',
        '-o',
        devOut,
      ],
      { cwd: projectRoot, env: offlineEnv(), encoding: 'utf8', timeout: 300_000 },
    );
    cliSynth = { status: cdk.status, output: `${cdk.stdout}\n${cdk.stderr}` };
    templates.push(
      ...readdirSync(devOut)
        .filter((file) => file.endsWith('.template.json'))
        .map((file) => join(devOut, file)),
    );

    const inProcess = {
      prod: () => synthStage('prod', { outdir: join(workdir, 'prod') }),
      'prod-sqs-valkey': () =>
        synthStage('prod', {
          outdir: join(workdir, 'prod-sqs-valkey'),
          override: (config) => ({
            ...config,
            dispatch: { ...config.dispatch, onFailure: { kind: 'sqs' }, providers: TEST_PROVIDERS },
            cache: { ...config.cache, engine: 'valkey', engineVersion: '8.0' },
          }),
        }),
      'dev-provisioned': () =>
        synthStage('dev', {
          outdir: join(workdir, 'dev-provisioned'),
          override: (config) => ({
            ...config,
            kafka: {
              mode: 'provisioned',
              kafkaVersion: '4.1.x.kraft',
              brokerCount: 2,
              instanceType: 'kafka.m7g.large',
              volumeSizeGiB: 100,
            },
            topics: { ...config.topics, replicationFactor: 2, minInSyncReplicas: 1 },
          }),
        }),
    };
    for (const [name, synth] of Object.entries(inProcess)) {
      const { app } = synth();
      const assembly = app.synth();
      templates.push(...assembly.stacks.map((stack) => stack.templateFullPath));
      expect(assembly.stacks.length, name).toBe(1);
    }
  }, 360_000);

  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it.each(['Ingest', 'Dispatch', 'Topics'])(
    'bundles a %s handler that loads on Node with the environment the stack gives it',
    (name) => {
      const devOut = join(workdir, 'dev');
      const template = JSON.parse(readFileSync(join(devOut, 'Herald-dev.template.json'), 'utf8')) as {
        Resources: Record<
          string,
          { Type: string; Metadata?: Record<string, string>; Properties: Record<string, unknown> }
        >;
      };
      const fn = Object.values(template.Resources).find(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' &&
          resource.Metadata?.['aws:cdk:path']?.includes(`/${name}/Handler/Function/`),
      );
      if (!fn) throw new Error(`no ${name} function in the dev template`);
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const env = Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [key, deployTimeValue(key, value)]),
      );
      const entry = join(devOut, String(fn.Metadata?.['aws:asset:path']), 'index.mjs');
      // Importing runs each handler's cold-start config validation against the stack's env.
      const script = `const m = await import(${JSON.stringify(pathToFileURL(entry).href)}); if (typeof m.handler !== 'function') process.exit(3);`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          ...env,
          AWS_REGION: 'eu-west-1',
          AWS_LAMBDA_FUNCTION_NAME: `herald-${name}`,
          PATH: process.env.PATH,
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status, run.stderr).toBe(0);
    },
  );

  it('synthesizes the dev stage with `cdk synth` and no AWS credentials (bundling, cdk-nag included)', () => {
    expect(cliSynth.output).not.toMatch(/AwsSolutions-|Validation failed|no credentials/);
    expect(cliSynth.status, cliSynth.output).toBe(0);
    expect(templates.some((file) => file.endsWith('Herald-dev.template.json'))).toBe(true);
  });

  it('finds zero cfn-lint errors in all four templates', () => {
    expect(templates).toHaveLength(4);
    const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...templates], {
      encoding: 'utf8',
      maxBuffer: 32 << 20,
    });
    expect(run.error).toBeUndefined();
    const matches = JSON.parse(run.stdout || '[]') as CfnLintMatch[];
    const errors = matches
      .filter((match) => match.Level === 'Error')
      .map((match) => `${match.Rule.Id} ${match.Filename}: ${match.Message}`);
    expect(errors).toEqual([]);
    // Exit codes: 0 clean, 4 warnings only; 2 (errors) or 1/8/16 (crash, bad input) fail.
    expect([0, 4], run.stderr).toContain(run.status);
  });
});
