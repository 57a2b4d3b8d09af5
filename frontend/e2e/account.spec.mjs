// Accounts people control (issue 14), in the browser against the real
// binary: /account changes the password (other devices signed out, the old
// password refused), lists sessions and signs out the others, builds a data
// export and downloads it, and deletes the account; /forgot-password sends
// a link to the local outbox (the embedded default's mail), and
// /reset-password takes the token out of the address and works once.
import {
  PASSWORD,
  expect,
  expectAccessible,
  gqlRaw,
  makeJpegs,
  outboxFor,
  resetLinkFor,
  shoot,
  signIn,
  signUp,
  test,
  uploadPhoto,
} from './fixtures.mjs';

const NEW_PASSWORD = 'a brand new passphrase';
const VIEWER = `{ viewer { user { handle } } }`;

/** Who a bearer token is, or null when it was refused or ended. */
async function handleOf(request, token) {
  const r = await gqlRaw(request, VIEWER, {}, { Authorization: `Bearer ${token}` });
  return r.body.data?.viewer?.user?.handle ?? null;
}

async function signInFails(request, email, password) {
  const r = await gqlRaw(request, `mutation($in: SignInInput!) { signIn(input: $in) { token } }`, { in: { email, password } });
  return r.body.errors?.[0]?.extensions?.reason === 'BAD_CREDENTIALS';
}

test('/account: sessions, "Sign out other devices", and a password change that keeps this device only', async ({ page, context, playwright }) => {
  const me = await signUp(context.request, { cookie: true });
  const api = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
  const phone = await signIn(api, me.email, PASSWORD, { cookie: false });

  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  const sessions = page.locator('ul.sessions > li');
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: 'This device' })).toHaveCount(1);
  await expectAccessible(page, '/account');
  await shoot(page, 'account');

  await page.getByRole('button', { name: 'Sign out other devices' }).click();
  await expect(page.getByText('Signed out 1 other device.')).toBeVisible();
  await expect(sessions).toHaveCount(1);
  expect(await handleOf(api, phone), 'the other device after "Sign out other devices"').toBeNull();

  // Another device again, then the password change.
  const tablet = await signIn(api, me.email, PASSWORD, { cookie: false });
  const form = page.locator('section', { has: page.getByRole('heading', { name: 'Change your password' }) });
  await form.getByLabel('Current password').fill('not my password at all');
  await form.getByLabel('New password').fill(NEW_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('alert')).toHaveText('Your current password is not right.');
  await expect(form.getByLabel('Current password')).toBeFocused();
  await form.getByLabel('Current password').fill(PASSWORD);
  await form.getByLabel('New password').fill('short');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('alert')).toHaveText('Use a password of at least 10 characters.');
  await form.getByLabel('New password').fill(NEW_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('status')).toHaveText('Password changed. Signed out 1 other device.');

  expect(await handleOf(api, tablet), 'the other device after changePassword').toBeNull();
  expect(await signInFails(api, me.email, PASSWORD), 'the old password').toBe(true);
  expect(await handleOf(api, await signIn(api, me.email, NEW_PASSWORD, { cookie: false })), 'the new password').toBe(me.handle);
  // This device stays signed in.
  await page.reload();
  await expect(page.getByRole('main')).toContainText(`Signed in as ${me.handle}`);
  await api.dispose();
});

test('forgot password: the same answer for any address, a link in the outbox that leaves the address bar and works once', async ({
  page,
  context,
}) => {
  const me = await signUp(context.request, { cookie: false });
  const before = outboxFor(me.email).length;

  await page.goto('/signin');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeVisible();
  await expectAccessible(page, '/forgot-password');
  await shoot(page, 'forgot-password');
  const sent = 'If an account uses this address, we sent it a link to choose a new password. The link works for 30 minutes, once.';
  // An address without an account: the same words.
  await page.getByLabel('Email').fill(`nobody_${Date.now()}@example.com`);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('status')).toHaveText(sent);
  await page.getByRole('button', { name: 'ask again' }).click();
  await page.getByLabel('Email').fill(me.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('status')).toHaveText(sent);

  const link = await resetLinkFor(me.email, { after: before });
  expect(new URL(link).origin, 'the link is built from the public URL').toBe(new URL(process.env.FACESTAT_E2E_URL).origin);
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
  // The token left the address bar (and the history entry), and the page sends no Referer.
  await expect(page).toHaveURL(/\/reset-password$/);
  expect(await page.evaluate(() => document.querySelector('meta[name="referrer"]')?.getAttribute('content'))).toBe('no-referrer');
  await shoot(page, 'reset-password');
  await expectAccessible(page, '/reset-password');

  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('The new password again').fill(NEW_PASSWORD + '!');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.getByRole('alert')).toHaveText('The two passwords differ. Type the same one twice.');
  await page.getByLabel('The new password again').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Password changed' })).toBeVisible();
  await page.getByRole('link', { name: 'Sign in' }).last().click();

  await page.getByLabel('Email').fill(me.email);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/me$/);
  expect(await handleOf(context.request, me.token), 'the session from before the reset').toBeNull();

  // The link a second time: used.
  await page.goto(link);
  await page.getByLabel('New password', { exact: true }).fill('yet another passphrase');
  await page.getByLabel('The new password again').fill('yet another passphrase');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.getByRole('alert')).toHaveText('This link has expired or was used already. Ask for a new one.');
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toHaveAttribute('href', '/forgot-password');
});

test('download my data: the export is built, its link downloads a ZIP with account.json, and refuses anyone else', async ({
  page,
  context,
  browser,
  playwright,
}) => {
  const me = await signUp(context.request, { cookie: true });
  const [jpeg] = await makeJpegs(browser, 1);
  await uploadPhoto(context.request, me, jpeg);

  await page.goto('/account');
  await page.getByRole('button', { name: 'Download my data' }).click();
  const link = page.getByRole('link', { name: 'Download the ZIP' });
  await expect(link).toBeVisible({ timeout: 60_000 });
  const href = await link.getAttribute('href');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const zip = await readStream(await download.createReadStream());
  expect(zip.subarray(0, 2).toString('latin1'), 'a ZIP file').toBe('PK');
  expect(zip.includes(Buffer.from('account.json')), 'account.json in the ZIP').toBe(true);
  expect(zip.includes(Buffer.from('photos/')), 'photos/ in the ZIP').toBe(true);

  // Another account, and nobody at all, get no ZIP.
  const other = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
  const stranger = await signUp(other);
  for (const headers of [{}, { Authorization: `Bearer ${stranger.token}` }]) {
    const res = await other.get(href, { headers });
    expect(res.status(), `GET the export as ${headers.Authorization ? 'another account' : 'nobody'}`).not.toBe(200);
    expect(res.status()).not.toBe(202);
  }
  await other.dispose();
});

test('delete my account: the password and the handle typed, then goodbye; the photos are gone and the e-mail can sign up again', async ({
  page,
  context,
  browser,
  playwright,
}) => {
  const me = await signUp(context.request, { cookie: true });
  const [jpeg] = await makeJpegs(browser, 1);
  const photo = await uploadPhoto(context.request, me, jpeg);

  await page.goto('/account');
  await page.getByRole('button', { name: 'Delete my account…' }).click();
  const zone = page.locator('section.danger-zone');
  const go = zone.getByRole('button', { name: 'Delete my account for good' });
  await zone.getByLabel('Your password').fill('not my password');
  await expect(go).toBeDisabled();
  await zone.getByLabel(/Type your handle/).fill(me.handle);
  await go.click();
  await expect(zone.getByRole('alert')).toHaveText('That password is not right.');
  await shoot(page, 'account-delete');
  await zone.getByLabel('Your password').fill(PASSWORD);
  await go.click();

  await expect(page.getByRole('heading', { level: 1, name: 'Your account is deleted' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Goodbye.');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();

  const api = await playwright.request.newContext({ baseURL: process.env.FACESTAT_E2E_URL });
  expect(await handleOf(api, me.token), 'the bearer token after deletion').toBeNull();
  expect(await signInFails(api, me.email, PASSWORD), 'signing in after deletion').toBe(true);
  expect((await api.get(photo.imageUrl)).status(), 'the image after deletion').toBe(404);
  const again = await gqlRaw(api, `mutation($in: SignUpInput!) { signUp(input: $in) { viewer { user { handle } } } }`, {
    in: { handle: me.handle, email: me.email, password: PASSWORD },
  });
  expect(again.body.errors, 'signing up again with the e-mail and handle').toBeUndefined();
  await api.dispose();
});

async function readStream(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}
