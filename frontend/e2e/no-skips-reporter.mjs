// A Playwright reporter that fails the run when any test was skipped
// (test.skip, test.fixme): `make test` runs every test, and a skip would
// hide a missing page or tool. playwright.config.mjs forbids test.only.
export default class NoSkipsReporter {
  skipped = [];

  onTestEnd(test, result) {
    if (result.status === 'skipped') {
      const why = test.annotations.filter((a) => a.type === 'skip' || a.type === 'fixme').map((a) => a.description).filter(Boolean);
      this.skipped.push(`${test.titlePath().filter(Boolean).join(' > ')}${why.length ? `: ${why.join('; ')}` : ''}`);
    }
  }

  onEnd(result) {
    if (this.skipped.length === 0) return;
    console.error(`\n${this.skipped.length} skipped (a skip fails the run):\n${this.skipped.map((s) => `  ${s}`).join('\n')}`);
    if (result.status === 'passed') return { status: 'failed' };
  }

  printsToStdio() {
    return false;
  }
}
