// Starts facestat as the end-to-end tests do (global-setup.mjs: build, fresh
// database, server on a free port), seeds photos to judge, runs perf.mjs
// against it, then stops the server and drops the database.
//
//   node frontend/e2e/perf-serve.mjs [runs]   (FACESTAT_E2E_SKIP_BUILD=1 skips the app build)
import { chromium, request as pwRequest } from '@playwright/test';
import globalSetup from './global-setup.mjs';
import { makeJpegs, signUp, uploadPhoto } from './fixtures.mjs';
import { measure } from './perf.mjs';

const teardown = await globalSetup();
try {
  const url = process.env.FACESTAT_E2E_URL;
  const browser = await chromium.launch({ executablePath: process.env.FACESTAT_E2E_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const request = await pwRequest.newContext({ baseURL: url });
  const account = await signUp(request);
  for (const [i, jpeg] of (await makeJpegs(browser, 5)).entries()) await uploadPhoto(request, account, jpeg, `face-${i}.jpg`);
  await request.dispose();
  await browser.close();
  console.log(`seeded 5 photos; measuring ${url}/judge`);
  await measure(url, Number(process.argv[2] || 5));
} finally {
  await teardown();
}
