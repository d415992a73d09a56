// The generic story, told for every lab that has no story of its own in tests/e2e/labs/<id>.spec.ts:
// the starter fails, the reference solution typed into the editor passes, and the course marks it passed.
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { check, openLab, typeSolution } from './lab-helpers.ts';
import { chapters } from './support/chapters.ts';
import { labStories } from './support/lab-stories.ts';

const { generic } = labStories(join(import.meta.dirname, '../..'), chapters.flatMap((c) => (c.lab ? [c.lab] : [])));

for (const id of generic) {
  test(`a learner completes the ${id} lab in the browser: the starter fails, the typed fix passes`, async ({ page }) => {
    test.setTimeout(360_000);
    const opened = await openLab(page, id);
    const total = opened.data.checks.length;
    expect(await check(page, opened.lab, 1)).toMatch(new RegExp(`^Check run 1: \\d+ of ${total} checks passed\\. Still to fix: `));
    await typeSolution(page, opened);
    expect(await check(page, opened.lab, 2)).toBe(`Check run 2: all ${total} checks passed. Lab complete.`);
    await page.goto('/');
    await expect(page.locator(`[data-lab-status="${id}"]`).first()).toContainText('Passed');
  });
}
