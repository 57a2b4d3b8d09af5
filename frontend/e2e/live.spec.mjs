// The live test: an uploader watches their photo's results page
// while a stranger judges it; the new vote count arrives over the
// WebSocket (a graphql-transport-ws `next` frame), without a reload and
// without polling. Skips itself until /photos/:id exists.
import { answerWithKeys, expect, gotoRoute, makeJpegs, shoot, signUp, test, uploadPhoto, waitForFace } from './fixtures.mjs';

test('a vote shows on the owner’s results page live, over the WebSocket', async ({ browser, newContext }) => {
  // Context 1: the uploader, signed in with cookies, on the results page.
  const owner = await newContext();
  const me = await signUp(owner.request, { cookie: true });
  const [jpeg] = await makeJpegs(browser, 1);
  const photo = await uploadPhoto(owner.request, me, jpeg);

  const results = await owner.newPage();
  const frames = [];
  results.on('websocket', (ws) => {
    ws.on('framereceived', (f) => {
      try {
        frames.push(JSON.parse(typeof f.payload === 'string' ? f.payload : f.payload.toString()));
      } catch {
        /* not JSON */
      }
    });
  });
  const httpAfterLoad = [];
  let loaded = false;
  results.on('request', (r) => {
    if (loaded && new URL(r.url()).pathname === '/graphql') httpAfterLoad.push(r.postData() ?? r.url());
  });

  await gotoRoute(results, `/photos/${photo.id}`);
  await expect(results.getByText(/\b0 votes\b/i).first()).toBeVisible();
  // The page is settled: its queries are answered and the subscription is up.
  await results.waitForLoadState('networkidle');
  await expect.poll(() => frames.some((m) => m.type === 'connection_ack'), { message: 'the results page opens a graphql-transport-ws socket' }).toBe(true);
  await results.evaluate(() => {
    window.__marker = 1;
  });
  loaded = true;
  const framesBefore = frames.length;

  // Context 2: an anonymous judge, who judges that photo (voting through
  // the queue until it comes up; other photos may be ahead of it).
  const judge = await (await newContext()).newPage();
  await judge.goto('/judge');
  let judged = false;
  for (let i = 0; i < 30 && !judged; i++) {
    const src = await waitForFace(judge);
    judged = new URL(src, judge.url()).pathname === new URL(photo.imageUrl, judge.url()).pathname;
    await answerWithKeys(judge);
    await expect(judge.locator('.glimpse')).toBeVisible();
    await judge.keyboard.press('Enter');
  }
  expect(judged, 'the judge was shown the uploaded photo').toBe(true);

  // Context 1 sees it without a reload, from a WebSocket `next` frame.
  await expect(results.getByText(/\b1 vote\b/i).first()).toBeVisible();
  expect(await results.evaluate(() => window.__marker)).toBe(1);
  const next = frames.slice(framesBefore).filter((m) => m.type === 'next');
  expect(next.length, 'a `next` frame after the vote').toBeGreaterThan(0);
  expect(JSON.stringify(next)).toMatch(/"voteCount":1\b/);
  expect(httpAfterLoad, 'no /graphql HTTP requests (polling) after the page loaded').toEqual([]);
  await shoot(results, 'photo-results-live');
});
