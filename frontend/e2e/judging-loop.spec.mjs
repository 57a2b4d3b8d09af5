// The judging loop of issue 13, clicked through: Skip, the questions the
// server assigns for a photo (photo.survey), "you vs the crowd" after a
// vote, karma, an owner comparing two photos, and the top list's
// explanation with each photo's votes and interval.
import {
  DESKTOP,
  FACE,
  castVotes,
  csrfHeaders,
  expect,
  expectAccessible,
  gotoRoute,
  gql,
  makeJpegs,
  seedPhotos,
  shoot,
  signUp,
  test,
  uploadPhoto,
  waitForFace,
} from './fixtures.mjs';

test.beforeAll(async ({ browser, playwright }) => {
  const request = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
  await seedPhotos(browser, request, 4);
  await request.dispose();
});

/**
 * Watches the page's GraphQL answers and keeps every photo they carry by
 * its image URL, so a test can tell which photo the judge page shows.
 */
function trackPhotos(page) {
  const byImage = new Map();
  const walk = (v) => {
    if (!v || typeof v !== 'object') return;
    if (typeof v.imageUrl === 'string' && typeof v.id === 'string') byImage.set(v.imageUrl, v);
    for (const x of Object.values(v)) walk(x);
  };
  page.on('response', async (r) => {
    if (!r.url().endsWith('/graphql') || r.request().method() !== 'POST') return;
    try {
      walk(await r.json());
    } catch {
      /* not JSON (or the page went away) */
    }
  });
  return {
    async shown() {
      const src = await page.locator(FACE).getAttribute('src');
      await expect.poll(() => byImage.has(src), { message: `the photo of ${src} came in a GraphQL answer` }).toBe(true);
      return byImage.get(src);
    },
  };
}

/** A GraphQL request with the browser context's cookie session. */
async function asViewer(context, query, variables) {
  return gql(context.request, query, variables, await csrfHeaders(context.request));
}

function operation(name) {
  return (r) => r.url().endsWith('/graphql') && r.request().postDataJSON()?.operationName === name;
}

/** The question keys of the judge form, in order (from the legends' ids, q-<key>-label). */
async function formKeys(page) {
  return page.locator('form.survey fieldset legend').evaluateAll((ls) => ls.map((l) => l.id.replace(/^q-/, '').replace(/-label$/, '')));
}

test('Skip (button and S key): the photo goes, the next comes, and the skipped ones are not offered again', async ({ page, context }) => {
  const photos = trackPhotos(page);
  await page.goto('/judge');
  await waitForFace(page);
  const first = await photos.shown();
  await expect(page.getByRole('button', { name: /^Skip/ })).toBeVisible();
  await shoot(page, 'judge-skip');

  const skipped = page.waitForResponse(operation('SkipPhoto'));
  await page.getByRole('button', { name: /^Skip/ }).click();
  const body = await (await skipped).json();
  expect(body.errors, 'skipPhoto errors').toBeUndefined();
  expect(body.data.skipPhoto.photoId).toBe(first.id);
  await waitForFace(page);
  const second = await photos.shown();
  expect(second.id).not.toBe(first.id);
  if (body.data.skipPhoto.next) expect(second.id).toBe(body.data.skipPhoto.next.id);

  // The keyboard skips too.
  const byKey = page.waitForResponse(operation('SkipPhoto'));
  await page.keyboard.press('s');
  const keyBody = await (await byKey).json();
  expect(keyBody.errors, 'skipPhoto errors (S key)').toBeUndefined();
  expect(keyBody.data.skipPhoto.photoId).toBe(second.id);

  // Neither comes back: walk the judge's queue (at most 10 left out at a time).
  const seen = [];
  for (let i = 0; i < 10; i++) {
    const { nextPhoto } = await asViewer(context, 'query($skip: [ID!]) { nextPhoto(skip: $skip) { id } }', { skip: seen.slice(-10) });
    if (!nextPhoto) break;
    expect([first.id, second.id], 'a skipped photo offered again').not.toContain(nextPhoto.id);
    seen.push(nextPhoto.id);
  }
});

test('the form asks exactly the questions photo.survey assigns, three or four of them', async ({ page, context }) => {
  await page.setViewportSize(DESKTOP);
  const photos = trackPhotos(page);
  await page.goto('/judge');
  await waitForFace(page);
  const shown = await photos.shown();
  const { photo } = await asViewer(context, 'query($id: ID!) { photo(id: $id) { survey { key prompt } } }', { id: shown.id });
  expect(await formKeys(page)).toEqual(photo.survey.map((q) => q.key));
  for (const q of photo.survey) await expect(page.locator('form.survey legend', { hasText: q.prompt })).toBeVisible();
  expect(photo.survey.length, 'Photo.survey holds three or four questions').toBeGreaterThanOrEqual(3);
  expect(photo.survey.length, 'Photo.survey holds three or four questions').toBeLessThanOrEqual(4);
  await shoot(page, 'judge-assigned');
});

/** Answers every question on the form: 31 for numbers, 7 for scales, yes, and "calm". Returns the answers by key. */
async function answerAll(page) {
  const answers = {};
  for (const fs of await page.locator('form.survey fieldset').all()) {
    const key = (await fs.locator('legend').getAttribute('id')).replace(/^q-/, '').replace(/-label$/, '');
    const cls = await fs.getAttribute('class');
    if (cls.includes('question-number')) {
      await fs.locator('input[type="number"]').fill('31');
      answers[key] = 31;
    } else if (cls.includes('question-scale')) {
      await fs.getByRole('button', { name: /^7 of/ }).click();
      answers[key] = 7;
    } else if (cls.includes('question-yesno')) {
      await fs.getByRole('button', { name: 'Yes' }).click();
      answers[key] = true;
    } else if (cls.includes('question-word')) {
      await fs.locator('input[type="text"]').fill('calm');
      answers[key] = 'calm';
    }
  }
  return answers;
}

/** The sentence the app should show, computed here from the vote's answer (nearest-rank quartiles). */
function expectedSentence(s, yours) {
  const one = (x) => {
    const r = Math.round(x * 10) / 10;
    return Number.isInteger(r) ? String(r) : r.toFixed(1);
  };
  switch (s.question.kind) {
    case 'NUMBER':
    case 'SCALE': {
      const values = s.histogram.flatMap((b) => Array(b.count).fill(b.value)).sort((a, b) => a - b);
      const q1 = values[Math.ceil(0.25 * values.length) - 1];
      const q3 = values[Math.ceil(0.75 * values.length) - 1];
      const head = `You said ${yours}; the crowd says ${one(s.mean)} on average`;
      return q1 === q3
        ? `${head}; at least half of the ${s.count} answers are ${q1}.`
        : `${head}; the middle half of the ${s.count} answers lie between ${q1} and ${q3}.`;
    }
    case 'YES_NO':
      return `You said yes; ${Math.round(s.yesShare * 100)}% of the crowd says yes.`;
    case 'WORD':
      return s.words[0].word === yours
        ? `You said “${yours}”, the crowd’s most given word too.`
        : `You said “${yours}”; the crowd’s most given word: “${s.words[0].word}”.`;
  }
  return null;
}

test('after a vote: each answer beside the crowd’s, in words, and the judge’s karma', async ({ page, context, request }) => {
  await page.setViewportSize(DESKTOP);
  const photos = trackPhotos(page);
  await page.goto('/judge');
  await waitForFace(page);
  const shown = await photos.shown();
  // A crowd before this judge: five other judges (castVotes: ages 20 to 48, "calm" once).
  await castVotes(request, shown.id, 5);

  const answers = await answerAll(page);
  expect(Object.keys(answers).length).toBeGreaterThan(0);
  const voted = page.waitForResponse(operation('CastVote'));
  await page.getByRole('button', { name: /^Vote/ }).click();
  const body = await (await voted).json();
  expect(body.errors, 'castVote errors').toBeUndefined();

  const glimpse = page.locator('.glimpse');
  await expect(glimpse.getByRole('heading', { name: 'You vs the crowd' })).toBeVisible();
  // Opening the karma note keeps it up while the judge reads (no next photo after a while).
  await glimpse.locator('summary').click();
  await expect(glimpse.locator('details.karma')).toHaveAttribute('open', '');
  const stats = body.data.castVote.photo.stats.questions.filter((s) => answers[s.question.key] !== undefined);
  expect(stats.length).toBe(Object.keys(answers).length);
  for (const s of stats) {
    const row = glimpse.locator('.glimpse-row', { hasText: s.question.prompt });
    await expect(row.locator('dd')).toHaveText(expectedSentence(s, answers[s.question.key]));
  }
  // Numbers name their range: the middle half of the answers.
  if (stats.some((s) => s.question.kind === 'NUMBER' || s.question.kind === 'SCALE')) {
    await expect(glimpse).toContainText(/the middle half of the \d+ answers lie between \d+ and \d+|at least half of the \d+ answers are \d+/);
  }
  await expect(glimpse.locator('summary')).toHaveText(/^Your karma: -?\d+$/);
  await expect(glimpse.locator('details.karma')).toContainText('judging carefully');
  await shoot(page, 'judge-versus');
  await expect(glimpse.getByRole('heading', { name: 'You vs the crowd' }), 'still up after the screenshots').toBeVisible();
});

test('karma: the judge page and the owner’s photos show the balance and, in words, what earns it and what it buys', async ({
  page,
  context,
  browser,
}) => {
  const me = await signUp(context.request, { cookie: true });
  const [jpeg] = await makeJpegs(browser, 1);
  await uploadPhoto(context.request, me, jpeg);
  const { viewer } = await asViewer(context, '{ viewer { karma } }');

  await gotoRoute(page, '/me');
  const card = page.locator('.card.karma');
  await expect(card.getByRole('heading', { name: `Your karma: ${viewer.karma}` })).toBeVisible();
  await expect(card).toContainText('judging carefully');
  await expect(card).toContainText('shown to judges sooner');
  await expect(card).toContainText('first 10 votes');
  await expect(card, 'no formula').not.toContainText(/[=×*÷]|points? per/);
  await shoot(page, 'me-karma');

  await page.setViewportSize(DESKTOP);
  await page.goto('/judge');
  await waitForFace(page);
  await answerAll(page);
  await page.getByRole('button', { name: /^Vote/ }).click();
  const note = page.locator('.glimpse details.karma');
  await expect(note.locator('summary')).toHaveText(/^Your karma: -?\d+$/);
  await note.locator('summary').click();
  await expect(note).toContainText('judging carefully');
  await expect(note).toContainText('shown to judges sooner');
  await expectAccessible(page, '/judge (glimpse with karma)');
});

/** n votes on a photo from new anonymous judges, each giving the same answers. */
async function votesOf(request, photoId, n, answers) {
  for (let i = 0; i < n; i++) {
    const { startAnonymousSession } = await gql(request, 'mutation { startAnonymousSession { token } }');
    await gql(
      request,
      'mutation($in: CastVoteInput!) { castVote(input: $in) { photo { id } } }',
      { in: { photoId, answers } },
      { Authorization: `Bearer ${startAnonymousSession.token}` },
    );
  }
}

const overlap = (a, b) => a.low <= b.high && b.low <= a.high;

test('an owner compares two photos side by side, question by question, from their photos page', async ({
  page,
  context,
  browser,
  request,
}) => {
  await page.setViewportSize(DESKTOP);
  const me = await signUp(context.request, { cookie: true });
  const [a, b] = await makeJpegs(browser, 2);
  const older = await uploadPhoto(context.request, me, a, 'older.jpg');
  const newer = await uploadPhoto(context.request, me, b, 'newer.jpg');
  await votesOf(request, older.id, 8, [
    { questionKey: 'attractive', number: 9 },
    { questionKey: 'trustworthy', yes: true },
    { questionKey: 'age', number: 30 },
  ]);
  await votesOf(request, newer.id, 8, [
    { questionKey: 'attractive', number: 2 },
    { questionKey: 'trustworthy', yes: false },
    { questionKey: 'age', number: 31 },
  ]);

  await gotoRoute(page, '/me');
  await page.getByRole('link', { name: 'Compare your photos' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Compare your photos' })).toBeVisible();
  expect(new URL(page.url()).pathname).toBe('/compare');
  const boxes = page.locator('.compare-pick').getByRole('checkbox');
  await expect(boxes).toHaveCount(2);
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  const side = page.getByRole('region', { name: 'Side by side' });
  await expect(side).toBeVisible();

  // Photo 1 and Photo 2 in the list's order (newest first), linked to their results.
  const hrefs = await side.locator('.compare-photos a').evaluateAll((as) => as.map((x) => new URL(x.href).pathname));
  expect(hrefs).toEqual([`/photos/${newer.id}`, `/photos/${older.id}`]);
  const label = { [newer.id]: 'Photo 1', [older.id]: 'Photo 2' };

  const { nodes } = await asViewer(
    context,
    'query($ids: [ID!]!) { nodes(ids: $ids) { ... on Photo { id stats { questions { question { key prompt kind } count mean adjustedMean interval { low high } } } } } }',
    { ids: [newer.id, older.id] },
  );
  const byKey = (photo, key) => photo.stats.questions.find((q) => q.question.key === key);
  for (const key of ['attractive', 'trustworthy', 'age']) {
    const [s1, s2] = nodes.map((n) => byKey(n, key));
    const section = side.getByRole('region', { name: s1.question.prompt });
    await expect(section).toBeVisible();
    const votesRow = section.getByRole('row', { name: /^Votes/ });
    await expect(votesRow.getByRole('cell')).toHaveText(['8', '8']);
    await expect(section.getByRole('row', { name: /^95% interval/ }).getByRole('cell')).toHaveText([/ to /, / to /]);
    if (key !== 'trustworthy') await expect(section.getByRole('row', { name: /^Mean/ }).getByRole('cell')).toHaveText([/\d/, /\d/]);
    if (s1.adjustedMean != null) await expect(section.getByRole('row', { name: /^Adjusted mean/ })).toBeVisible();
    // The sentence agrees with the intervals: too close to call exactly when they overlap.
    const verdict = section.locator('.verdict');
    if (overlap(s1.interval, s2.interval)) {
      await expect(verdict).toHaveText(/^Too close to call between Photo [12] and Photo [12]: their 95% intervals overlap\.$/);
    } else {
      const high = s1.interval.low > s2.interval.high ? nodes[0] : nodes[1];
      const low = high === nodes[0] ? nodes[1] : nodes[0];
      const phrase = key === 'age' ? 'looks older than' : `is seen as more ${key} than`;
      await expect(verdict).toHaveText(`${label[high.id]} ${phrase} ${label[low.id]}.`);
    }
  }
  await expect(page).toHaveURL(new RegExp(`/compare\\?photos=`));
  await shoot(page, 'compare');
  await expectAccessible(page, '/compare');
});

test('the top list explains its ranking in one sentence and shows each photo’s votes and interval', async ({
  page,
  browser,
  request,
}) => {
  const { photos } = await seedPhotos(browser, request, 1);
  const [photo] = photos;
  await castVotes(request, photo.id, 10);

  await page.setViewportSize(DESKTOP);
  await gotoRoute(page, '/top');
  await expect(
    page.getByText(
      'Ranked by how high the crowd’s verdict is at least likely to be: a photo needs many careful judges agreeing to rank high; a few votes, or votes that count little, rank low.',
    ),
  ).toBeVisible();
  // The standings are recomputed every second (global-setup.mjs): the photo turns up.
  const item = page.locator('ol.thumbs.ranked li', { has: page.locator(`a[href="/photos/${photo.id}"]`) });
  await expect(async () => {
    await page.reload();
    await expect(item).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(item).toContainText(/^#\d+ · 10 votes · \d+(\.\d)? to \d+(\.\d)?$/);
  for (const caption of await page.locator('ol.thumbs.ranked .thumb-caption').allTextContents()) {
    expect(caption).toMatch(/^#\d+ · \d+ votes? · \d+(\.\d)? to \d+(\.\d)?$/);
  }
  await shoot(page, 'top-explained');

  await page.getByLabel(/ranked by/i).selectOption('trustworthy');
  await expect(item).toBeVisible();
  await expect(item).toContainText(/^#\d+ · 10 votes · \d+% to \d+% yes$/);
  await expectAccessible(page, '/top');
});

test('the results page shows the adjusted mean once the judge model has weighed the votes', async ({ page, context, browser, request }) => {
  await page.setViewportSize(DESKTOP);
  const me = await signUp(context.request, { cookie: true });
  const [jpeg] = await makeJpegs(browser, 1);
  const photo = await uploadPhoto(context.request, me, jpeg, 'weighed.jpg');
  await votesOf(request, photo.id, 4, [
    { questionKey: 'attractive', number: 6 },
    { questionKey: 'age', number: 40 },
  ]);
  await page.goto(`/photos/${photo.id}`);
  // The refit weighs new votes every few seconds (refit-interval, 5 s by
  // default); the page follows the photo live.
  const adjusted = page.locator('.adjusted').first();
  await expect(adjusted).toContainText('Adjusted for judges’ habits', { timeout: 20_000 });
  const { photo: p } = await asViewer(context, 'query($id: ID!) { photo(id: $id) { stats { questions { question { key } adjustedMean effectiveCount count } } } }', {
    id: photo.id,
  });
  const attractive = p.stats.questions.find((q) => q.question.key === 'attractive');
  expect(attractive.adjustedMean, 'adjustedMean once weighed').not.toBeNull();
  expect(attractive.effectiveCount, 'new judges count little').toBeLessThan(attractive.count);
  await shoot(page, 'photo-results-adjusted');
});
