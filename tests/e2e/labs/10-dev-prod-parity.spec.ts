import { expect, test, type Locator } from '@playwright/test';
import { check, checkRow, openLab, runOutput, typeSolution } from '../lab-helpers.ts';

/** Chooses a task from the menu beside Run. */
async function runTask(lab: Locator, label: string): Promise<void> {
  await lab.getByRole('button', { name: 'More ways to run' }).click();
  await lab.getByRole('button', { name: label, exact: true }).click();
}

const WITHOUT_REDIS = 'Run in development without a Redis (npm run dev, no REDIS_URL)';
const WITH_REDIS = 'Run in development (npm run dev, with a Redis of its own)';

test('a learner sees development count without Redis, moves it onto Redis and .env, and sees the Dev/Prod Parity lab passed', async ({ page }) => {
  test.setTimeout(360_000);
  const opened = await openLab(page, '10-dev-prod-parity');
  const { lab } = opened;
  const screen = runOutput(lab);
  const stop = async (): Promise<void> => {
    await lab.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 30_000 });
  };
  // The pane may still show an earlier run's lines: count the "listening" events to wait for a new one.
  const listening = async (): Promise<string[]> => [...((await screen.textContent()) ?? '').matchAll(/"msg":"listening","port":(\d+)/g)].map((m) => m[1]!);
  const nextPort = async (seen: number): Promise<string> => {
    await expect.poll(async () => (await listening()).length, { timeout: 60_000 }).toBeGreaterThan(seen);
    return (await listening()).at(-1)!;
  };

  // The starter, by hand: development without any Redis starts anyway and counts in memory.
  await runTask(lab, WITHOUT_REDIS);
  const memoryAnswer = await (await page.request.get(`http://localhost:${await nextPort(0)}/`)).text();
  expect(memoryAnswer).toMatch(/^Hello, developer! You are visitor number 1\. Visits in this 60-second window: 1\./);
  await stop();

  expect(await check(page, lab, 1)).toMatch(/^Check run 1: 0 of 5 checks passed\. Still to fix: /);
  await expect(checkRow(lab, 'Counts visits in the Redis given in REDIS_URL, in development as in production')).toContainText('in its own memory');
  await expect(checkRow(lab, 'In development without REDIS_URL, stops at once and names it')).toHaveAttribute('data-status', 'fail');

  // The fix, typed: one Redis code path, settings from the environment, .env loaded by npm run dev only.
  expect((await typeSolution(page, opened)).sort()).toEqual(['.env', '.env.example', '.gitignore', 'app.js', 'config.js', 'counter.js', 'package.json']);

  // By hand again: without a Redis, development now refuses to start and names what is missing…
  await runTask(lab, WITHOUT_REDIS);
  await expect(screen).toContainText('Missing required environment variable REDIS_URL', { timeout: 60_000 });
  await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 30_000 });
  // …and with one, it counts there, with the greeting and window from .env.
  const before = (await listening()).length;
  await runTask(lab, WITH_REDIS);
  const redisAnswer = await (await page.request.get(`http://localhost:${await nextPort(before)}/`)).text();
  expect(redisAnswer).toMatch(/^Hello from my laptop! You are visitor number 1\. Visits in this 10-second window: 1\./);
  await stop();

  expect(await check(page, lab, 2)).toBe('Check run 2: all 5 checks passed. Lab complete.');
  await page.goto('/');
  await expect(page.locator('[data-lab-status="10-dev-prod-parity"]').first()).toContainText('Passed');
});
