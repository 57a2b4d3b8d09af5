// The pages (signing in and up, uploading, your photos, a photo's
// results). A route that renders "Page not found" fails its test.
import {
  expect,
  expectAccessible,
  gotoRoute,
  makeJpegs,
  shoot,
  signUp,
  test,
  uploadPhoto,
} from './fixtures.mjs';

for (const route of ['/signin', '/signup']) {
  test(`${route}: renders, accessible, no sideways scroll`, async ({ page }) => {
    await gotoRoute(page, route);
    await expect(page.locator('form')).toBeVisible();
    await shoot(page, route.slice(1));
    await expectAccessible(page, route);
  });
}

test('/signup with the form signs you in', async ({ page, context }) => {
  await gotoRoute(page, '/signup');
  const handle = `e2e_${Date.now().toString(36)}`;
  await page.getByLabel(/handle|user ?name/i).fill(handle);
  await page.getByLabel(/e-?mail/i).fill(`${handle}@example.com`);
  await page.getByLabel(/password/i).first().fill('correct horse battery staple');
  await page.getByRole('button', { name: /sign up|create/i }).click();
  await expect(page.getByText(handle)).toBeVisible();
  expect((await context.cookies()).map((c) => c.name)).toContain('fs_session');
});

for (const route of ['/upload', '/me']) {
  test(`${route} (signed in): renders, accessible, no sideways scroll`, async ({ page, context }) => {
    await signUp(context.request, { cookie: true });
    await gotoRoute(page, route);
    await shoot(page, route.slice(1));
    await expectAccessible(page, route);
  });
}

test('/photos/:id (its owner): renders, accessible, no sideways scroll', async ({ page, context, browser }) => {
  const me = await signUp(context.request, { cookie: true });
  const [jpeg] = await makeJpegs(browser, 1);
  const photo = await uploadPhoto(context.request, me, jpeg);
  await gotoRoute(page, `/photos/${photo.id}`);
  await expect(page.locator(`img[src="${photo.imageUrl}"], img[src$="${new URL(photo.imageUrl, 'http://x').pathname}"]`).first()).toBeVisible();
  await shoot(page, 'photo-results');
  await expectAccessible(page, '/photos/:id');
});
