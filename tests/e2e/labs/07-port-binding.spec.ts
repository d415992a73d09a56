import { expect, test } from '@playwright/test';
import { check, checkRow, openLab, typeSolution } from '../lab-helpers.ts';

test.describe('the Port Binding lab', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('a learner makes the counter serve itself instead of living inside host.js, and sees the lab passed', async ({ page }) => {
    // Four files to type and two check runs that start eight copies of the app each: room for a loaded machine.
    test.setTimeout(420_000);
    const opened = await openLab(page, '07-port-binding');
    const { lab } = opened;

    // The starter only runs inside host.js, which the checker's copies do not have.
    expect(await check(page, lab, 1)).toMatch(/^Check run 1: 0 of 4 checks passed\. Still to fix: Serves itself with npm start/);
    const serves = checkRow(lab, 'Serves itself with npm start on the port in PORT, without host.js');
    await expect(serves).toHaveAttribute('data-status', 'fail');
    await expect(serves).toContainText("package.json's start script still runs host.js");
    await expect(checkRow(lab, 'With PORT=0, reports the port the system chose')).toContainText('could not run');

    // The start script, the port in config, a server that listens and reports, and GET /count.
    const typed = await typeSolution(page, opened);
    expect(typed.sort()).toEqual(['app.js', 'config.js', 'package.json', 'server.js']);
    expect(await check(page, lab, 2)).toBe('Check run 2: all 4 checks passed. Lab complete.');

    await page.goto('/');
    await expect(page.locator('[data-lab-status="07-port-binding"]').first()).toContainText('Passed');
  });
});
