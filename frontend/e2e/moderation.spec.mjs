// Reports and moderation (issue 14): a judge reports from /judge (the
// dialog: reasons, a note with its counter, Escape, focus) and is moved on;
// a second report of the same photo is refused in words; a counted MINOR
// report hides a photo from strangers while its owner sees it under review;
// a moderator (granted with `facestat grant moderator`) sees the report's
// note as text, restores the photo from the queue and finds the log entry.
import {
  FACE,
  PASSWORD,
  signIn,
  expect,
  expectAccessible,
  gqlRaw,
  grantModerator,
  judgeWhoVoted,
  seedPhotos,
  shoot,
  signUp,
  test,
  uploadPhoto,
  makeJpegs,
  waitForFace,
} from './fixtures.mjs';

const ATTACK = '<img src=x onerror=alert(1)>';

/** Opens /moderation as a new moderator in a context of its own. */
async function moderatorPage(newContext) {
  const ctx = await newContext();
  const mod = await signUp(ctx.request, { cookie: true });
  grantModerator(mod.handle);
  // A new sign-in gets the new role at once (a cached session keeps its old one for a few seconds).
  await signIn(ctx.request, mod.email, PASSWORD);
  const page = await ctx.newPage();
  await page.goto('/');
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Moderation' });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Moderation' })).toBeVisible();
  return { page, mod };
}

/** The queue item of a photo on /moderation. */
const queueItem = (page, photoId) => page.locator('article.queue-item', { has: page.locator(`a[href="/photos/${photoId}"]`) });

// Public photos to judge and report.
let seeded;
test.beforeAll(async ({ browser, playwright }) => {
  const request = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
  seeded = await seedPhotos(browser, request, 3);
  await request.dispose();
});

test('a judge reports a photo from /judge; a moderator sees the note as text, restores it, and the log says who and when', async ({
  page,
  newContext,
}) => {
  await page.goto('/judge');
  const src = await waitForFace(page);

  // The dialog: a modal named by its heading, focus inside, Escape closes it and focus returns.
  const report = page.getByRole('button', { name: 'Report', exact: true });
  await report.click();
  const dialog = page.getByRole('dialog', { name: 'Report this photo' });
  await expect(dialog).toBeVisible();
  await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
  // Keys inside the dialog are the dialog's, not the judging page's (S skips, Y answers).
  await page.keyboard.press('s');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(report).toBeFocused();
  await expect(page.locator(FACE)).toHaveAttribute('src', src);

  await report.click();
  await dialog.getByRole('button', { name: 'Send report' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Choose why you report this photo.');
  await dialog.getByRole('radio', { name: /Something else/ }).check();
  const note = dialog.getByLabel(/Note for the moderators/);
  await note.fill('x'.repeat(501));
  await expect(dialog.getByText('501 / 500 (too long)')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Send report' })).toBeDisabled();
  await note.fill(ATTACK);
  await expect(dialog.getByText(`${ATTACK.length} / 500`)).toBeVisible();
  await shoot(page, 'report-dialog');

  const answered = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('"operationName":"ReportPhoto"'));
  await dialog.getByRole('button', { name: 'Send report' }).click();
  const { data } = await (await answered).json();
  const photoId = data.reportPhoto.photoId;
  await expect(dialog).toBeHidden();
  // Moved on: another photo (or none left), and a thank-you.
  if (data.reportPhoto.next) {
    await expect(page.locator(FACE)).not.toHaveAttribute('src', src);
    await expect(page.getByText('Reported: thank you. Here is another face.')).toBeVisible();
  } else {
    await expect(page.getByRole('heading', { name: 'You have judged every face' })).toBeVisible();
  }

  // On a public photo's page: a report, then a second one refused in words.
  const other = seeded.photos.find((p) => p.id !== photoId);
  await page.goto(`/photos/${other.id}`);
  for (const attempt of [1, 2]) {
    await page.getByRole('button', { name: 'Report', exact: true }).click();
    await dialog.getByRole('radio', { name: /Spam/ }).check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    if (attempt === 1) {
      await expect(dialog).toBeHidden();
      await expect(page.getByText('Reported: thank you. Moderators will look at it.')).toBeVisible();
      await page.reload();
    } else {
      await expect(dialog.getByRole('alert')).toHaveText('You already reported this photo. Moderators will look at it.');
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();
    }
  }

  // A moderator: the report, its note as text (no element made of it), then Restore.
  const { page: mp, mod } = await moderatorPage(newContext);
  const item = queueItem(mp, photoId);
  await expect(item).toBeVisible();
  await expect(item.getByText(ATTACK, { exact: true })).toBeVisible();
  await expect(item.locator('img[src="x"]')).toHaveCount(0);
  await expect(item.getByText('Something else')).toBeVisible();
  await expectAccessible(mp, '/moderation');
  await shoot(mp, 'moderation');

  await item.getByLabel('Note for the log (optional)').fill('Checked: nothing wrong with it.');
  await item.getByRole('button', { name: 'Restore' }).click();
  await expect(mp.locator('.notice')).toHaveText('You restored a photo.');
  await expect(queueItem(mp, photoId)).toHaveCount(0);
  const entry = mp.locator('.mod-log li', { has: mp.locator(`a[href="/photos/${photoId}"]`) }).first();
  await expect(entry).toContainText(`${mod.handle} restored`);
  await expect(entry).toContainText('Checked: nothing wrong with it.');
  await expect(entry.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);
  await shoot(mp, 'moderation-log');
});

test('a counted MINOR report hides the photo from strangers, its owner sees it under review, a moderator restores it', async ({
  page,
  context,
  browser,
  playwright,
  newContext,
}) => {
  // Five photos for the reporter to judge first (an established judge), and the owner's public photo.
  const request = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
  const { photos } = await seedPhotos(browser, request, 5);
  const owner = await signUp(context.request, { cookie: true });
  const [jpeg] = await makeJpegs(browser, 1);
  const photo = await uploadPhoto(context.request, owner, jpeg);
  const judge = await judgeWhoVoted(request, photos.map((p) => p.id));
  // From a network of its own (a report from loopback never counts): global-setup trusts 127.0.0.1 as a proxy.
  const r = await gqlRaw(
    request,
    `mutation($in: ReportPhotoInput!) { reportPhoto(input: $in) { photoId } }`,
    { in: { photoId: photo.id, reason: 'MINOR', note: 'Looks about 15.' } },
    { ...judge, 'X-Forwarded-For': '203.0.113.7' },
  );
  expect(r.body.errors, 'reportPhoto').toBeUndefined();

  // A stranger no longer finds it.
  await expect
    .poll(async () => (await gqlRaw(request, `query($id: ID!) { photo(id: $id) { id } }`, { id: photo.id })).body.data?.photo ?? null, {
      message: 'the photo is hidden from strangers',
    })
    .toBeNull();
  await request.dispose();

  // Its owner does, marked under review, on its page and in My photos.
  await page.goto(`/photos/${photo.id}`);
  await expect(page.getByText('Hidden from others while moderators review reports.')).toBeVisible();
  await page.goto('/me');
  await expect(page.locator('.thumb-caption.under-review')).toHaveText('Under review');
  await shoot(page, 'my-photos-under-review');
  // Uploaded through the API without consent: its owner is asked to confirm it, with the upload form's words.
  const prompt = page.locator('form.consent-prompt');
  await expect(prompt).toHaveCount(1);
  const confirm = prompt.getByRole('button', { name: 'Confirm' });
  await expect(confirm).toBeDisabled();
  for (const label of ['This photo shows me', 'I am an adult (18 or older)', 'I accept that strangers judge it']) {
    await prompt.getByLabel(label).check();
  }
  await confirm.click();
  await expect(prompt).toHaveCount(0);

  // The moderator's queue puts it first, flagged; Remove and Ban ask first.
  const { page: mp } = await moderatorPage(newContext);
  const item = queueItem(mp, photo.id);
  await expect(mp.locator('article.queue-item').first()).toHaveClass(/flagged/);
  await expect(item.getByText('Looks under 18').first()).toBeVisible();
  await expect(item.getByText('Hidden, under review')).toBeVisible();
  await item.getByRole('button', { name: 'Ban owner…' }).click();
  await expect(item.getByRole('group', { name: 'Confirm: Ban owner' })).toContainText('cannot sign up again');
  await item.getByRole('button', { name: 'Cancel' }).click();
  await item.getByRole('button', { name: 'Restore' }).click();
  await expect(mp.locator('.notice')).toHaveText('You restored a photo.');

  await page.goto(`/photos/${photo.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Your results' })).toBeVisible();
  await expect(page.getByText('Hidden from others while moderators review reports.')).toHaveCount(0);
});

test('a judge who is no moderator gets no Moderation link, and /moderation says it is for moderators', async ({ page, context }) => {
  await signUp(context.request, { cookie: true });
  await page.goto('/moderation');
  await expect(page.getByText('This page is for moderators.')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Moderation' })).toHaveCount(0);
});
