import { expect, test, type Locator } from '@playwright/test';
import { check, checkRow, openLab, runOutput, typeSolution } from '../lab-helpers.ts';

/** Chooses a task from the menu beside Run. */
async function runTask(lab: Locator, label: string): Promise<void> {
  await lab.getByRole('button', { name: 'More ways to run' }).click();
  await lab.getByRole('button', { name: label }).click();
  await expect(lab.getByRole('status').filter({ hasText: `Running: ${label}` })).toBeVisible({ timeout: 30_000 });
}

test('a learner turns two drifted copies of the counter into one library, deploys web as staging and production, and sees the Codebase lab passed', async ({ page }) => {
  // Three check runs' worth of apps (eight processes each) and a few deploys: room for a loaded machine.
  test.setTimeout(420_000);
  const opened = await openLab(page, '01-codebase');
  const { lab } = opened;
  const screen = runOutput(lab);

  // The starter: report's copy of the counter still reads the old key, and report borrows web's config.
  expect(await check(page, lab, 1)).toMatch(/^Check run 1: 0 of 3 checks passed\. Still to fix: /);
  await expect(checkRow(lab, 'Both apps count with one copy of the counter code: a change made once reaches both')).toContainText('drifted apart');
  await expect(checkRow(lab, 'Each app runs from its own folder alone, with the packages it declares')).toContainText('web/config.js');

  // Deployed alone, report cannot find web's folder.
  await runTask(lab, 'Deploy report alone (its folder and declared packages only)');
  await expect(screen).toContainText(/\[report@production\][^\n]*ERR_MODULE_NOT_FOUND/, { timeout: 60_000 });

  // The counter moves into visit-counter/, both apps declare it, report reads its own settings, web its deploy name.
  const typed = await typeSolution(page, opened);
  expect(typed.sort()).toEqual(['report/app.js', 'report/package.json', 'visit-counter/index.js', 'web/app.js', 'web/config.js', 'web/package.json']);

  // One web folder, two deploys: each greets with the name its environment gives it.
  await runTask(lab, 'Deploy web twice: staging and production');
  await expect(screen).toContainText(/\[lab\] web@staging answers at http:\/\/localhost:\d+\//, { timeout: 60_000 });
  await expect(screen).toContainText(/\[lab\] web@production answers at http:\/\/localhost:\d+\//, { timeout: 30_000 });
  await expect(screen).toContainText(/\[web@staging\][^\n]*"deploy":"staging"/);
  await lab.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 30_000 });

  expect(await check(page, lab, 2)).toBe('Check run 2: all 3 checks passed. Lab complete.');
  await page.goto('/');
  await expect(page.locator('[data-lab-status="01-codebase"]').first()).toContainText('Passed');
});
