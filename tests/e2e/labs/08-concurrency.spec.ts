import { expect, test, type Locator } from '@playwright/test';
import { check, openLab, runOutput, typeSolution } from '../lab-helpers.ts';

/** Chooses a task from the menu beside Run. */
async function runTask(lab: Locator, label: string): Promise<void> {
  await lab.getByRole('button', { name: 'More ways to run' }).click();
  await lab.getByRole('button', { name: label }).click();
  await expect(lab.getByRole('status').filter({ hasText: `Running: ${label}` })).toBeVisible({ timeout: 30_000 });
}

test('a learner moves the thank-you notes to a worker process type, watches two workers share them, and sees the Concurrency lab passed', async ({ page }) => {
  test.setTimeout(300_000);
  const { lab, data } = await openLab(page, '08-concurrency');
  const screen = runOutput(lab);

  // The starter: web sends every note itself, so ten visits at once come back one note apart.
  await runTask(lab, 'Web alone, then 10 visits at once');
  await expect(screen).toContainText(/\[visits\] All 10 answered within \d+ ms/, { timeout: 90_000 });
  // Each note takes 400 ms (THANK_YOU_MS in the lab's environment), so the tenth visitor waited for nine others.
  const waited = Number(/All 10 answered within (\d+) ms/.exec((await screen.textContent()) ?? '')?.[1]);
  expect(waited).toBeGreaterThan(3500);
  expect(await check(page, lab, 1)).toMatch(/^Check run 1: 0 of 4 checks passed\. Still to fix: /);

  // Web queues a job in Redis; a worker type in the Procfile takes the jobs.
  const typed = await typeSolution(page, { lab, data });
  expect(typed.sort()).toEqual(['Procfile', 'server.js', 'worker.js']);
  await runTask(lab, 'Web + 2 workers, then 10 visits at once');
  await expect(screen).toContainText(/\[worker\.1\][^\n]*"msg":"thank-you sent"/, { timeout: 90_000 });
  await expect(screen).toContainText(/\[worker\.2\][^\n]*"msg":"thank-you sent"/, { timeout: 30_000 });
  await lab.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 30_000 });

  expect(await check(page, lab, 2)).toBe('Check run 2: all 4 checks passed. Lab complete.');
  await page.goto('/');
  await expect(page.locator('[data-lab-status="08-concurrency"]').first()).toContainText('Passed');
});
