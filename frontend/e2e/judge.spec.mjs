// The start page and the judging page as they are today.
import {
  FACE,
  answerWithKeys,
  expect,
  expectAccessible,
  expectNoSidewaysScroll,
  seedPhotos,
  shoot,
  test,
  waitForFace,
} from './fixtures.mjs';

// Every test here judges: make sure the queue holds photos. Each test's
// anonymous judge is new, so it can judge any of them.
test.beforeAll(async ({ browser, playwright }) => {
  const request = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
  await seedPhotos(browser, request, 3);
  await request.dispose();
});

test('the start page issues no GraphQL request', async ({ page }) => {
  const graphql = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/graphql') graphql.push(`${r.method()} ${r.postData() ?? ''}`);
  });
  page.on('websocket', (ws) => graphql.push(`WebSocket ${ws.url()}`));
  await page.goto('/', { waitUntil: 'networkidle' });
  await expect(page.getByRole('heading', { level: 1, name: 'FaceStat' })).toBeVisible();
  await page.waitForTimeout(500);
  expect(graphql).toEqual([]);
  await shoot(page, 'home');
});

test('judging by keyboard: answer, Enter, the crowd glimpse, the next photo', async ({ page }) => {
  // The operations the page sends: after the first photo, each vote's answer
  // carries the next photo (castVote's next), so no nextPhoto query follows.
  const operations = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/graphql' && r.method() === 'POST') operations.push(r.postDataJSON()?.operationName);
  });
  await page.goto('/judge');
  const first = await waitForFace(page);
  await shoot(page, 'judge');
  const nextPhotos = () => operations.filter((o) => o === 'NextPhoto').length;
  const startedWith = nextPhotos();

  await page.keyboard.press('7');
  await page.keyboard.press('y');
  await page.keyboard.press('n');
  await expect(page.locator('button[aria-pressed="true"]')).not.toHaveCount(0);
  await shoot(page, 'judge-answered');

  const vote = page.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().postDataJSON()?.operationName === 'CastVote');
  await page.keyboard.press('Enter');
  const res = await vote;
  const body = await res.json();
  expect(body.errors, 'castVote errors').toBeUndefined();
  expect(body.data.castVote.photo.voteCount).toBeGreaterThanOrEqual(1);
  expect(body.data.castVote.next?.imageUrl, 'the next photo, with the vote').toBeTruthy();

  const glimpse = page.locator('.glimpse');
  await expect(glimpse).toBeVisible();
  await expect(glimpse.getByRole('heading', { name: 'You vs the crowd' })).toBeVisible();
  await expect(glimpse).toContainText(/\d+ votes?/);
  await shoot(page, 'judge-glimpse');

  // The next photo comes by itself after the glimpse (Enter skips the wait).
  await waitForFace(page);
  const second = await page.locator(FACE).getAttribute('src');
  expect(second).not.toBe(first);
  await expect(page.locator('button[aria-pressed="true"]')).toHaveCount(0);

  // And Enter during the glimpse moves on at once.
  await answerWithKeys(page);
  await expect(glimpse).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(glimpse).toBeHidden({ timeout: 2000 });
  await waitForFace(page);
  expect(await page.locator(FACE).getAttribute('src')).not.toBe(second);
  expect(nextPhotos() - startedWith, 'nextPhoto queries after two votes').toBe(0);
});

test('the karma after a vote: not asked for again within the refresh interval, then alone', async ({ page }) => {
  // Karma changes as the refit weighs the judge's votes, never with the
  // vote: the page asks for it (ViewerKarma) at most every 30 s
  // (src/judge/karma.ts), and never for the whole viewer after a vote.
  const operations = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/graphql' && r.method() === 'POST') operations.push(r.postDataJSON()?.operationName);
  });
  // The server's answer to ViewerKarma, with a karma no new judge has, so
  // that the glimpse can only show it if the cache took it.
  const KARMA = 4242;
  await page.route('**/graphql', async (route) => {
    if (route.request().postDataJSON()?.operationName !== 'ViewerKarma') return route.fallback();
    const res = await route.fetch();
    const body = await res.json();
    expect(body.errors, 'ViewerKarma errors').toBeUndefined();
    expect(Number.isInteger(body.data.viewer.karma), 'the karma').toBe(true);
    body.data.viewer.karma = KARMA;
    await route.fulfill({ response: res, json: body });
  });
  const count = (name) => operations.filter((o) => o === name).length;
  const vote = async () => {
    const cast = count('CastVote');
    await answerWithKeys(page);
    await expect(page.locator('.glimpse')).toBeVisible();
    await expect(page.locator('.glimpse summary')).toHaveText(/^Your karma: -?\d+$/);
    expect(count('CastVote'), 'the vote').toBe(cast + 1);
  };
  const next = async () => {
    await page.keyboard.press('Enter');
    await waitForFace(page);
  };

  await page.clock.install();
  await page.goto('/judge');
  await waitForFace(page);
  await page.waitForLoadState('networkidle');
  const viewers = count('Viewer');
  const shown = await page.locator('.glimpse summary').count(); // none yet
  expect(shown).toBe(0);

  // A vote at once, and one 20 s later: within 30 s of the karma read with
  // the viewer as the page opened, no karma query.
  await vote();
  await expect(page.locator('.glimpse summary')).not.toHaveText(`Your karma: ${KARMA}`);
  await next();
  await page.clock.fastForward(20_000);
  await vote();
  await next();
  expect(count('ViewerKarma'), 'karma queries within 30 s').toBe(0);

  // 11 s later (31 s since the page opened, 11 s since the last vote):
  // the karma is asked for, alone, and the glimpse shows the answer.
  await page.clock.fastForward(11_000);
  const karma = page.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().postDataJSON()?.operationName === 'ViewerKarma');
  await vote();
  await karma;
  await expect(page.locator('.glimpse summary')).toHaveText(`Your karma: ${KARMA}`);
  await page.waitForLoadState('networkidle');
  expect(count('ViewerKarma'), 'karma queries').toBe(1);
  expect(count('Viewer') - viewers, 'whole-viewer queries after the votes').toBe(0);
});

test('no serious or critical axe-core violation on / and /judge', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectAccessible(page, '/');

  await page.goto('/judge');
  await waitForFace(page);
  await expectAccessible(page, '/judge (survey)');

  await answerWithKeys(page);
  await expect(page.locator('.glimpse')).toBeVisible();
  await expectAccessible(page, '/judge (glimpse)');
});

test('nothing scrolls sideways at 360 px', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectNoSidewaysScroll(page, '/');

  await page.goto('/judge');
  await waitForFace(page);
  await expectNoSidewaysScroll(page, '/judge');
  await answerWithKeys(page);
  await expect(page.locator('.glimpse')).toBeVisible();
  await expectNoSidewaysScroll(page, '/judge (glimpse)');

});

test.describe('offline and busy', () => {
  // The browser logs the failed requests these tests provoke.
  test.use({ allowConsoleErrors: /Failed to load resource|ERR_INTERNET_DISCONNECTED|503/ });

  test('offline while judging: a friendly message, and the vote goes through once back online', async ({ page, context }) => {
    await page.goto('/judge');
    await waitForFace(page);
    await context.setOffline(true);
    await answerWithKeys(page);
    await expect(page.getByRole('alert')).toHaveText(/Cannot reach FaceStat\. Check your connection/);
    // The answers stay and the page stays usable.
    await expect(page.locator('button[aria-pressed="true"]')).not.toHaveCount(0);
    await shoot(page, 'judge-offline');

    await context.setOffline(false);
    await page.keyboard.press('Enter');
    await expect(page.locator('.glimpse')).toBeVisible();
  });

  test('offline on arrival: a friendly message with a way to try again', async ({ page }) => {
    // The app itself loads; every API request fails as if offline.
    await page.route('**/graphql', (route) => route.abort('internetdisconnected'));
    await page.goto('/judge');
    await expect(page.getByRole('alert')).toHaveText(/Cannot reach FaceStat\. Check your connection/);
    await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
    await shoot(page, 'judge-offline-start');
  });

  const unavailable = (seconds) => ({
    status: 503,
    headers: { 'Retry-After': String(seconds), 'Content-Type': 'application/json' },
    body: JSON.stringify({ errors: [{ message: 'the service is overloaded', extensions: { code: 'UNAVAILABLE', retryAfter: seconds } }] }),
  });

  test('server busy on arrival (503, Retry-After, UNAVAILABLE): says so and when to retry', async ({ page }) => {
    await page.route('**/graphql', (route) => route.fulfill(unavailable(7)));
    await page.goto('/judge');
    await expect(page.getByRole('alert')).toHaveText(/busy right now.*7 s/);
    await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
    await shoot(page, 'judge-busy');
  });

  // Fails today: "Try again" restarts the session and the photo but not the
  // survey query, so the photo comes back with no questions and the old
  // error stays in the form (JudgePage: re-execute SurveyQuery on retry).
  test('after a failed start, Try again brings back the photo and the questions', async ({ page }) => {
    let busy = true;
    await page.route('**/graphql', (route) => (busy ? route.fulfill(unavailable(2)) : route.fallback()));
    await page.goto('/judge');
    await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
    busy = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.locator(FACE)).toBeVisible();
    await expect(page.locator('form.survey fieldset').first(), 'the survey questions after Try again').toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
  });

  test('busy while voting: the vote is kept, with a retry hint', async ({ page }) => {
    await page.goto('/judge');
    await waitForFace(page);
    let busy = true;
    await page.route('**/graphql', (route) =>
      busy && route.request().postDataJSON()?.operationName === 'CastVote'
        ? route.fulfill(unavailable(3))
        : route.fallback(),
    );
    await answerWithKeys(page);
    await expect(page.getByRole('alert')).toHaveText(/busy right now.*3 s/);
    await expect(page.locator('button[aria-pressed="true"]')).not.toHaveCount(0);
    busy = false;
    await page.keyboard.press('Enter');
    await expect(page.locator('.glimpse')).toBeVisible();
  });
});
