// Phones and desktops: the header, the judging page and a photo's results
// fit a 360x740 phone and a 1280x800 laptop with nothing sticking out
// sideways; on /judge the photo, the current question and Vote show without
// scrolling, at every step. Screenshots of each page at both sizes go to
// test-artifacts/e2e/<page>-<width>x<height>.png. And the not-found page:
// for an unknown path and for a photo the viewer cannot see.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  FACE,
  castVotes,
  expect,
  expectAccessible,
  expectInViewWithoutScrolling,
  expectNoOverflow,
  makeJpegs,
  screenshotAtSize,
  seedPhotos,
  untilSurveyAsks,
  setPhotoPublic,
  signUp,
  test,
  uniqueHandle,
  uploadPhoto,
  waitForFace,
} from './fixtures.mjs';

const PHONE = { width: 360, height: 740 };
const LAPTOP = { width: 1280, height: 800 };

// The longest handle there can be (30 characters): the header's worst case.
const longestHandle = () => uniqueHandle('a_handle_this_long');

test.beforeAll(async ({ browser, playwright }) => {
  const request = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
  await seedPhotos(browser, request, 3);
  await request.dispose();
});

/** What must show on /judge without scrolling while answering. */
function judgingView(page) {
  return {
    photo: page.locator(FACE),
    'current question': page.locator('.questions .question.current'),
    'Vote button': page.getByRole('button', { name: /^Vote/ }),
  };
}

/** Answers the question in fieldset q the way a finger would. */
async function tapAnswer(q) {
  const kind = await q.evaluate((el) => [...el.classList].find((c) => c.startsWith('question-')));
  switch (kind) {
    case 'question-number':
      await q.getByRole('spinbutton').fill('34');
      break;
    case 'question-scale':
      await q.getByRole('button', { name: '7 of 10' }).click();
      break;
    case 'question-yesno':
      await q.getByRole('button', { name: 'Yes' }).click();
      break;
    case 'question-word':
      await q.getByRole('textbox').fill('friendly');
      break;
    default:
      throw new Error(`unknown question kind ${kind}`);
  }
  return kind;
}

for (const size of [PHONE, LAPTOP]) {
  const at = `${size.width}x${size.height}`;
  const phone = size === PHONE;

  test.describe(at, () => {
    test.use({ viewport: size });

    test(`/judge: photo, current question and Vote in view at every step, nothing overflows`, async ({ page }) => {
      await page.goto('/judge');
      await waitForFace(page);
      await expectInViewWithoutScrolling(page, `/judge at ${at}`, judgingView(page));
      await expectNoOverflow(page, `/judge at ${at}`);
      await expectAccessible(page, `/judge at ${at}`);
      await screenshotAtSize(page, 'judge');

      const questions = page.locator('.questions .question');
      const n = await questions.count();
      expect(n, 'survey questions').toBeGreaterThan(1);
      if (phone) await expect(page.locator('.questions .question:visible'), 'one question at a time').toHaveCount(1);
      else await expect(page.locator('.questions .question:visible'), 'every question').toHaveCount(n);

      for (let i = 0; i < n; i++) {
        const q = questions.nth(i);
        if (phone) {
          await expect(page.getByText(`Question ${i + 1} of ${n}`)).toBeVisible();
          await expect(q).toHaveClass(/\bcurrent\b/);
        }
        await expectInViewWithoutScrolling(page, `/judge at ${at}, question ${i + 1}`, {
          photo: page.locator(FACE),
          [`question ${i + 1}`]: q,
          'Vote button': page.getByRole('button', { name: /^Vote/ }),
        });
        const kind = await tapAnswer(q);
        // One tap answers a scale or yes/no and moves on; after a number or a word the judge moves on.
        if (phone && i < n - 1 && (kind === 'question-number' || kind === 'question-word')) {
          await page.getByRole('button', { name: 'Next question' }).click();
        }
      }
      await expectInViewWithoutScrolling(page, `/judge at ${at}, all answered`, judgingView(page));
      await expectNoOverflow(page, `/judge at ${at}, all answered`);
      await screenshotAtSize(page, 'judge-answered');

      await page.getByRole('button', { name: /^Vote/ }).click();
      const glimpse = page.locator('.glimpse');
      await expect(glimpse.getByRole('heading', { name: 'You vs the crowd' })).toBeVisible();
      await expectInViewWithoutScrolling(page, `/judge at ${at}, the crowd's answers`, {
        photo: page.locator(FACE),
        "the crowd's answers": glimpse.getByRole('heading', { name: 'You vs the crowd' }),
        'Next photo button': glimpse.getByRole('button', { name: /^Next photo/ }),
      });
      await expectNoOverflow(page, `/judge at ${at}, the crowd's answers`);
      await screenshotAtSize(page, 'judge-glimpse');
    });

    test(`/judge signed in with the longest handle: the header fits, and so does the judging view`, async ({ page, context }) => {
      const me = await signUp(context.request, { cookie: true, handle: longestHandle() });
      await page.goto('/judge');
      await waitForFace(page);
      await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(me.handle) })).toBeVisible();
      await expectInViewWithoutScrolling(page, `/judge signed in at ${at}`, {
        ...judgingView(page),
        'Sign out': page.getByRole('button', { name: 'Sign out' }),
      });
      await expectNoOverflow(page, `/judge signed in at ${at}`);
      await screenshotAtSize(page, 'judge-signed-in');
    });

    test(`a photo's results with votes, its owner signed in with the longest handle: nothing overflows`, async ({
      page,
      context,
      browser,
      playwright,
    }) => {
      const me = await signUp(context.request, { cookie: true, handle: longestHandle() });
      const [jpeg] = await makeJpegs(browser, 1);
      const photo = await uploadPhoto(context.request, me, jpeg);
      const judges = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
      await castVotes(judges, photo.id, 12);
      await judges.dispose();

      await page.goto(`/photos/${photo.id}`);
      await expect(page.getByRole('heading', { level: 1, name: 'Your results' })).toBeVisible();
      await expect(page.locator('.vote-count')).toHaveText(/^12 votes/);
      await expect(page.locator('svg.histogram').first()).toBeVisible();
      await expectNoOverflow(page, `/photos/:id at ${at}`);
      await expectAccessible(page, `/photos/:id at ${at}`);
      await screenshotAtSize(page, 'photo-results', { fullPage: true });
    });

  });
}

test('/judge on a phone on its side (740x360): the photo beside the question, Vote in view', async ({ page }) => {
  await page.setViewportSize({ width: 740, height: 360 });
  await page.goto('/judge');
  await waitForFace(page);
  await expectInViewWithoutScrolling(page, '/judge at 740x360', judgingView(page));
  await expectNoOverflow(page, '/judge at 740x360');
  await screenshotAtSize(page, 'judge');
});

test('phone: keys answer through the stepper, which shows what they answered; focus follows a tap to the next question', async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  await page.goto('/judge');
  await untilSurveyAsks(page, 'question-scale', 'question-yesno');
  const current = page.locator('.questions .question.current');
  // The survey keeps the survey's order: the scale question, then the
  // yes/no questions, the first of them the one Y answers.
  const firstYesNo = await page
    .locator('form.survey fieldset.question-yesno legend')
    .first()
    .evaluate((el) => el.firstChild.textContent.trim()); // the prompt, without the key hint

  // Y answers the first yes/no question: the stepper goes there, with Yes pressed.
  await page.keyboard.press('y');
  await expect(current.locator('legend')).toContainText(firstYesNo);
  await expect(current.getByRole('button', { name: 'Yes' })).toHaveAttribute('aria-pressed', 'true');
  // 7 rates the scale question.
  await page.keyboard.press('7');
  await expect(current.getByRole('button', { name: '7 of 10' })).toHaveAttribute('aria-pressed', 'true');

  // Space on a focused answer picks it; the next question comes and takes focus.
  await current.getByRole('button', { name: '8 of 10' }).focus();
  await page.keyboard.press('Space');
  await expect(current.locator('legend')).toContainText(firstYesNo);
  await expect(current).toBeFocused();

  // Tab reaches the answers, then Vote; Enter votes.
  await page.keyboard.press('Tab');
  await expect(current.getByRole('button', { name: 'Yes' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: /^Vote/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('.glimpse')).toBeVisible();
});

const routes = JSON.parse(readFileSync(new URL('../routes.json', import.meta.url), 'utf8'));

test.describe('not found', () => {
  // The browser reports the page's own 404 on the console; nothing else.
  test.use({ allowConsoleErrors: /responded with a status of 404 \(Not Found\)$/ });
  // The server's list of the app's pages (frontend/routes.json) and the
  // app's router (src/App.tsx) must agree: each page answers 200 and is
  // not the not-found page.
  for (const route of routes.filter((r) => !r.includes('{'))) {
    test(`the app's page ${route} answers 200 and is no not-found page`, async ({ page }) => {
      const res = await page.goto(route);
      expect(res.status(), `GET ${route}`).toBe(200);
      await expect(page.locator('#root main')).toBeVisible();
      await expect(page.getByRole('heading', { level: 1, name: /not found/i })).toHaveCount(0);
    });
  }

  for (const size of [PHONE, LAPTOP]) {
    test(`the not-found page at ${size.width}x${size.height}: nothing overflows`, async ({ page }) => {
      await page.setViewportSize(size);
      await page.goto('/no-such-page');
      await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
      await expectNoOverflow(page, `/no-such-page at ${size.width}x${size.height}`);
      await screenshotAtSize(page, 'not-found');
    });
  }

  test('an unknown path answers 404 with the not-found page, with links to judging and home', async ({ page }) => {
    const res = await page.goto('/no-such-page');
    expect(res.status(), 'GET /no-such-page').toBe(404);
    const main = page.getByRole('main');
    await expect(main.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expect(main.getByRole('link', { name: 'Go to the front page' })).toHaveAttribute('href', '/');
    await expectAccessible(page, '/no-such-page');
    await main.getByRole('link', { name: 'Judge faces' }).click();
    await expect(page).toHaveURL(/\/judge$/);
    await expect(page.getByRole('heading', { name: 'Judge a face' })).toBeAttached();
  });

  for (const [what, id] of [
    ['a made-up id', Buffer.from(`Photo:${randomUUID()}`).toString('base64url')],
    ['not an id at all', 'no-such-photo'],
  ]) {
    test(`a deep link to a photo that does not exist (${what}) answers 404 with the not-found page`, async ({ page }) => {
      const res = await page.goto(`/photos/${id}`);
      expect(res.status(), `GET /photos/${id}`).toBe(404);
      const main = page.getByRole('main');
      await expect(main.getByRole('heading', { level: 1, name: 'Photo not found' })).toBeVisible();
      await expect(main.getByRole('link', { name: 'Judge faces' })).toHaveAttribute('href', '/judge');
      await expect(main.getByRole('link', { name: 'Go to the front page' })).toHaveAttribute('href', '/');
    });
  }

  test('a deep link to someone else’s private photo shows the not-found page; its owner sees it', async ({
    page,
    browser,
    newContext,
  }) => {
    const ownerBrowser = await newContext();
    const owner = await signUp(ownerBrowser.request, { cookie: true });
    const [jpeg] = await makeJpegs(browser, 1);
    const photo = await uploadPhoto(ownerBrowser.request, owner, jpeg);
    await setPhotoPublic(ownerBrowser.request, owner, photo.id, false);

    const ownerPage = await ownerBrowser.newPage();
    const mine = await ownerPage.goto(`/photos/${photo.id}`);
    expect(mine.status(), 'the owner: GET /photos/<id>').toBe(200);
    await expect(ownerPage.getByRole('heading', { level: 1, name: 'Your results' })).toBeVisible();

    const theirs = await page.goto(`/photos/${photo.id}`);
    expect(theirs.status(), 'a stranger: GET /photos/<id>').toBe(404);
    await expect(page.getByRole('main').getByRole('heading', { level: 1, name: 'Photo not found' })).toBeVisible();
    await screenshotAtSize(page, 'photo-not-found');
  });
});
