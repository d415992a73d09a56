import { expect, test } from '@playwright/test';
import { check, checkRow, openLab, runOutput, typeSolution } from '../lab-helpers.ts';

test.describe('the Dependencies lab', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('a learner declares ioredis, drops the redis-cli shell-out, writes the lockfile from the Run menu, and sees the lab passed', async ({ page }) => {
    // Three check runs of four checks each, plus a task: room for a loaded machine.
    test.setTimeout(480_000);
    const opened = await openLab(page, '02-dependencies');
    const { lab } = opened;

    // The starter imports an undeclared ioredis, has no lockfile, and runs redis-cli at startup.
    expect(await check(page, lab, 1)).toMatch(/^Check run 1: 0 of 4 checks passed\. Still to fix: /);
    await expect(checkRow(lab, 'Every package the running app imports is in "dependencies"')).toContainText('ioredis-mock lists it as a peer dependency');
    await expect(checkRow(lab, 'With PATH holding only Node, it starts, counts and runs no other program')).toContainText('ran: redis-cli');

    // package.json and app.js, typed. The lockfile is npm's to write, not the learner's.
    expect(await typeSolution(page, opened)).toEqual(expect.arrayContaining(['package.json', 'app.js']));
    expect(await check(page, lab, 2)).toMatch(/^Check run 2: 2 of 4 checks passed\. Still to fix: /);
    await expect(checkRow(lab, 'Installed in an empty folder from package.json and the lockfile alone, production only, it starts and counts')).toContainText('there is no package-lock.json');

    // From the Run menu, as `npm install` would: package-lock.json written from package.json.
    await lab.getByRole('button', { name: 'More ways to run' }).click();
    await lab.getByRole('button', { name: 'npm install (offline): write package-lock.json', exact: true }).click();
    await expect(runOutput(lab)).toContainText(/Wrote package-lock\.json: \d+ packages pinned/, { timeout: 90_000 });
    await expect(runOutput(lab)).toContainText('ioredis 5.');
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible();

    expect(await check(page, lab, 3)).toBe('Check run 3: all 4 checks passed. Lab complete.');
    await expect(lab.getByRole('listitem').and(lab.locator('[data-status="pass"]'))).toHaveCount(4);

    await page.goto('/');
    await expect(page.locator('[data-lab-status="02-dependencies"]').first()).toContainText('Passed');
  });
});
