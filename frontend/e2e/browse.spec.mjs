// Browsing pages: top lists per question and the developers' guide.
import { expect, expectAccessible, gotoRoute, shoot, test } from './fixtures.mjs';

test('/top: a list per question, accessible, no sideways scroll', async ({ page }) => {
  await gotoRoute(page, '/top');
  await expect(page.getByRole('heading', { name: 'Top photos', level: 1 })).toBeVisible();
  const select = page.getByLabel(/ranked by/i);
  await expect(select.locator('option')).not.toHaveCount(0);
  await select.selectOption('trustworthy');
  await expect(page.getByText(/enough votes/i).first()).toBeVisible();
  await shoot(page, 'top');
  await expectAccessible(page, '/top');
});

test('/developers: links GraphiQL and the schema, which is served', async ({ page, request }) => {
  await gotoRoute(page, '/developers');
  await expect(page.getByRole('link', { name: 'GraphiQL' })).toHaveAttribute('href', '/graphiql');
  const schema = await request.get('/schema.graphql');
  expect(schema.ok()).toBeTruthy();
  expect(await schema.text()).toContain('type Query');
  await shoot(page, 'developers');
  await expectAccessible(page, '/developers');
});
