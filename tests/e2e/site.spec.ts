import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { chapters } from './support/chapters.ts';

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a newcomer finds the twelve factors in order on the landing page, and each opens its chapter', async ({ page }) => {
  // Twelve chapter loads and twelve landing-page loads: a budget for each, not one for all.
  test.setTimeout(24 * 10_000);
  expect(chapters).toHaveLength(12);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const cards = page.getByRole('list', { name: /factors/i }).getByRole('listitem');
  await expect(cards).toHaveCount(12);
  for (const [i, chapter] of chapters.entries()) {
    await expect(cards.nth(i)).toContainText(chapter.title);
  }
  for (const chapter of chapters) {
    await page.goto('/');
    await page.getByRole('list', { name: /factors/i }).getByRole('link', { name: new RegExp(chapter.title.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')) }).first().click();
    await expect(page).toHaveURL(new RegExp(`${chapter.url}$`));
    await expect(page.getByRole('heading', { level: 1 })).toContainText(chapter.title);
  }
});

test('previous and next lead through the course and stop at both ends', async ({ page }) => {
  const first = chapters[0]!;
  const last = chapters.at(-1)!;
  await page.goto(first.url);
  const pager = page.getByRole('navigation', { name: /previous and next/i });
  await expect(pager.getByRole('link', { name: /previous/i })).toHaveCount(0);
  await pager.getByRole('link', { name: /next/i }).click();
  await expect(page).toHaveURL(new RegExp(`${chapters[1]!.url}$`));

  await page.goto(last.url);
  await expect(pager.getByRole('link', { name: /next/i })).toHaveCount(0);
  await pager.getByRole('link', { name: /previous/i }).click();
  await expect(page).toHaveURL(new RegExp(`${chapters.at(-2)!.url}$`));
});

test('the theme the learner picks survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(chapters[2]!.url);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByRole('button', { name: /theme/i }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.goto('/');
  await expect(html).toHaveAttribute('data-theme', 'dark');
});

test('a chapter page is cross-origin isolated, as WebContainer needs', async ({ page }) => {
  await page.goto(chapters[2]!.url);
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
});

test('an unknown address shows the 404 page with a way back', async ({ page }) => {
  const response = await page.goto('/factors/13-telepathy/');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/not found|no such page|404/i);
  await page.getByRole('main').getByRole('link', { name: /all factors|home|course/i }).first().click();
  await expect(page).toHaveURL(/:\d+\/(#[\w-]*)?$/);
});

test('the landing page has no serious accessibility violations, in either theme', async ({ page }) => {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/');
    expect(await seriousViolations(page), `landing, ${scheme}`).toEqual([]);
  }
});

for (const chapter of chapters) {
  test(`chapter ${chapter.id} has no serious accessibility violations`, async ({ page }) => {
    await page.goto(chapter.url);
    expect(await seriousViolations(page)).toEqual([]);
  });
}
