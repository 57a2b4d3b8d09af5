// A Vitest reporter that fails the run when any test was skipped (it.skip,
// it.todo, a skipIf that held): `make test` runs every test. The Makefile's
// frontend-test passes it with --reporter.
import path from 'node:path';

export default class NoSkipsReporter {
  skipped = [];

  onTestCaseResult(testCase) {
    const result = testCase.result();
    if (result.state === 'skipped') this.skipped.push(`${path.relative(process.cwd(), testCase.module.moduleId)}: ${testCase.fullName}${result.note ? `: ${result.note}` : ''}`);
  }

  onTestRunEnd() {
    if (this.skipped.length === 0) return;
    console.error(`\n${this.skipped.length} skipped (a skip fails the run):\n${this.skipped.map((s) => `  ${s}`).join('\n')}`);
    process.exitCode = 1;
  }
}
