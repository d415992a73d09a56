import { expect, test, type Locator, type Page } from '@playwright/test';
import { openLab, runOutput } from './lab-helpers.ts';

/** Presses Run and returns the address the lab links to once the app answers. */
async function run(lab: Locator): Promise<string> {
  await lab.getByRole('button', { name: 'Run', exact: true }).click();
  const openApp = lab.getByRole('link', { name: /Open app/ });
  await expect(openApp).toBeVisible({ timeout: 30_000 });
  return (await openApp.getAttribute('href'))!;
}

const visit = async (page: Page, url: string): Promise<string> => (await (await page.request.get(url)).text()).trim();

// One Redis per lab session: what Run's app counted is what the Run menu's one-off tasks see, and it is
// still there the next time Run starts.
test("a learner counts three visits with Run, sees them from the Run menu's task, and the count goes on at the next Run", async ({ page }) => {
  test.setTimeout(180_000);
  const { lab } = await openLab(page, '12-admin-processes');
  const screen = runOutput(lab);

  const first = await run(lab);
  await expect(screen).toContainText("[lab] Using this lab session's Redis at redis://");
  for (const n of [1, 2, 3]) expect(await visit(page, first)).toMatch(new RegExp(`You are visitor number ${n}\\.$`));

  // A task from the menu stops Run and starts in the same session: it reads the same Redis.
  await lab.getByRole('button', { name: 'More ways to run' }).click();
  await lab.getByRole('button', { name: "Show the counter's keys in Redis" }).click();
  await expect(screen).toContainText(/visits\s+hash\s+\{"total":"3"\}/, { timeout: 30_000 });

  const again = await run(lab);
  expect(await visit(page, again)).toMatch(/You are visitor number 4\.$/);
  await lab.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 30_000 });
});
