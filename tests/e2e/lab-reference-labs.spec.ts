import { expect, test } from '@playwright/test';
import { check, openLab, typeSolution } from './lab-helpers.ts';

for (const id of ['06-processes', '09-disposability']) {
  test(`a learner completes the ${id} lab in the browser: the starter fails, the typed fix passes`, async ({ page }) => {
    test.setTimeout(240_000);
    const opened = await openLab(page, id);
    const total = opened.data.checks.length;
    expect(await check(page, opened.lab, 1)).toMatch(new RegExp(`^Check run 1: \\d+ of ${total} checks passed\\. Still to fix: `));
    await typeSolution(page, opened);
    expect(await check(page, opened.lab, 2)).toBe(`Check run 2: all ${total} checks passed. Lab complete.`);
    await page.goto('/');
    await expect(page.locator(`[data-lab-status="${id}"]`).first()).toContainText('Passed');
  });
}
