// Prints the closing line CI reads, `N passed, N failed, N skipped`, from vitest's JSON report.
// When `npm test` stopped before vitest ran (lint or type check failed) that check counts as failed.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, exitStatus] = process.argv.slice(2);
if (!existsSync(reportPath)) {
  console.log('npm test stopped before the tests ran (lint or type check failed; see above)');
  console.log(`0 passed, ${exitStatus === '0' ? 0 : 1} failed`);
} else {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const skipped = report.numPendingTests + report.numTodoTests;
  // A test file that fails to load has no failed test of its own: count it, so red never reads green.
  const failed =
    report.numFailedTests +
    (exitStatus !== '0' && report.numFailedTests === 0 ? Math.max(1, report.numFailedTestSuites) : 0);
  console.log(`${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
}
