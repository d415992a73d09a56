/**
 * Stories of the results and the feedback around them: results a learner can read without scrolling
 * the code away, results that say when they are out of date, a Stop that says how the app ended, a crash
 * that leads with the learner's own error, syntax errors marked as they type, a visible "Lab complete",
 * and all of it with the keyboard alone.
 */
import { expect, test, type Locator } from '@playwright/test';
import { agreeToSeeSolution, announcement, check, editor, openLab, replaceFile, typeSolution, runOutput } from './lab-helpers.ts';
import { savedWork } from './support/saved-work.ts';

// Each story runs the checker at least once; on a loaded machine that alone can take a minute.
test.describe.configure({ timeout: 240_000 });

const results = (lab: Locator): Locator => lab.getByRole('tabpanel', { name: /^Checks/ });
/** A failing or erroring check's head: a button named by its title and status. */
const headName = (title: string): RegExp => new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*: (failed|could not run)`);
const openCheck = (lab: Locator, title: string): Locator => results(lab).getByRole('button', { name: headName(title) });

async function failingTitles(lab: Locator): Promise<string[]> {
  const titles = await results(lab).getByRole('listitem').evaluateAll((rows) =>
    rows.filter((row) => ['fail', 'error'].includes((row as HTMLElement).dataset['status'] ?? '')).map((row) => row.querySelector('.check__title')?.textContent ?? ''),
  );
  expect(titles.length, 'the starter fails some checks').toBeGreaterThan(1);
  return titles;
}

test.describe('at 1440×900', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('after Check a learner sees every failing title at once and the first failure in full, with the editor still in view', async ({ page }) => {
    const { lab, data } = await openLab(page, '03-config');
    await check(page, lab, 1);
    const titles = await failingTitles(lab);
    for (const title of titles) await expect(openCheck(lab, title)).toBeInViewport({ ratio: 1 });
    // A `has` locator is searched inside each row, so it names the button from the page, not from the lab.
    const first = results(lab).getByRole('listitem').filter({ has: page.getByRole('button', { name: headName(titles[0]!) }) });
    await expect(openCheck(lab, titles[0]!)).toHaveAttribute('aria-expanded', 'true');
    await expect(first.getByRole('paragraph').first()).toBeInViewport({ ratio: 1 });
    await expect(first.getByText('Got', { exact: true })).toBeInViewport({ ratio: 1 });
    await expect(first.getByRole('button', { name: /Show a hint/ })).toBeInViewport({ ratio: 1 });
    // The others show their titles only, and open on request.
    await expect(openCheck(lab, titles[1]!)).toHaveAttribute('aria-expanded', 'false');
    const box = editor(lab, data.open);
    await expect(box).toBeInViewport();
    expect((await lab.locator('.lab__editor').boundingBox())!.height, 'the editor keeps room for some lines').toBeGreaterThan(100);
  });

  test('results from an earlier version of the files say so, until the learner checks again; undoing the edit makes them current', async ({ page }) => {
    const { lab, data } = await openLab(page, '03-config');
    await check(page, lab, 1);
    const stale = results(lab).getByText(/Your files changed since these results/);
    await expect(stale).toHaveCount(0);
    await editor(lab, data.open).click();
    await page.keyboard.press('ControlOrMeta+End');
    // One edit, so one Undo takes it back whatever the machine's speed.
    await page.keyboard.insertText('// a note');
    await expect(stale).toBeVisible();
    await expect(lab.getByRole('tab', { name: /^Checks/ })).toHaveAccessibleName(/from an earlier version$/);
    await page.keyboard.press('ControlOrMeta+Z');
    await expect(stale).toHaveCount(0);
    await page.keyboard.insertText('// a second note');
    await expect(stale).toBeVisible();
    await results(lab).getByRole('button', { name: 'Check again' }).click();
    await expect(announcement(page)).toHaveText(/^Check run 2: /, { timeout: 120_000 });
    await expect(stale).toHaveCount(0);
  });

  test('when all checks pass the lab says it is complete and leads to the next unfinished chapter', async ({ page }) => {
    const opened = await openLab(page, '03-config');
    await typeSolution(page, opened);
    await check(page, opened.lab, 1);
    const summary = results(opened.lab).getByText('Lab complete');
    await expect(summary).toBeVisible();
    const next = results(opened.lab).getByRole('link', { name: /^Next: 4\. Backing services/i });
    await expect(next).toBeVisible();
    await next.click();
    await expect(page).toHaveURL(/\/factors\/04-backing-services\/$/);
  });

  test('the editor marks a syntax error as the learner types, and F8 says what it is', async ({ page }) => {
    const { lab, data } = await openLab(page, '03-config');
    await editor(lab, data.open).click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.type('\nconst broken = ;\n');
    await expect(lab.locator('.cm-lintRange-error')).toHaveText(';');
    await page.keyboard.press('F8');
    await expect(lab.getByText(/JavaScript did not expect “;” here/)).toBeVisible();
  });
});

test.describe('Compare with solution', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('asks once before showing the answer, then takes one change at a time into the file, with Undo', async ({ page }) => {
    const { lab, data } = await openLab(page, '03-config');
    const compare = lab.getByRole('button', { name: 'Compare with solution' });
    await compare.click();
    const dialog = page.getByRole('dialog', { name: 'Show the solution?' });
    await expect(dialog.getByRole('button', { name: 'Not yet' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    await expect(compare).toHaveAttribute('aria-pressed', 'false');
    await compare.click();
    await agreeToSeeSolution(page);
    // Beside the prose there is room for one readable column, not two.
    await expect(lab.getByRole('textbox', { name: 'config.js, your version changed into the solution (read-only)' })).toBeVisible();
    const takes = lab.getByRole('button', { name: 'Use the solution’s lines here in config.js' });
    const chunks = await takes.count();
    expect(chunks).toBeGreaterThan(0);
    // With the keyboard: the change moves into the learner's file, and focus waits on Undo.
    await takes.first().focus();
    await page.keyboard.press('Enter');
    const undo = lab.getByRole('button', { name: 'Undo the last change taken into config.js' });
    await expect(undo).toBeFocused();
    await expect(takes).toHaveCount(chunks - 1);
    const saved = async (): Promise<string> => (await savedWork(page, '03-config')).files?.['config.js'] ?? '';
    await expect.poll(saved).not.toBe(data.starter['config.js']);
    await undo.click();
    await expect(takes).toHaveCount(chunks);
    await expect.poll(saved).toBe(data.starter['config.js']);
    // Side by side on request, with the same one-at-a-time arrows, by mouse this time.
    await lab.getByRole('button', { name: 'Show the comparison side by side' }).click();
    await expect(lab.getByRole('textbox', { name: 'config.js, the solution (read-only)' })).toBeVisible();
    await takes.first().click();
    await expect(takes).toHaveCount(chunks - 1);
    await lab.getByRole('button', { name: 'Back to editing' }).click();
    await expect(editor(lab, 'config.js')).not.toHaveText(data.starter['config.js']!.replace(/\n/g, ''));
    // Asked once: the second time Compare opens at once.
    await compare.click();
    await expect(dialog).toHaveCount(0);
    await expect(lab.getByRole('button', { name: 'Back to editing' })).toBeVisible();
  });
});

test.describe('Run and Stop', () => {
  test.use({ viewport: { width: 1440, height: 900 } });
  test.describe.configure({ mode: 'default' });

  test('Stop says how the app ended and how long it took', async ({ page }) => {
    // The Processes starter stops on SIGTERM by itself ("bye"), so it exits with code 0.
    const { lab } = await openLab(page, '06-processes');
    await lab.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(lab.getByRole('link', { name: /Open app/ })).toBeVisible({ timeout: 20_000 });
    await lab.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(lab.getByRole('status').first()).toHaveText(/^Ready · app stopped: exit code 0 after \d+\.\d s$/, { timeout: 15_000 });
    await expect(runOutput(lab)).toContainText(/app stopped: Stop sent SIGTERM; the app exited with code 0 after \d+\.\d s/);
  });

  test('a crash after Run shows the learner’s own error and line first, without Node’s internals', async ({ page }) => {
    const { lab } = await openLab(page, '06-processes');
    await replaceFile(page, lab, 'app.js', "setTimeout(() => {\n  const counter = undefined;\n  counter.incr('visits');\n}, 50);\n");
    await lab.getByRole('button', { name: 'Run', exact: true }).click();
    const screen = runOutput(lab);
    await expect(screen).toContainText(/TypeError: Cannot read properties of undefined \(reading 'incr'\)\s*at app\.js:3/, { timeout: 20_000 });
    await expect(screen).toContainText('counter.incr');
    await expect(screen).not.toContainText('node:internal');
    await expect(screen).not.toContainText('file://');
  });
});

test.describe('at 390×844', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('“Go to the lab” near the top jumps to the lab, and after Check the page brings the verdict into view', async ({ page }) => {
    await page.goto('/factors/03-config/');
    await page.getByRole('link', { name: 'Go to the lab' }).click();
    const lab = page.getByRole('complementary', { name: 'Lab' });
    await expect(lab.getByRole('heading', { name: 'Config', level: 2 })).toBeInViewport();
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 20_000 });
    await lab.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(announcement(page)).toHaveText(/^Check run 1: /, { timeout: 120_000 });
    await expect(results(lab).getByText(/checks passed\./)).toBeInViewport({ ratio: 1 });
  });
});

test.describe('with the keyboard alone', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('a keyboard-only learner runs Check, reads every failing title, and their code is unchanged', async ({ page }) => {
    const { lab, data } = await openLab(page, '03-config');
    await page.goto('/factors/03-config/');
    // From the top of the page: "Skip to content", then "Skip to the lab", which lands in the lab.
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to the lab' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 20_000 });
    await page.keyboard.press('Tab');
    const checkButton = lab.getByRole('button', { name: /^Check/ }).first();
    await expect(checkButton).toBeFocused();
    await page.keyboard.press('Enter');
    // Focus stays on Check while it runs, then moves to the summary of the results.
    await expect(checkButton).toHaveAttribute('aria-disabled', 'true');
    await expect(checkButton).toBeFocused();
    await expect(announcement(page)).toHaveText(/^Check run 1: /, { timeout: 120_000 });
    const summary = results(lab).locator('[data-slot="checks-summary"]');
    await expect(summary).toBeFocused();
    await expect(summary).toContainText(/0 of 5 checks passed/);
    // Tabbing on walks the results: every failing check's head, its hint button, never the editor.
    const titles = await failingTitles(lab);
    const seen: string[] = [];
    for (let i = 0; i < 12 && seen.length < titles.length; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.querySelector('.check__title')?.textContent ?? null);
      if (name) seen.push(name);
      expect(await page.evaluate(() => document.activeElement?.closest('.cm-editor') === null)).toBe(true);
    }
    expect(seen).toEqual(titles);
    await expect(editor(lab, data.open)).toHaveText(data.starter[data.open]!.replace(/\n/g, ''), { useInnerText: false });
    // Later, from the toolbar, the results are one key away: "Skip the editor" sits before the file tabs.
    await checkButton.focus();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      if (await lab.getByRole('button', { name: 'Skip the editor: go to the results' }).evaluate((el) => el === document.activeElement)) break;
    }
    await page.keyboard.press('Enter');
    await expect(summary).toBeFocused();
  });
});
