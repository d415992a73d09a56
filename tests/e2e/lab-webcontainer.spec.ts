import { expect, test } from '@playwright/test';

// Served with LAB_RUNTIME=webcontainer: the page has no runner token, so the lab uses WebContainer, whose
// runtime lives on StackBlitz's servers and cannot boot here. The learner must be told so, with what to do.
test('without the local runner, a lab that cannot boot WebContainer says so and what to do, within the bound', async ({ page }) => {
  await page.goto('/factors/03-config/');
  await expect(page.locator('meta[name="lab-runner-token"]')).toHaveCount(0);
  const lab = page.getByRole('complementary', { name: 'Lab' });
  await lab.scrollIntoViewIfNeeded();
  const alert = lab.getByRole('alert').filter({ hasText: 'npm start' });
  await expect(alert).toBeVisible({ timeout: 25_000 });
  await expect(alert).toContainText(/in-browser Node runtime|cannot run the labs in the page/);
  await expect(lab.getByRole('button', { name: 'Check', exact: true })).toBeDisabled();
  // The files stay readable and editable while the runtime is unavailable.
  await expect(lab.getByRole('textbox', { name: 'config.js', exact: true })).toBeVisible();
});
