import { expect, test } from '@playwright/test';
import { check, checkRow, openLab, replaceFile } from '../lab-helpers.ts';

test.describe('the Logs lab', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('a learner replaces the log file with JSON events on stdout, one file at a time, and sees the lab passed', async ({ page }) => {
    // Three check runs, each starting the app twice: generous for a loaded machine.
    test.setTimeout(240_000);
    const opened = await openLab(page, '11-logs');
    const { lab, data } = opened;

    // The starter writes logs/app.log, and its console shows only a banner.
    expect(await check(page, lab, 1)).toMatch(/^Check run 1: 0 of 3 checks passed\. Still to fix: Writes no log files/);
    const files = checkRow(lab, 'Writes no log files');
    await expect(files).toHaveAttribute('data-status', 'fail');
    await expect(files).toContainText('logs/app.log: created');

    // First the logger: JSON lines on stdout, no file. The banner and the text-only request lines remain.
    await replaceFile(page, lab, 'logger.js', data.solution['logger.js']!);
    expect(await check(page, lab, 2)).toMatch(/^Check run 2: 1 of 3 checks passed\./);
    await expect(files).toHaveAttribute('data-status', 'pass');
    const events = checkRow(lab, 'Writes one JSON event per request to stdout, and nothing else');
    await expect(events).toHaveAttribute('data-status', 'fail');
    await expect(events).toContainText('Visitor counter on http://localhost:');

    // Then one structured event per request, and a startup event instead of the banner.
    for (const path of ['server.js', 'app.js']) {
      expect(data.solution[path], `${path} differs in the solution`).not.toBe(data.starter[path]);
      await replaceFile(page, lab, path, data.solution[path]!);
    }
    expect(await check(page, lab, 3)).toBe('Check run 3: all 3 checks passed. Lab complete.');
    await expect(lab.getByRole('listitem').and(lab.locator('[data-status="pass"]'))).toHaveCount(3);

    await page.goto('/');
    await expect(page.locator('[data-lab-status="11-logs"]').first()).toContainText('Passed');
  });
});
