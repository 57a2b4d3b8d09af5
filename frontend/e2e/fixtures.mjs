// The tests' fixtures: every browser context the test opens is watched for
// console errors and uncaught page errors (any one fails the test), and
// helpers to seed data through the GraphQL API, take screenshots at both
// widths and open a route (failing when the app does not know it).
import { test as base, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { expect };

const here = path.dirname(fileURLToPath(import.meta.url));
export const shotsDir = path.resolve(here, '../../test-artifacts/e2e');

export const MOBILE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

/** Watches a context: every console error and page error lands in errors. */
function watch(context, errors) {
  const onPage = (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console.error on ${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`uncaught error on ${page.url()}: ${e.stack || e.message}`));
  };
  context.pages().forEach(onPage);
  context.on('page', onPage);
}

export const test = base.extend({
  baseURL: async ({}, use) => {
    const url = process.env.FACESTAT_E2E_URL;
    if (!url) throw new Error('FACESTAT_E2E_URL is not set: run through global-setup.mjs (make e2e)');
    await use(url);
  },

  // Console errors a test expects (say, the 503 it provokes): a RegExp, set
  // with test.use({ allowConsoleErrors: /.../ }).
  allowConsoleErrors: [null, { option: true }],

  consoleErrors: async ({}, use) => {
    await use([]);
  },

  // The default context (fresh and anonymous for every test), watched.
  context: async ({ context, consoleErrors }, use) => {
    watch(context, consoleErrors);
    await use(context);
  },

  // More contexts (each a separate visitor), watched and closed at the end.
  newContext: async ({ browser, baseURL, consoleErrors }, use) => {
    const made = [];
    await use(async (options = {}) => {
      const c = await browser.newContext({ baseURL, viewport: MOBILE, deviceScaleFactor: 1, ...options });
      watch(c, consoleErrors);
      made.push(c);
      return c;
    });
    for (const c of made) await c.close();
  },

  // Fails the test on any console error it did not declare.
  _noConsoleErrors: [
    async ({ consoleErrors, allowConsoleErrors }, use, testInfo) => {
      await use();
      const unexpected = consoleErrors.filter((e) => !allowConsoleErrors?.test(e));
      if (testInfo.status !== 'skipped') {
        expect(unexpected, 'console errors or uncaught page errors').toEqual([]);
      }
    },
    { auto: true },
  ],
});

/**
 * Screenshots of the page at 360x740 and 1280x900 (full page) into
 * test-artifacts/e2e/<name>-360.png and -1280.png; the viewport is back at
 * its size afterwards. At 360 px it also checks nothing scrolls sideways.
 */
export async function shoot(page, name) {
  const before = page.viewportSize();
  fs.mkdirSync(shotsDir, { recursive: true });
  for (const vp of [MOBILE, DESKTOP]) {
    await page.setViewportSize(vp);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    if (vp === MOBILE) await expectNoSidewaysScroll(page, name);
    await page.screenshot({ path: path.join(shotsDir, `${name}-${vp.width}.png`), fullPage: true, animations: 'disabled' });
  }
  if (before) await page.setViewportSize(before);
}

export async function expectNoSidewaysScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect.soft(scrollWidth, `${what}: scrollWidth <= clientWidth (${clientWidth}) at ${page.viewportSize()?.width} px`).toBeLessThanOrEqual(
    clientWidth,
  );
}

/** No serious or critical axe-core violation on the page as it stands. */
export async function expectAccessible(page, what) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}: ` +
        v.nodes.map((n) => `${n.target.join(' ')} (${(n.any[0] ?? n.all[0] ?? n.none[0])?.message ?? n.failureSummary})`).join('; '),
    );
  expect(bad, `${what}: serious or critical axe-core violations`).toEqual([]);
}

/**
 * Opens route and waits for its heading; fails the test when the app
 * answers with its "Page not found" page instead.
 */
export async function gotoRoute(page, route) {
  await page.goto(route);
  await page.locator('main h1').first().waitFor();
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' }), `${route} renders "Page not found"`).toHaveCount(0);
}

// --- Seeding through the GraphQL API -------------------------------------

export const PASSWORD = 'correct horse battery staple';

export function uniqueHandle(prefix = 'e2e') {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** One GraphQL request; throws on any error in the answer. */
export async function gql(request, query, variables, headers = {}) {
  const res = await request.post('/graphql', { data: { query, variables }, headers });
  const body = await res.json();
  if (body.errors?.length) throw new Error(`GraphQL ${res.status()}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The CSRF header a cookie session's requests must carry. */
export async function csrfHeaders(request) {
  const state = await request.storageState();
  const c = state.cookies.find((c) => c.name === 'fs_csrf');
  return c ? { 'X-CSRF-Token': c.value } : {};
}

/**
 * Signs up a new account. With a BrowserContext's request (context.request)
 * and cookie: true the session lands in that context's cookies (a signed-in
 * browser); otherwise the bearer token comes back.
 */
export async function signUp(request, { cookie = false, handle = uniqueHandle() } = {}) {
  const data = await gql(
    request,
    `mutation($in: SignUpInput!) { signUp(input: $in) { token viewer { user { id handle } } } }`,
    { in: { handle, email: `${handle}@example.com`, password: PASSWORD, cookie } },
  );
  return { handle, email: `${handle}@example.com`, password: PASSWORD, token: data.signUp.token, cookie };
}

function uploadForm(jpeg, name) {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: `mutation($file: Upload!) { uploadPhoto(input: {file: $file, public: true}) { photo { id imageUrl voteCount } } }`,
      variables: { file: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([jpeg], { type: 'image/jpeg' }), name);
  return form;
}

/** Uploads a JPEG (a Buffer) as a public photo with the GraphQL multipart request. */
export async function uploadPhoto(request, account, jpeg, name = 'face.jpg') {
  const headers = account.cookie ? await csrfHeaders(request) : { Authorization: `Bearer ${account.token}` };
  const res = await request.post('/graphql', {
    headers,
    // A FormData keeps the parts in order: the server wants operations, map, then the file.
    multipart: uploadForm(jpeg, name),
  });
  const body = await res.json();
  if (body.errors?.length) throw new Error(`uploadPhoto ${res.status()}: ${JSON.stringify(body.errors)}`);
  return body.data.uploadPhoto.photo;
}

/**
 * Small synthetic "faces" as JPEG Buffers, drawn on an OffscreenCanvas in a
 * throwaway page (no image library, no fixture files).
 */
export async function makeJpegs(browser, n) {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const seeds = Array.from({ length: n }, () => Math.floor(Math.random() * 360));
    const b64 = await page.evaluate(async (hues) => {
      const out = [];
      for (const hue of hues) {
        const c = new OffscreenCanvas(480, 600);
        const g = c.getContext('2d');
        g.fillStyle = `hsl(${(hue + 180) % 360} 40% 85%)`;
        g.fillRect(0, 0, 480, 600);
        g.fillStyle = `hsl(${hue} 45% 70%)`;
        g.beginPath();
        g.ellipse(240, 300, 150, 200, 0, 0, Math.PI * 2);
        g.fill();
        g.fillStyle = '#222';
        for (const x of [185, 295]) {
          g.beginPath();
          g.arc(x, 260, 16, 0, Math.PI * 2);
          g.fill();
        }
        g.strokeStyle = '#222';
        g.lineWidth = 8;
        g.beginPath();
        g.arc(240, 360, 60, 0.15 * Math.PI, 0.85 * Math.PI);
        g.stroke();
        const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let s = '';
        for (const b of bytes) s += String.fromCharCode(b);
        out.push(btoa(s));
      }
      return out;
    }, seeds);
    return b64.map((s) => Buffer.from(s, 'base64'));
  } finally {
    await ctx.close();
  }
}

/** Signs up a fresh account (bearer token) and uploads n public photos. */
export async function seedPhotos(browser, request, n) {
  const account = await signUp(request);
  const photos = [];
  for (const [i, jpeg] of (await makeJpegs(browser, n)).entries()) {
    photos.push(await uploadPhoto(request, account, jpeg, `face-${i}.jpg`));
  }
  return { account, photos };
}

// --- The judging page ----------------------------------------------------

export const FACE = 'img[alt="The face to judge"]';

/** Waits until the judge page shows a photo, loaded, and the survey. */
export async function waitForFace(page) {
  await page.locator('form.survey fieldset').first().waitFor({ timeout: 15_000 });
  await expect(page.locator(FACE)).toBeVisible();
  await page.waitForFunction((sel) => {
    const img = document.querySelector(sel);
    return img && img.complete && img.naturalWidth > 0;
  }, FACE);
  return page.locator(FACE).getAttribute('src');
}

/**
 * Skips photos until the survey the server assigned to the one shown holds
 * a question of each kind given (the classes of the form's fieldsets, e.g.
 * 'question-scale'): each photo gets three or four of the survey's
 * questions, so a test of what a kind's keys do picks a photo that asks it.
 */
export async function untilSurveyAsks(page, ...kinds) {
  for (let tries = 0; tries < 30; tries++) {
    await waitForFace(page);
    const counts = await Promise.all(kinds.map((k) => page.locator(`form.survey fieldset.${k}`).count()));
    if (counts.every((n) => n > 0)) return;
    const src = await page.locator(FACE).getAttribute('src');
    await page.getByRole('button', { name: /^Skip/ }).click();
    await expect(page.locator(FACE)).not.toHaveAttribute('src', src);
  }
  throw new Error(`no photo asked ${kinds.join(' and ')} in 30 tries`);
}

/** Answers with the keyboard only: a scale key, Y and N, then Enter. */
export async function answerWithKeys(page) {
  for (const k of ['7', 'y', 'n', 'y']) await page.keyboard.press(k);
  // On a phone only the question the last key answered shows.
  await expect(page.locator('button[aria-pressed="true"]:visible').first()).toBeVisible();
  await page.keyboard.press('Enter');
}

// --- Layout at one viewport size ------------------------------------------

/**
 * Fails, listing the offenders, when anything sticks out of the viewport
 * sideways: the document scrolls sideways, or an element's box ends right
 * of the viewport (or starts left of it). Elements without a box
 * (display: none) do not count.
 */
export async function expectNoOverflow(page, what) {
  const r = await page.evaluate(() => {
    const vw = window.innerWidth;
    const name = (el) => {
      const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
      return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}${text ? ` "${text}"` : ''}`;
    };
    const offenders = [];
    for (const el of document.querySelectorAll('body *')) {
      const b = el.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) continue;
      if (b.right > vw + 0.5 || b.left < -0.5) offenders.push(`${name(el)} spans ${Math.round(b.left)}..${Math.round(b.right)} px`);
    }
    return { vw, scrollWidth: document.documentElement.scrollWidth, offenders };
  });
  expect.soft(r.offenders, `${what}: elements outside the ${r.vw} px viewport`).toEqual([]);
  expect(r.scrollWidth, `${what}: document.documentElement.scrollWidth <= innerWidth (${r.vw} px)`).toBeLessThanOrEqual(r.vw);
}

/**
 * Fails unless the page is not scrolled and each named element lies wholly
 * inside the viewport, none overlapping another (a sticky bar covering the
 * question would fail): what a visitor sees without scrolling.
 */
export async function expectInViewWithoutScrolling(page, what, locators) {
  const { scrollX, scrollY, vw, vh } = await page.evaluate(() => ({
    scrollX: window.scrollX,
    scrollY: window.scrollY,
    vw: window.innerWidth,
    vh: window.innerHeight,
  }));
  expect([scrollX, scrollY], `${what}: the page is not scrolled`).toEqual([0, 0]);
  const boxes = [];
  for (const [label, loc] of Object.entries(locators)) {
    await expect(loc, `${what}: ${label}`).toBeVisible();
    const b = await loc.boundingBox();
    const inside = b.x >= -0.5 && b.y >= -0.5 && b.x + b.width <= vw + 0.5 && b.y + b.height <= vh + 0.5;
    expect
      .soft(inside, `${what}: ${label} at x ${Math.round(b.x)}..${Math.round(b.x + b.width)}, y ${Math.round(b.y)}..${Math.round(b.y + b.height)} inside ${vw}x${vh}`)
      .toBe(true);
    boxes.push([label, b]);
  }
  for (const [i, [la, a]] of boxes.entries()) {
    for (const [lb, b] of boxes.slice(i + 1)) {
      const overlap = a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
      expect.soft(overlap, `${what}: ${la} and ${lb} overlap`).toBe(false);
    }
  }
}

/** A screenshot of the viewport as it is (fullPage: the whole page) into test-artifacts/e2e/<name>-<width>x<height>.png. */
export async function screenshotAtSize(page, name, { fullPage = false } = {}) {
  const { width, height } = page.viewportSize();
  fs.mkdirSync(shotsDir, { recursive: true });
  await page.screenshot({ path: path.join(shotsDir, `${name}-${width}x${height}.png`), fullPage, animations: 'disabled' });
}

// --- More seeding ----------------------------------------------------------

/** Makes a photo public or private as its owner (see signUp for account). */
export async function setPhotoPublic(request, account, photoId, isPublic) {
  const headers = account.cookie ? await csrfHeaders(request) : { Authorization: `Bearer ${account.token}` };
  await gql(
    request,
    `mutation($in: SetPhotoVisibilityInput!) { setPhotoVisibility(input: $in) { photo { id isPublic } } }`,
    { in: { photoId, public: isPublic } },
    headers,
  );
}

/**
 * n votes on a photo, each from a new anonymous judge (bearer tokens, so
 * request must hold no session cookie), with answers spread over every
 * default question so each kind of chart has something to show.
 */
export async function castVotes(request, photoId, n) {
  const words = ['friendly', 'calm', 'bright', 'serious', 'kind'];
  for (let i = 0; i < n; i++) {
    const { startAnonymousSession } = await gql(request, `mutation { startAnonymousSession { token } }`);
    const answers = [
      { questionKey: 'age', number: 20 + ((i * 7) % 40) },
      { questionKey: 'attractive', number: 1 + ((i * 3) % 10) },
      ...['trustworthy', 'intelligent', 'happy', 'friendly', 'confident'].map((questionKey, j) => ({ questionKey, yes: (i + j) % 3 !== 0 })),
      { questionKey: 'impression', word: words[i % words.length] },
    ];
    await gql(
      request,
      `mutation($in: CastVoteInput!) { castVote(input: $in) { photo { id } } }`,
      { in: { photoId, answers } },
      { Authorization: `Bearer ${startAnonymousSession.token}` },
    );
  }
}

// --- Moderators and mail (issue 14) ---------------------------------------

/**
 * Makes an account a moderator with the binary's own command, on the
 * server's database and data directory (global-setup.mjs).
 */
export function grantModerator(handle) {
  const bin = process.env.FACESTAT_E2E_BIN;
  if (!bin) throw new Error('FACESTAT_E2E_BIN is not set: run through global-setup.mjs (make e2e)');
  execFileSync(bin, ['grant', 'moderator', handle], {
    env: {
      ...process.env,
      FACESTAT_DATABASE_URL: process.env.FACESTAT_E2E_DATABASE_URL,
      FACESTAT_DATA_DIR: process.env.FACESTAT_E2E_DATA_DIR,
      FACESTAT_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
}

/**
 * The messages the embedded default wrote to the local outbox for an
 * address (<data-dir>/outbox/<unixnano>-<first 16 hex of sha256(address)>.eml),
 * oldest first, as text.
 */
export function outboxFor(email) {
  const dir = path.join(process.env.FACESTAT_E2E_DATA_DIR ?? '', 'outbox');
  const tag = createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 16);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(`-${tag}.eml`))
    .sort((a, b) => (BigInt(a.split('-')[0]) < BigInt(b.split('-')[0]) ? -1 : 1))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

/** The body of an RFC 5322 message as text: quoted-printable and base64 parts decoded. */
export function messageText(raw) {
  const qp = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  const b64 = [...raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)].map((m) => {
    try {
      return Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('utf8');
    } catch {
      return '';
    }
  });
  return [raw, qp, ...b64].join('\n');
}

/** Waits for a password-reset e-mail to email and returns its link. */
export async function resetLinkFor(email, { after = 0, timeout = 15_000 } = {}) {
  let link = null;
  await expect
    .poll(
      () => {
        const mails = outboxFor(email).slice(after);
        const m = mails.length ? messageText(mails[mails.length - 1]).match(/https?:\/\/[^\s"'<>]+\/reset-password\?token=[A-Za-z0-9_%~.-]+/) : null;
        link = m ? m[0] : null;
        return link;
      },
      { message: `a reset e-mail to ${email} in the outbox`, timeout },
    )
    .not.toBeNull();
  return link;
}

/** Signs in with a request context (cookie: true), returning the bearer token when cookie is false. */
export async function signIn(request, email, password, { cookie = true } = {}) {
  // A context that holds a cookie session already repeats its CSRF cookie.
  const data = await gql(
    request,
    `mutation($in: SignInInput!) { signIn(input: $in) { token } }`,
    { in: { email, password, cookie } },
    await csrfHeaders(request),
  );
  return data.signIn.token;
}

/** A GraphQL request that returns the whole answer (data and errors), never throwing. */
export async function gqlRaw(request, query, variables, headers = {}) {
  const res = await request.post('/graphql', { data: { query, variables }, headers });
  return { status: res.status(), body: await res.json() };
}

/** An anonymous judge (bearer token) who voted on each photo of ids: established after five. */
export async function judgeWhoVoted(request, ids) {
  const { startAnonymousSession } = await gql(request, `mutation { startAnonymousSession { token } }`);
  const auth = { Authorization: `Bearer ${startAnonymousSession.token}` };
  for (const [i, photoId] of ids.entries()) {
    await gql(
      request,
      `mutation($in: CastVoteInput!) { castVote(input: $in) { photo { id } } }`,
      {
        in: {
          photoId,
          answers: [
            { questionKey: 'age', number: 25 + i },
            { questionKey: 'attractive', number: 6 },
            ...['trustworthy', 'intelligent', 'happy', 'friendly', 'confident'].map((questionKey, j) => ({ questionKey, yes: (i + j) % 2 === 0 })),
            { questionKey: 'impression', word: 'calm' },
          ],
        },
      },
      auth,
    );
  }
  return auth;
}
