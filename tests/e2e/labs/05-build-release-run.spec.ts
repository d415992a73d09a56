import { expect, test } from '@playwright/test';
import { check, checkRow, openLab, runOutput, typeSolution } from '../lab-helpers.ts';

test.describe('the Build, Release, Run lab', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('a learner separates the stages, makes two releases from the Run menu, rolls back to v1, and sees the lab passed', async ({ page }) => {
    // Two check runs of four checks, each a dozen Node processes, plus the stages by hand: room for a loaded machine.
    test.setTimeout(600_000);
    const opened = await openLab(page, '05-build-release-run');
    const { lab } = opened;

    // The starter builds at every start and overwrites one release/ folder.
    expect(await check(page, lab, 1)).toMatch(/^Check run 1: 0 of 4 checks passed\. Still to fix: /);
    await expect(checkRow(lab, 'Builds the same source into the same build ID, and changed source into a new one')).toContainText('dist/build.json');
    await expect(checkRow(lab, 'Makes each release a new folder with a new, ordered ID, and never changes an old one')).toContainText('release/');

    // The three stages, typed: build.mjs, release.mjs, start.mjs, and /version in the app.
    expect(await typeSolution(page, opened)).toEqual(expect.arrayContaining(['build.mjs', 'release.mjs', 'start.mjs', 'src/server.js']));

    // By hand, from the Run menu: a build, two releases of it with two greetings, then a rollback to v1.
    const screen = runOutput(lab);
    const task = async (name: string, output: RegExp): Promise<void> => {
      await lab.getByRole('button', { name: 'More ways to run' }).click();
      await lab.getByRole('button', { name, exact: true }).click();
      await expect(screen).toContainText(output, { timeout: 90_000 });
    };
    await task('Build (npm run build)', /Built [0-9a-f]{12}/);
    const build = /Built ([0-9a-f]{12})/.exec((await screen.textContent()) ?? '')?.[1];
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible();
    await task('Release the build (npm run release)', new RegExp(`Released v1: build ${build} with GREETING=Hello`));
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible();
    await task('Release the build with GREETING=Hola', new RegExp(`Released v2: build ${build} with GREETING=Hola`));
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible();
    await task('Run release v1 (a rollback)', /The visitor counter answers at http:\/\/localhost:\d+\//);
    const port = /answers at http:\/\/localhost:(\d+)\//.exec((await screen.textContent()) ?? '')?.[1];
    const version = await page.request.get(`http://localhost:${port}/version`);
    expect(await version.json()).toEqual({ release: 'v1', build });
    expect(await (await page.request.get(`http://localhost:${port}/`)).text()).toMatch(/^Hello! You are visitor number \d+\./);
    await lab.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible();

    expect(await check(page, lab, 2)).toBe('Check run 2: all 4 checks passed. Lab complete.');
    await expect(lab.getByRole('listitem').and(lab.locator('[data-status="pass"]'))).toHaveCount(4);

    await page.goto('/');
    await expect(page.locator('[data-lab-status="05-build-release-run"]').first()).toContainText('Passed');
  });
});
