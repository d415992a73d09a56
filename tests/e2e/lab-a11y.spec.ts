/**
 * Accessibility of every chapter's lab in use: results shown and Compare open, in both themes, on a
 * desktop and a phone. Axe must find nothing serious or critical.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { agreeToSeeSolution, check, openLab } from './lab-helpers.ts';
import { chapters } from './support/chapters.ts';

// Each story runs the checker at least once; on a loaded machine that alone can take a minute.
test.describe.configure({ timeout: 240_000 });

async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}${v.nodes.length > 4 ? ` and ${v.nodes.length - 4} more` : ''}`);
}

const withLabs = chapters.filter((chapter) => chapter.lab);

for (const [device, viewport] of [['desktop', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
  test.describe(`on a ${device}`, () => {
    test.use({ viewport });

    for (const chapter of withLabs) {
      test(`${chapter.id}: the lab with results and Compare open has no serious violations, light and dark`, async ({ page }) => {
        await page.emulateMedia({ colorScheme: 'light' });
        const { lab } = await openLab(page, chapter.lab!);
        await check(page, lab, 1);
        if (device === 'phone') await lab.getByRole('button', { name: 'More', exact: true }).click();
        await lab.getByRole('button', { name: 'Compare with solution' }).click();
        await agreeToSeeSolution(page);
        await expect(lab.getByRole('button', { name: 'Back to editing' })).toBeVisible();
        expect(await seriousViolations(page), `${chapter.id}, ${device}, light`).toEqual([]);
        await page.getByRole('button', { name: 'Dark theme' }).click();
        await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
        expect(await seriousViolations(page), `${chapter.id}, ${device}, dark`).toEqual([]);
      });
    }
  });
}
