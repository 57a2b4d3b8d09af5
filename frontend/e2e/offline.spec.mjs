// Self-contained: one visitor's browser, with every request to another host
// blocked, goes through the front page, judging, a photo's results,
// GraphiQL and the status page. Nothing asks another host for anything (no CDN, no remote
// fonts), nothing fails to load, the Content-Security-Policy is never
// violated, and GraphiQL, in a browser that has the app's session cookie,
// runs a query, a mutation (which needs the CSRF header) and a subscription.
import path from 'node:path';
import { DESKTOP, expect, makeJpegs, shotsDir, signUp, test, uploadPhoto } from './fixtures.mjs';

const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** What GraphiQL's response pane shows, as text. */
const responseText = (page) => page.locator('.graphiql-response .CodeMirror-code');

/** Replaces the operation in GraphiQL's query editor (CodeMirror 5) and runs it. */
async function run(page, operation) {
  await page.locator('.graphiql-query-editor .CodeMirror').evaluate((el, op) => el.CodeMirror.setValue(op), operation);
  await page.getByRole('button', { name: /execute query/i }).click();
}

test('every page loads from this host alone, within the CSP, and GraphiQL works with the app’s session', async ({
  browser,
  request,
  newContext,
}) => {
  // A public photo of someone else's, for the results page and judging.
  const owner = await signUp(request);
  const [jpeg] = await makeJpegs(browser, 1);
  const photo = await uploadPhoto(request, owner, jpeg);

  const context = await newContext({ viewport: DESKTOP });
  const blocked = [];
  const failed = [];
  const violations = [];
  const sockets = [];
  await context.route('**/*', (route) => {
    if (LOCAL.has(new URL(route.request().url()).hostname)) return route.continue();
    blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  context.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  await context.exposeFunction('__reportCSPViolation', (v) => violations.push(v));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__reportCSPViolation(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} in ${e.documentURI} (${e.sourceFile}:${e.lineNumber})`),
    );
  });
  const page = await context.newPage();
  page.on('websocket', (ws) => sockets.push(ws.url()));

  const visit = async (route, ready) => {
    const res = await page.goto(route);
    expect(res.status(), `GET ${route}`).toBe(200);
    expect(res.headers()['content-security-policy'], `${route}: Content-Security-Policy`).toContain("script-src 'self'");
    await ready();
    await page.waitForLoadState('networkidle');
  };

  await visit('/', () => expect(page.locator('main h1').first()).toBeVisible());
  await visit('/judge', async () => {
    await expect(page.locator('main img').first()).toBeVisible();
    await expect(page.getByRole('button', { name: /vote/i })).toBeVisible();
  });
  await visit(`/photos/${photo.id}`, () =>
    expect(page.locator(`img[src$="${new URL(photo.imageUrl, 'http://x').pathname}"]`).first()).toBeVisible(),
  );
  // The app gave this browser an anonymous session: a mutation must now
  // repeat the CSRF cookie in X-CSRF-Token, or it is refused.
  const cookies = (await context.cookies()).map((c) => c.name);
  expect(cookies).toEqual(expect.arrayContaining(['fs_session', 'fs_csrf']));
  const bare = await context.request.post('/graphql', { data: { query: 'mutation { startAnonymousSession { token } }' } });
  const refusal = await bare.json();
  expect(refusal.errors?.[0]?.extensions, 'a cookie request without X-CSRF-Token').toMatchObject({ code: 'FORBIDDEN', reason: 'CSRF_TOKEN_INVALID' });

  // The first request for GraphiQL's bundles compresses them (about 1 MB)
  // before answering: allow for it on a busy machine.
  await visit('/graphiql', () => expect(page.locator('.graphiql-query-editor .CodeMirror')).toBeVisible({ timeout: 30_000 }));
  const editor = page.locator('.graphiql-query-editor .CodeMirror-code');
  await expect(editor).toContainText("FaceStat's GraphQL API");
  await expect(editor).toContainText('questions');

  await run(page, '{ questions { key } }');
  await expect(responseText(page)).toContainText('"key": "attractive"');
  await page.screenshot({ path: path.join(shotsDir, 'graphiql-query.png') });

  await run(page, 'mutation { startAnonymousSession { viewer { isAnonymous } } }');
  await expect(responseText(page)).toContainText('"isAnonymous": true');
  await expect(responseText(page)).not.toContainText('errors');
  await page.screenshot({ path: path.join(shotsDir, 'graphiql-mutation.png') });

  // Subscriptions go over graphql-ws on this origin.
  await run(page, `subscription { photoStats(photoId: "${photo.id}") { voteCount } }`);
  await expect(responseText(page)).toContainText('"voteCount": 0');

  // GraphiQL's dialogs open within the policy too: their scroll lock's
  // stylesheet is adopted, not inserted as a <style> element
  // (src/graphiql/styleSingleton.ts).
  await page.getByRole('button', { name: 'Open settings dialog' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  expect(await page.evaluate(() => document.adoptedStyleSheets.length), 'the scroll lock’s stylesheet').toBe(1);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  expect(await page.evaluate(() => document.adoptedStyleSheets.length)).toBe(0);

  // The operator's status page (its own inline style, no app policy).
  expect((await page.goto('/status')).status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1, name: /FaceStat status/ })).toBeVisible();
  await page.waitForLoadState('networkidle');

  expect(blocked, 'requests to other hosts').toEqual([]);
  expect(failed, 'requests that failed').toEqual([]);
  expect(violations, 'Content-Security-Policy violations').toEqual([]);
  expect(sockets.length, 'GraphiQL and the results page opened WebSockets').toBeGreaterThan(0);
  for (const url of sockets) expect(LOCAL.has(new URL(url).hostname), `WebSocket ${url}`).toBe(true);
});
