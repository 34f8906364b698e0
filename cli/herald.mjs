#!/usr/bin/env node
// The `herald` command. Before it imports anything but node: built-ins it makes sure of what it needs
// (cli/bootstrap.mjs): on a Node older than 22.18 it installs Node 24 into the cache and re-runs
// itself with it; then npm dependencies, and for `start`, `test`, `bench` and `infra up` the engines'
// system packages. `herald test` runs the checks itself (biome, tsc, vitest); the rest is cli/cli.ts.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap, ensureNode, isNodeTooOld, runTests } from './bootstrap.mjs';

const args = process.argv.slice(2);
if (isNodeTooOld(process.versions.node)) {
  const bin = ensureNode(process.env);
  if (!bin) {
    process.stderr.write(
      `herald needs Node.js >= 22.18 (found ${process.versions.node}) and could not install Node 24: install it yourself.\n`,
    );
    process.exit(1);
  }
  const child = spawn(join(bin, 'node'), [fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
  });
  // Ctrl-C reaches the child with the whole process group: wait for it to stop rather than leave it
  // behind; a SIGTERM sent to this process alone is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
} else {
  // Tools started from here (vitest, tsc, biome: `#!/usr/bin/env node`) run on this Node too.
  process.env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
  if (!bootstrap(args)) process.exit(1);
  if (args[0] === 'test') {
    process.exitCode = runTests(args.slice(1));
  } else {
    // kafkajs 2.2.4 arms a timer with a negative delay on Node >= 23; Node clamps it to 1 ms and warns.
    // The warning is noise for CLI users, so it alone is dropped.
    const emitWarning = process.emitWarning.bind(process);
    process.emitWarning = (warning, ...rest) => {
      const name =
        typeof warning === 'string' ? (typeof rest[0] === 'string' ? rest[0] : rest[0]?.type) : warning?.name;
      if (name !== 'TimeoutNegativeWarning') emitWarning(warning, ...rest);
    };
    const { main } = await import('./cli.ts');
    process.exitCode = await main(args);
  }
}
