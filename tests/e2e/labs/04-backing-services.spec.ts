import { expect, test } from '@playwright/test';
import { check, checkRow, openLab, replaceFile } from '../lab-helpers.ts';

const SWAP = 'Moves to another Redis when only REDIS_URL changes';
const ONLY = 'Connects to no Redis but the one in REDIS_URL';
const OUTAGE = 'Answers 503 at once while Redis is down, and keeps running';
const HEALTH = 'Reports the outage at /health';
const BACK = 'Counts again by itself when Redis comes back';

test('a learner attaches Redis by its URL, makes the app survive losing it, and sees the Backing Services lab passed', async ({ page }) => {
  test.setTimeout(240_000);
  const { lab, data } = await openLab(page, '04-backing-services');

  // The starter's client ignores REDIS_URL and goes to 127.0.0.1:6379, where nobody attached a Redis.
  expect(await check(page, lab, 1)).toMatch(/^Check run 1: 0 of 5 checks passed\. Still to fix: /);
  await expect(checkRow(lab, SWAP)).toHaveAttribute('data-status', 'fail');
  await expect(checkRow(lab, ONLY)).toHaveAttribute('data-status', 'fail');
  await expect(checkRow(lab, ONLY)).toContainText('127.0.0.1:6379');

  // One client, built from the URL, with bounded waits: the swap works, but server.js still turns an
  // outage into a 500 and asks a fixed local address whether Redis is up.
  await replaceFile(page, lab, 'counter.js', data.solution['counter.js']!);
  expect(await check(page, lab, 2)).toMatch(/^Check run 2: 2 of 5 checks passed\./);
  await expect(checkRow(lab, SWAP)).toHaveAttribute('data-status', 'pass');
  await expect(checkRow(lab, BACK)).toHaveAttribute('data-status', 'pass');
  await expect(checkRow(lab, OUTAGE)).toHaveAttribute('data-status', 'fail');
  await expect(checkRow(lab, OUTAGE)).toContainText('500');
  await expect(checkRow(lab, HEALTH)).toHaveAttribute('data-status', 'fail');

  // 503 with an explanation, and a health route that asks the attached Redis.
  await replaceFile(page, lab, 'server.js', data.solution['server.js']!);
  expect(await check(page, lab, 3)).toBe('Check run 3: all 5 checks passed. Lab complete.');

  await page.goto('/');
  await expect(page.locator('[data-lab-status="04-backing-services"]').first()).toContainText('Passed');
});
