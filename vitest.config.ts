import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { readLocalEnv } from './local/infra/local-env.ts';

/** Where the JSON report goes: `test-results.json` in the state folder (HERALD_HOME, default .herald/). */
export function testReportFile(env: Record<string, string | undefined>): string {
  return join(readLocalEnv(env).heraldHome, 'test-results.json');
}

// One run: unit, integration (real Kafka + Redis from test/global-setup.ts) and infra tests.
// The JSON report feeds the `N passed, N failed` closing line that .ci/run prints.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // kafkajs 2.2.4 arms a negative-delay timer on Node >= 23 (clamped to 1 ms); the warning is noise.
    execArgv: ['--disable-warning=TimeoutNegativeWarning'],
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: testReportFile(process.env) }]],
  },
});
