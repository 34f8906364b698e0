// Prints the closing line CI reads, `N passed, N failed, N skipped`, from vitest's JSON report in the
// state folder (HERALD_HOME, default .herald/: where vitest.config.ts writes it).
// When `npm test` stopped before vitest ran (lint or type check failed) that check counts as failed.
// `--report-path` prints where the report is read from.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { heraldHome } from '../cli/bootstrap.mjs';

const [argument] = process.argv.slice(2);
const reportPath = join(heraldHome(process.env), 'test-results.json');
if (argument === '--report-path') {
  console.log(reportPath);
} else if (!existsSync(reportPath)) {
  console.log('npm test stopped before the tests ran (lint or type check failed; see above)');
  console.log(`0 passed, ${argument === '0' ? 0 : 1} failed`);
} else {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const skipped = report.numPendingTests + report.numTodoTests;
  // A test file that fails to load has no failed test of its own: count it, so red never reads green.
  const failed =
    report.numFailedTests +
    (argument !== '0' && report.numFailedTests === 0 ? Math.max(1, report.numFailedTestSuites) : 0);
  console.log(`${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
}
