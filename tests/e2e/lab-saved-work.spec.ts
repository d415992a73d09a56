/**
 * Saved work that stays saved: a learner's edit outlives the browser being killed, and the edits of a tab
 * closed in the middle of a two-tab conflict are offered back. The first story launches Chromium itself,
 * with a profile folder of its own, so it can kill the browser process and start a new one on that profile.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { editor, openLab, replaceFile } from './lab-helpers.ts';
import { savedWork } from './support/saved-work.ts';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The browser's own process (not a renderer or helper): the one started with our profile and no --type. */
function browserPid(profile: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a === `--user-data-dir=${profile}`) && !argv.some((a) => a.startsWith('--type='))) return Number(name);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

test.describe('saved work', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('an edit shown as saved is still there after the browser process is killed 12 s later', async ({}, testInfo) => {
    test.setTimeout(120_000);
    const profile = mkdtempSync(join(tmpdir(), 'tfl-profile-'));
    const launch = (): Promise<BrowserContext> =>
      chromium.launchPersistentContext(profile, {
        executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
        args: ARGS,
        baseURL: testInfo.project.use.baseURL as string,
        viewport: { width: 1440, height: 900 },
      });
    const page = async (context: BrowserContext): Promise<Page> => context.pages()[0] ?? (await context.newPage());
    const marker = `// kept through a crash ${Date.now()}`;
    try {
      const first = await launch();
      const tab = await page(first);
      const { lab } = await openLab(tab, '03-config');
      await replaceFile(tab, lab, 'config.js', `${marker}\nexport const port = Number(process.env.PORT);\n`);
      await expect(tab.locator('[data-save="saved"]')).toHaveCount(1, { timeout: 10_000 });

      await tab.waitForTimeout(12_000); // the story: the crash comes 12 s after "saved"
      const pid = browserPid(profile);
      expect(pid, 'the browser process').toBeDefined();
      const closed = new Promise((resolve) => first.once('close', resolve));
      execFileSync('kill', ['-9', String(pid)]);
      await closed;

      const second = await launch();
      try {
        const again = await page(second);
        const reopened = await openLab(again, '03-config');
        await reopened.lab.getByRole('tab', { name: 'config.js' }).click();
        await expect(editor(reopened.lab, 'config.js')).toContainText(marker);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('a tab closed during a two-tab conflict leaves its edits, and the lab offers them back', async ({ context }) => {
    const one = await context.newPage();
    const two = await context.newPage();
    const first = await openLab(one, '03-config');
    const second = await openLab(two, '03-config');
    const tabs = [
      { page: one, lab: first.lab },
      { page: two, lab: second.lab },
    ];

    // A conflict needs a tab that hears another tab's save while its own typing is still unsaved. Typing
    // "at once" does not guarantee that on a loaded machine (one tab may save before the other starts), so
    // tab two keeps typing, its save always pending, while tab one replaces the file and saves, until one
    // of them reports the conflict.
    test.setTimeout(120_000);
    const notice = (lab: typeof first.lab) => lab.getByText('also open in another tab');
    const inConflict = async (): Promise<number> => ((await notice(first.lab).count()) > 0 ? 0 : (await notice(second.lab).count()) > 0 ? 1 : -1);
    await second.lab.getByRole('tab', { name: 'config.js', exact: true }).click();
    await editor(second.lab, 'config.js').click();
    let typing = true;
    const typist = (async () => {
      while (typing) {
        await two.keyboard.type('/');
        await two.waitForTimeout(50);
      }
    })();
    try {
      await expect
        .poll(
          async () => {
            if ((await inConflict()) === -1) await replaceFile(one, first.lab, 'config.js', `// tab one was here ${Date.now()}\n`);
            return inConflict();
          },
          { timeout: 60_000, intervals: [1_000] },
        )
        .not.toBe(-1);
    } finally {
      typing = false;
      await typist;
    }
    const conflicted = tabs[await inConflict()]!;
    const other = conflicted === tabs[0] ? tabs[1]! : tabs[0]!;

    // The conflicting tab goes on typing without choosing, and is closed.
    const kept = `// typed during the conflict ${Date.now()}`;
    await replaceFile(conflicted.page, conflicted.lab, 'server.js', `${kept}\n`);
    await expect.poll(async () => (await savedWork(other.page, '03-config')).recovery.map((r) => r.files['server.js'] ?? ''), { timeout: 10_000 }).toContainEqual(`${kept}\n`);
    await conflicted.page.close();

    await other.page.reload();
    const reopened = await openLab(other.page, '03-config');
    await expect(reopened.lab.getByText('Edits from a tab you closed')).toBeVisible();
    await reopened.lab.getByRole('button', { name: 'Restore those edits' }).click();
    await reopened.lab.getByRole('tab', { name: 'server.js' }).click();
    await expect(editor(reopened.lab, 'server.js')).toContainText(kept);
    await expect(reopened.lab.getByText('Edits from a tab you closed')).toHaveCount(0);
  });
});
