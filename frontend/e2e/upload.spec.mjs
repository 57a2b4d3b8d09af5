// Uploading through the page as a signed-in user: the upload waits for the
// uploader's three consents, a text file dressed up as face.jpg is refused
// with the NOT_AN_IMAGE message, then a real JPEG lands on its results page.
import { expect, gotoRoute, makeJpegs, shoot, signUp, test } from './fixtures.mjs';

// No allowConsoleErrors: the refusal comes back as a GraphQL error the page
// shows, and nothing is logged to the console.

test('/upload: a text file named face.jpg is refused, a JPEG lands on /photos/:id', async ({ page, context, browser }) => {
  await signUp(context.request, { cookie: true });
  await gotoRoute(page, '/upload');
  await expect(page.getByRole('heading', { level: 1, name: 'Upload your photo' })).toBeVisible();

  // The gallery picker (the camera one is for phones only).
  const picker = page.locator('input[type="file"]:not([capture])');
  const upload = page.getByRole('button', { name: 'Upload', exact: true });

  await picker.setInputFiles({ name: 'face.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a photo, just text\n') });
  await expect(page.getByText('Chosen: face.jpg')).toBeVisible();
  // Nothing is sent before the uploader consents to all three points.
  await expect(upload).toBeDisabled();
  for (const point of ['This photo shows me', 'I am an adult (18 or older)', 'I accept that strangers judge it']) {
    await page.getByRole('checkbox', { name: point }).check();
  }
  await expect(page.locator('fieldset.consent').getByRole('link', { name: 'terms' })).toHaveAttribute('href', '/terms');
  const refused = page.waitForResponse((r) => new URL(r.url()).pathname === '/graphql' && r.request().method() === 'POST');
  await upload.click();
  const res = await refused;
  const body = await res.json();
  expect(body.errors?.[0]?.extensions, 'the refusal').toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_AN_IMAGE' });
  await expect(page.getByRole('alert')).toHaveText(
    'That file is not a JPEG, PNG or WebP image, or it is damaged. Pick another photo.',
  );
  await expect(page).toHaveURL(/\/upload$/);
  await shoot(page, 'upload-refused');

  const [jpeg] = await makeJpegs(browser, 1);
  await picker.setInputFiles({ name: 'face.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await expect(page.getByRole('img', { name: 'Preview of the photo to upload' })).toBeVisible();
  await upload.click();
  await expect(page).toHaveURL(/\/photos\/[^/?#]+$/, { timeout: 15_000 });
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toHaveCount(0);
  await shoot(page, 'upload-done');
});
