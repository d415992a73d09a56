import { expect, test } from '@playwright/test';

// Served with LAB_RUNTIME=webcontainer: the page has no runner token, so the lab uses WebContainer, whose
// runtime lives on StackBlitz's servers and cannot boot here. The learner sees how long it has waited,
// then, once the 45 s boot bound passed, what is wrong and what to do. The page's clock is driven by the
// test, so the bound passes at once instead of in 45 real seconds.
test('without the local runner, a lab that cannot boot WebContainer shows its progress, then says so and what to do', async ({ page }) => {
  // Loading the lab takes most of the time on a loaded machine; the 45 s of booting pass on the page's clock.
  test.slow();
  const snapshotRequests: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/labs/node-modules/')) snapshotRequests.push(request.url());
  });
  await page.clock.install();
  await page.goto('/factors/03-config/');
  await expect(page.locator('meta[name="lab-runner-token"]')).toHaveCount(0);
  const lab = page.getByRole('complementary', { name: 'Lab' });
  await lab.scrollIntoViewIfNeeded();
  await expect(lab.getByText(/^Starting the in-browser Node runtime…/)).toBeVisible();
  await page.clock.runFor(20_000);
  await expect(lab.getByText(/^Starting the in-browser Node runtime… \(\d+ s; it may take up to 45 s\)$/)).toBeVisible();
  await page.clock.runFor(26_000);
  const alert = lab.getByRole('alert').filter({ hasText: 'npm start' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText(/in-browser Node runtime|cannot run the labs in the page/);
  await expect(alert).toContainText('stackblitz.io');
  await expect(lab.getByRole('button', { name: 'Check', exact: true })).toBeDisabled();
  // The files stay readable and editable while the runtime is unavailable: pointing at the file brings the editor.
  await lab.locator('[data-slot="editor"]').hover();
  await expect(lab.getByRole('textbox', { name: 'config.js', exact: true })).toBeVisible({ timeout: 30_000 });
  // Nothing ran, so none of the packages' bytes were fetched.
  expect(snapshotRequests).toEqual([]);
});
