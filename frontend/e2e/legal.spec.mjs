// The privacy and terms pages: each answers 200 with its heading, is
// reachable from the footer on every page, fits a 360 px phone and passes
// axe-core.
import { MOBILE, expect, expectAccessible, expectNoOverflow, shoot, test } from './fixtures.mjs';

const pages = [
  { route: '/privacy', link: 'Privacy', heading: 'Privacy', shot: 'privacy', says: /nothing about you is stored until your first vote/ },
  { route: '/terms', link: 'Terms', heading: 'Terms of use', shot: 'terms', says: /upload only photos of yourself/ },
];

for (const { route, link, heading, shot, says } of pages) {
  test(`${route} answers 200 with its heading, fits 360 px and is accessible`, async ({ page }) => {
    await page.setViewportSize(MOBILE);
    const res = await page.goto(route);
    expect(res.status(), `GET ${route}`).toBe(200);
    const main = page.getByRole('main');
    await expect(main.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expect(main).toContainText(says);
    const footer = page.getByRole('contentinfo').getByRole('link', { name: link });
    await expect(footer).toHaveAttribute('aria-current', 'page');
    await expectNoOverflow(page, `${route} at 360 px`);
    await shoot(page, shot);
    await expectAccessible(page, route);
  });

  // From the front page and from another page of the app: the footer is
  // on every page.
  for (const from of ['/', '/top']) {
    test(`the footer's "${link}" link on ${from} opens ${route}`, async ({ page }) => {
      await followFooter(page, from, link, route, heading);
    });
  }

  test.describe('on the not-found page', () => {
    // The browser reports the page's own 404 on the console; nothing else.
    test.use({ allowConsoleErrors: /responded with a status of 404 \(Not Found\)$/ });
    test(`the footer's "${link}" link opens ${route}`, async ({ page }) => {
      await followFooter(page, '/no-such-page', link, route, heading);
    });
  });
}

async function followFooter(page, from, link, route, heading) {
  await page.goto(from);
  await page.locator('main h1').first().waitFor();
  const footer = page.getByRole('contentinfo');
  await expect(footer).toBeVisible();
  await footer.getByRole('link', { name: link }).click();
  await expect(page).toHaveURL(new RegExp(`${route}$`));
  await expect(page.getByRole('main').getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

test('the privacy and terms pages link each other and the photos page', async ({ page }) => {
  await page.goto('/privacy');
  const main = page.getByRole('main');
  await expect(main.getByRole('link', { name: 'your photos' }).first()).toHaveAttribute('href', '/me');
  await main.getByRole('link', { name: 'terms of use' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Terms of use' })).toBeVisible();
  await page.getByRole('main').getByRole('link', { name: 'privacy page' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Privacy' })).toBeVisible();
});
