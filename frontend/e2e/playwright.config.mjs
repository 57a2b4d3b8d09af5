// End-to-end tests of the web app: Debian's Chromium (no browser download)
// driven by Playwright against the real facestat binary on a fresh
// PostgreSQL database. Run with `make e2e` (or `npm test --prefix frontend/e2e`).
// global-setup.mjs builds the app and the binary, creates the database and
// starts the server; screenshots and the server log go to test-artifacts/e2e/.
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifacts = path.resolve(here, '../../test-artifacts/e2e');

export default defineConfig({
  testDir: here,
  testMatch: '*.spec.mjs',
  globalSetup: './global-setup.mjs',
  outputDir: path.join(artifacts, 'results'),
  // One worker: the tests share one server and the judging queue; the whole
  // run takes well under a minute.
  workers: 1,
  fullyParallel: false,
  // Every test runs: test.only and any skipped test fail the run.
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['./no-skips-reporter.mjs']],
  use: {
    browserName: 'chromium',
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 1,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.FACESTAT_E2E_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
