import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  heraldHome,
  isDependenciesStale,
  isNodeTooOld,
  missingFor,
  needsFor,
  type Probe,
  planInstall,
  repoRoot,
} from '../../../cli/bootstrap.mjs';
import { readLocalEnv } from '../../../local/infra/local-env.ts';
import { testReportFile } from '../../../vitest.config.ts';

/** A machine with exactly `commands` on PATH. */
function machine(commands: string[], overrides: Partial<Probe> = {}): Probe {
  return {
    has: (command) => commands.includes(command),
    hasKafkaJars: false,
    kafkaHome: undefined,
    hasPip: false,
    cfnLintVersion: null,
    ...overrides,
  };
}

const fresh = machine(['python3']);

describe('isNodeTooOld', () => {
  it.each([
    ['20.20.2', true],
    ['v22.17.1', true],
    ['22.18.0', false],
    ['24.21.0', false],
  ])('answers %s → %s', (version, expected) => {
    expect(isNodeTooOld(version)).toBe(expected);
  });
});

describe('needsFor', () => {
  it.each([
    [['start'], {}, { kafka: true, redis: true, cfnLint: false }],
    [['test'], {}, { kafka: true, redis: true, cfnLint: true }],
    [['infra', 'up'], {}, { kafka: true, redis: true, cfnLint: false }],
    [['bench'], { KAFKA_BROKERS: '127.0.0.1:9092' }, { kafka: false, redis: true, cfnLint: false }],
    [['test'], { REDIS_URL: 'redis://127.0.0.1:6379' }, { kafka: true, redis: false, cfnLint: true }],
    [['infra', 'down'], {}, { kafka: false, redis: false, cfnLint: false }],
    [['capacity', '--rate', '100'], {}, { kafka: false, redis: false, cfnLint: false }],
  ])('%j with %j needs %j', (argv, env, expected) => {
    expect(needsFor(argv, env)).toEqual(expected);
  });
});

describe('isDependenciesStale', () => {
  it.each([
    [{ hasNodeModules: false, lockHash: 'a', stamp: undefined }, true],
    [{ hasNodeModules: true, lockHash: 'a', stamp: undefined }, true],
    [{ hasNodeModules: true, lockHash: 'b', stamp: 'a\n' }, true],
    [{ hasNodeModules: true, lockHash: 'a', stamp: 'a\n' }, false],
  ])('answers %j → %s', (state, expected) => {
    expect(isDependenciesStale(state)).toBe(expected);
  });
});

describe('missingFor', () => {
  const all = needsFor(['test'], {});

  it('lists Java, Maven, redis-server and pip on a fresh machine, and cfn-lint', () => {
    expect(missingFor(all, fresh)).toEqual({
      packages: ['openjdk-17-jre-headless', 'maven', 'redis-server', 'python3-pip'],
      isCfnLintMissing: true,
    });
  });

  it('asks for Python itself where there is none', () => {
    expect(missingFor(all, machine([])).packages).toEqual([
      'openjdk-17-jre-headless',
      'maven',
      'redis-server',
      'python3',
      'python3-pip',
    ]);
  });

  it('needs no Maven once the Kafka jars are cached or KAFKA_HOME is set', () => {
    const cached = missingFor(all, machine(['java', 'redis-server', 'python3'], { hasKafkaJars: true }));
    const home = missingFor(all, machine(['java', 'redis-server', 'python3'], { kafkaHome: '/opt/kafka' }));

    expect(cached.packages).toEqual(['python3-pip']);
    expect(home.packages).toEqual(['python3-pip']);
  });

  it('needs neither Java nor Maven with KAFKA_BROKERS, nor redis-server with REDIS_URL', () => {
    const needs = needsFor(['start'], { KAFKA_BROKERS: 'k:9092', REDIS_URL: 'redis://r' });

    expect(missingFor(needs, machine([]))).toEqual({ packages: [], isCfnLintMissing: false });
  });

  it('upgrades a cfn-lint older than 1.58 and keeps a recent one', () => {
    const tools = ['java', 'mvn', 'redis-server', 'python3', 'cfn-lint'];

    expect(missingFor(all, machine(tools, { hasPip: true, cfnLintVersion: 'cfn-lint 1.51.2\n' }))).toEqual({
      packages: [],
      isCfnLintMissing: true,
    });
    expect(missingFor(all, machine(tools, { hasPip: true, cfnLintVersion: 'cfn-lint 1.58.0\n' }))).toEqual({
      packages: [],
      isCfnLintMissing: false,
    });
  });
});

describe('planInstall', () => {
  const missing = missingFor(needsFor(['test'], {}), fresh);

  it('as root updates the package lists once, then installs every package in one call, then cfn-lint', () => {
    const { steps } = planInstall(missing, true);

    expect(steps?.map((step) => step.argv.slice(0, 2).join(' '))).toEqual([
      'apt-get update',
      'apt-get install',
      'python3 -m',
    ]);
    expect(steps?.[1]?.argv).toEqual(
      expect.arrayContaining(['-y', 'openjdk-17-jre-headless', 'maven', 'redis-server', 'python3-pip']),
    );
    expect(steps?.[2]?.fallback).toContain('--break-system-packages');
  });

  it('without root installs nothing and names the one command to run', () => {
    const plan = planInstall(missing, false);

    expect(plan.steps).toBeUndefined();
    expect(plan.stop?.split('\n')).toEqual([
      'herald: missing openjdk-17-jre-headless, maven, redis-server, python3-pip, cfn-lint; run once, then retry:',
      "  sudo apt-get update && sudo apt-get install -y --no-install-recommends openjdk-17-jre-headless maven redis-server python3-pip && python3 -m pip install --user --upgrade 'cfn-lint>=1.58'",
    ]);
  });

  it('has nothing to do, root or not, when nothing is missing', () => {
    const none = { packages: [], isCfnLintMissing: false };

    expect(planInstall(none, true)).toEqual({ steps: [] });
    expect(planInstall(none, false)).toEqual({ steps: [] });
  });
});

describe('the state folder (HERALD_HOME)', () => {
  it.each([[{}], [{ HERALD_HOME: '/tmp/herald-elsewhere' }], [{ HERALD_HOME: 'relative-home' }]])(
    'is the same for the bootstrap and the local runtime with %j',
    (env) => {
      expect(heraldHome(env)).toBe(readLocalEnv(env).heraldHome);
    },
  );

  it('holds the test report vitest writes', () => {
    expect(testReportFile({ HERALD_HOME: '/tmp/herald-elsewhere' })).toBe(
      '/tmp/herald-elsewhere/test-results.json',
    );
    expect(testReportFile({})).toBe(join(repoRoot, '.herald', 'test-results.json'));
  });

  it('is where the CI summary reads the report', () => {
    const home = mkdtempSync(join(tmpdir(), 'herald-home-'));
    const report = { numPassedTests: 7, numFailedTests: 2, numPendingTests: 1, numTodoTests: 0 };
    writeFileSync(join(home, 'test-results.json'), JSON.stringify(report));
    const summarize = (...args: string[]) =>
      execFileSync(process.execPath, [resolve(repoRoot, '.ci/summarize.mjs'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, HERALD_HOME: home },
      });

    expect(summarize('--report-path').trim()).toBe(join(home, 'test-results.json'));
    expect(summarize('1').trim()).toBe('7 passed, 2 failed, 1 skipped');
  });
});
