// API keys on /developers (issue 15), in the browser against the real
// binary: an account creates a READ key (shown once, with a copy button
// and a warning), the key is served by the API as its owner with
// extensions.cost and the RateLimit headers, and revoking it on the page
// makes the API refuse it.
import { expect, expectAccessible, gqlRaw, shoot, signUp, test } from './fixtures.mjs';

test('/developers: create a key, use it, revoke it', async ({ page, context }) => {
  const me = await signUp(context.request, { cookie: true });
  await page.goto('/developers');
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Your API keys' }) });
  await expect(section).toBeVisible();
  await section.getByLabel('Name').fill('my script');
  await section.getByRole('button', { name: 'Create key' }).click();
  const shown = section.getByTestId('new-api-key');
  await expect(shown).toHaveText(/^fsk_[A-Za-z0-9_-]{43}$/);
  await expect(section.getByText('it is shown only once')).toBeVisible();
  await expect(section.getByRole('button', { name: 'Copy' })).toBeVisible();
  await expect(section.locator('ul.keys > li')).toHaveCount(1);
  await expectAccessible(page, '/developers');
  await shoot(page, 'developers-keys');
  const key = await shown.textContent();

  const served = await context.request.post('/graphql', {
    data: { query: '{ viewer { user { handle } } }' },
    headers: { 'X-Api-Key': key },
  });
  const body = await served.json();
  expect(body.data.viewer.user.handle).toBe(me.handle);
  expect(body.extensions.cost.throttleStatus.policy).toBe('api_key');
  expect(served.headers()['ratelimit-policy']).toMatch(/^"api_key";q=\d+;w=\d+/);

  page.once('dialog', (d) => d.accept());
  await section.getByRole('button', { name: 'Revoke' }).click();
  await expect(section.locator('ul.keys > li')).toHaveCount(0);
  const refused = await gqlRaw(context.request, '{ viewer { id } }', {}, { 'X-Api-Key': key });
  expect(refused.status).toBe(401);
});
