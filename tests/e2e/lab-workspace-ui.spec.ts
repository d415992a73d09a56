import AxeBuilder from '@axe-core/playwright';
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test, type Locator } from '@playwright/test';
import { agreeToSeeSolution, check, checkRow, editor, openLab, replaceFile, runOutput } from './lab-helpers.ts';

/** Every scrolling pane of the diff fits its text in its width: long lines wrap instead of running off. */
async function expectNoSidewaysScroll(lab: Locator): Promise<void> {
  const scrollers = lab.locator('.lab__diff .cm-scroller');
  expect(await scrollers.count()).toBeGreaterThan(0);
  for (const scroller of await scrollers.all()) {
    const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    expect(scrollWidth, 'the diff pane scrolls sideways').toBeLessThanOrEqual(clientWidth + 1);
  }
}

const LONG_NOTE = `// ${'A note long enough to run past the edge of any pane on any screen. '.repeat(3)}\n`;

/** True when a process on this machine runs exactly `argv` (the local runner's shells run here). */
function runningWith(argv: string[]): boolean {
  const wanted = `${argv.join('\0')}\0`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') === wanted) return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}

test.describe('the lab workspace', () => {
  // Wide enough for the lab column beside the prose to compare side by side.
  test.use({ viewport: { width: 1440, height: 900 } });
  // One after another: several of these stories Run the app on the lab's default port, and the launcher
  // would take another story's app on that port for this one's.
  test.describe.configure({ mode: 'default' });

  test('checks and terminal share the lower pane as tabs that follow Check and Run, with badges for the hidden one', async ({ page }) => {
    // Processes' starter reads PORT (the Config starter hard-codes 3000, which another session may hold)
    // and logs when it stops, which is the output that arrives behind the Checks tab below.
    const { lab } = await openLab(page, '06-processes');
    const checksTab = lab.getByRole('tab', { name: /^Checks/ });
    const terminalTab = lab.getByRole('tab', { name: /^Terminal/ });
    await expect(checksTab).toHaveAttribute('aria-selected', 'true');

    await lab.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(terminalTab).toHaveAttribute('aria-selected', 'true');
    await expect(lab.getByRole('tabpanel', { name: /^Terminal/ })).toBeVisible();
    // The launcher announces the app's address once it accepts connections; the header links to it.
    const openApp = lab.getByRole('link', { name: /Open app/ });
    await expect(openApp).toBeVisible({ timeout: 20_000 });
    await expect(openApp).toHaveAttribute('href', /^http:\/\/localhost:\d+\/$/);
    await expect(openApp).toHaveAttribute('target', '_blank');
    // Run's output is a plain log (no terminal emulator), its addresses links that open a new tab.
    await expect(runOutput(lab)).toContainText(/answers at http:\/\/localhost:\d+/);
    await expect(runOutput(lab).getByRole('link', { name: /^http:\/\/localhost:\d+/ }).first()).toHaveAttribute('target', '_blank');
    expect(await lab.locator('.xterm').count(), 'Run needs no terminal emulator').toBe(0);

    // Running means answering: the status says so only once the app's address is known.
    await expect(lab.getByRole('status').filter({ hasText: 'Your app is running' })).toBeVisible();

    await check(page, lab, 1);
    await expect(checksTab).toHaveAttribute('aria-selected', 'true');
    await expect(checksTab).toHaveAccessibleName('Checks, 0 of 3 passed');
    const failing = checkRow(lab, 'Two instances count together, with no repeats, even under concurrent load');
    await expect(failing.getByText('Expected')).toBeVisible();
    await expect(failing.getByText(/alternating between two instances/)).toBeVisible();

    // Keyboard: arrows move between the two tabs and show their panel.
    await checksTab.focus();
    await page.keyboard.press('ArrowRight');
    await expect(terminalTab).toBeFocused();
    await expect(terminalTab).toHaveAttribute('aria-selected', 'true');
    await expect(lab.getByRole('tabpanel', { name: /^Checks/ })).toBeHidden();
    await page.keyboard.press('ArrowLeft');
    await expect(checksTab).toHaveAttribute('aria-selected', 'true');

    // Output that arrives behind the Checks tab marks the Terminal tab.
    await lab.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(terminalTab).toHaveAccessibleName('Terminal, new output');
    await expect(openApp).toBeHidden();
    await terminalTab.click();
    await expect(terminalTab).toHaveAccessibleName('Terminal');

    // The splitter gives the results more room from the keyboard.
    const lower = lab.getByRole('tabpanel', { name: /^Terminal/ });
    const before = (await lower.boundingBox())!.height;
    const split = lab.getByRole('separator', { name: /editor and the results/ });
    // The check above may have grown the pane to fit its results; the keys move on from there.
    const share = Number(await split.getAttribute('aria-valuenow'));
    await split.focus();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expect(split).toHaveAttribute('aria-valuenow', String(Math.min(80, share + 10)));
    expect((await lower.boundingBox())!.height).toBeGreaterThan(before + 40);
  });

  test('the first command typed into a new terminal runs; Ctrl-C stops the foreground command and keeps the shell', async ({ page }) => {
    const { lab } = await openLab(page, '03-config');
    await lab.getByRole('tab', { name: /^Terminal/ }).click();
    await lab.getByRole('button', { name: 'Open a shell' }).click();
    // Typed at once, before the shell is ready: held, then echoed and run once it is.
    await page.keyboard.type('echo first-$((20 + 22))\n');
    const screen = lab.locator('.xterm-rows');
    // The held line comes after the shell's banner and prompt, whole, and only the shell can have worked out 42.
    await expect(screen).toContainText(/Shell ready[\s\S]*echo first-\$\(\(20 \+ 22\)\)[\s\S]*first-42/, { timeout: 15_000 });
    await expect(screen).not.toContainText(/job control|can't access tty/);
    // A duration of its own, so this test can find its sleep among the machine's processes: Ctrl-C is
    // pressed once the sleep runs (pressed while the shell is still starting it, it would reach the shell).
    const duration = `60.${1000 + Math.floor(Math.random() * 9000)}`;
    const sleeping = (): boolean => runningWith(['sleep', duration]);
    await page.keyboard.type(`sleep ${duration}\n`);
    await expect.poll(sleeping, { timeout: 10_000 }).toBe(true);
    await page.keyboard.press('Control+C');
    await expect(screen).toContainText('^C');
    await expect.poll(sleeping, { timeout: 10_000 }).toBe(false);
    await page.keyboard.type('echo still-here\n');
    // The echoed command line, then its output: without the interrupt the shell would be busy for a minute.
    await expect(screen).toContainText(/echo still-here[\s\S]*still-here/, { timeout: 10_000 });
  });

  test('Compare with solution shows the changed file side by side, says when a file already matches, and changes nothing', async ({ page }) => {
    const { lab, data } = await openLab(page, '09-disposability');
    const path = Object.keys(data.solution).find((file) => data.solution[file] !== data.starter[file] && data.editable.includes(file))!;
    const same = Object.keys(data.starter).find((file) => data.solution[file] === data.starter[file]);
    await lab.getByRole('tab', { name: path }).click();
    await lab.getByRole('button', { name: 'Compare with solution' }).click();
    await agreeToSeeSolution(page);
    // Beside the prose the lab is too narrow for two columns by default; the learner may ask for them.
    await lab.getByRole('button', { name: 'Show the comparison side by side' }).click();
    await expect(lab.getByRole('button', { name: 'Compare with solution' })).toHaveAttribute('aria-pressed', 'true');
    await expectNoSidewaysScroll(lab);
    await expect(lab.getByRole('textbox', { name: `${path}, your version (read-only)` })).toBeVisible();
    await expect(lab.getByRole('textbox', { name: `${path}, the solution (read-only)` })).toBeVisible();
    await expect(editor(lab, path)).toBeHidden();
    expect(await lab.locator('.cm-changedLine').count()).toBeGreaterThan(0);
    if (same) {
      await lab.getByRole('tab', { name: same }).click();
      await expect(lab.getByText(`${same} already matches the solution`)).toBeVisible();
    }
    await lab.getByRole('button', { name: 'Back to editing' }).click();
    await expect(lab.getByRole('button', { name: 'Compare with solution' })).toHaveAttribute('aria-pressed', 'false');
    await lab.getByRole('tab', { name: path }).click();
    await expect(editor(lab, path)).toBeVisible();
    await expect(editor(lab, path)).toContainText(data.starter[path]!.split('\n').find((line) => line.trim().length > 10)!.trim());
  });

  test("a task from Run's menu starts two instances on one Redis, and Stop stops them", async ({ page }) => {
    const { lab } = await openLab(page, '06-processes');
    const toggle = lab.getByRole('button', { name: 'More ways to run' });
    const task = lab.getByRole('button', { name: 'Run two instances (ports 3000 and 3001) on one Redis' });
    await expect(task).toBeHidden();
    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(task).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(toggle).toBeFocused();

    const screen = runOutput(lab);
    await expect(screen).toContainText('$ node .lab/run.mjs --instances 2');
    await expect(screen).toContainText(/answers at http:\/\/localhost:\d+\/[\s\S]*answers at http:\/\/localhost:\d+\//, { timeout: 20_000 });
    const ports = [...((await screen.textContent()) ?? '').matchAll(/answers at http:\/\/localhost:(\d+)\//g)].map((m) => m[1]);
    expect(new Set(ports).size, `two different addresses in ${ports.join(', ')}`).toBe(2);
    await expect(lab.getByRole('status').filter({ hasText: 'Running: Run two instances' })).toBeVisible();

    await lab.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible();
    // Stop reached both instances: each logs its shutdown.
    await expect(screen).toContainText(/\[A\][^\n]*shutting down/);
    await expect(screen).toContainText(/\[B\][^\n]*shutting down/);
  });

  test('an app that never listens is not called running, and the status says what is wrong', async ({ page }) => {
    test.setTimeout(60_000);
    const { lab } = await openLab(page, '03-config');
    await replaceFile(page, lab, 'app.js', '// Stays alive without ever listening on a port.\nsetInterval(() => {}, 1000);\n');
    await lab.getByRole('button', { name: 'Run', exact: true }).click();
    const status = lab.getByRole('status').first();
    await expect(status).toHaveText('Starting your app…');
    await expect(status).toHaveText('Your app is running but not answering on its port yet', { timeout: 15_000 });
    await expect(runOutput(lab)).toContainText(/Nothing answers on port \d+/);
    await expect(lab.getByRole('link', { name: /Open app/ })).toBeHidden();
    await lab.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(status).toHaveText(/^Ready/);
  });

  test('the editor starts as the build’s highlighted copy, and keys typed before CodeMirror arrives are kept and saved', async ({ page }) => {
    const data = (await (await page.request.get('/labs/03-config/workspace.json')).json()) as { open: string; starter: Record<string, string> };
    // CodeMirror's module is held back until the learner has typed: the keys land on the preview.
    let release!: () => void;
    const typed = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/_astro\/editor\.[\w-]+\.js$/, async (route) => {
      await typed;
      await route.continue();
    });
    await page.goto('/factors/03-config/');
    const lab = page.getByRole('complementary', { name: 'Lab' });
    await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 60_000 });
    const preview = lab.getByRole('textbox', { name: `${data.open}, starting the editor` });
    const firstLine = data.starter[data.open]!.split('\n')[0]!;
    await expect(preview).toContainText(firstLine);
    // Highlighted at build time: the comment and the code are coloured differently.
    expect(await preview.locator('.line span[style]').count()).toBeGreaterThan(3);
    await preview.focus();
    await page.keyboard.type('// typed early\n');
    release();
    const box = editor(lab, data.open);
    await expect(box).toBeFocused();
    await expect(box.locator('.cm-line').first()).toHaveText('// typed early');
    await expect(box.locator('.cm-line').nth(1)).toHaveText(firstLine);
    await expect(lab.locator('[data-lab-workspace]')).toHaveAttribute('data-save', 'saved');
    await page.unroute(/\/_astro\/editor\.[\w-]+\.js$/);
    await page.reload();
    await expect(editor(lab, data.open).locator('.cm-line').first()).toHaveText('// typed early', { timeout: 30_000 });
  });

  test('the editor tells keyboard users how to leave it, visibly while it has focus', async ({ page }) => {
    const { lab, data } = await openLab(page, '03-config');
    const box = editor(lab, data.open);
    await expect(box).toHaveAccessibleDescription(/Tab indents; press Esc then Tab to move focus out of the editor/);
    const help = lab.getByText('press Esc then Tab to move focus out of the editor');
    expect((await help.boundingBox())!.width).toBeLessThanOrEqual(1);
    await box.focus();
    await expect.poll(async () => (await help.boundingBox())!.width).toBeGreaterThan(100);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    await expect(box).not.toBeFocused();
    await expect.poll(async () => (await help.boundingBox())!.width).toBeLessThanOrEqual(1);
  });
});

test.describe('the lab workspace at 390 px', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('keeps Check, Run and Stop in view and folds the rest into a keyboard-operable More menu', async ({ page }) => {
    const { lab, data } = await openLab(page, '03-config');
    const more = lab.getByRole('button', { name: 'More', exact: true });
    const compare = lab.getByRole('button', { name: 'Compare with solution' });
    await expect(more).toBeVisible();
    await expect(compare).toBeHidden();
    const top = async (name: string): Promise<number> => (await lab.getByRole('button', { name, exact: true }).boundingBox())!.y;
    expect(await top('Run')).toBe(await top('Check'));
    expect(await top('Stop')).toBe(await top('Check'));
    expect(Math.abs((await more.boundingBox())!.y - (await top('Check')))).toBeLessThan(8);

    await more.focus();
    await page.keyboard.press('Enter');
    await expect(more).toHaveAttribute('aria-expanded', 'true');
    await expect(compare).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(lab.getByRole('button', { name: 'Reset to starter' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(more).toHaveAttribute('aria-expanded', 'false');
    await expect(more).toBeFocused();
    await expect(compare).toBeHidden();

    // More file tabs than fit: the strip scrolls and fades at the edge that hides some.
    await expect(lab.getByRole('tablist', { name: 'Files' })).toHaveAttribute('data-more', /end/);

    // Compare on a narrow screen: one unified view that wraps long lines, the way back in sight.
    await replaceFile(page, lab, data.open, `${LONG_NOTE}${data.starter[data.open]}`);
    await more.click();
    await compare.click();
    await agreeToSeeSolution(page);
    await expect(lab.getByRole('textbox', { name: `${data.open}, your version changed into the solution (read-only)` })).toBeVisible();
    await expect(lab.locator('.cm-deletedChunk').first()).toBeVisible();
    await expectNoSidewaysScroll(lab);
    await lab.getByRole('button', { name: 'Back to editing' }).click();
    await expect(editor(lab, data.open)).toBeVisible();
  });
});

test.describe('the Run menu at 390 px', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('shows a long task label whole, inside the lab', async ({ page }) => {
    const { lab } = await openLab(page, '06-processes');
    await lab.getByRole('button', { name: 'More ways to run' }).click();
    const task = lab.getByRole('button', { name: 'Run two instances (ports 3000 and 3001) on one Redis' });
    await expect(task).toBeVisible();
    const [item, frame] = [(await task.boundingBox())!, (await lab.boundingBox())!];
    expect(item.x).toBeGreaterThanOrEqual(frame.x);
    expect(item.x + item.width).toBeLessThanOrEqual(frame.x + frame.width);
    expect(await task.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  });
});

for (const width of [390, 320]) {
  test.describe(`the site header at ${width} px`, () => {
    test.use({ viewport: { width, height: 800 } });

    test('keeps the Factors and Instructors links in reach, side by side with the brand, and passes axe', async ({ page }) => {
      await page.goto('/factors/03-config/');
      const header = page.getByRole('banner');
      const nav = header.getByRole('navigation', { name: 'Site' });
      const brand = header.getByRole('link', { name: 'Twelve-Factor Labs' });
      const boxes = [];
      for (const link of [brand, nav.getByRole('link', { name: 'Factors' }), nav.getByRole('link', { name: 'Instructors' }), nav.getByRole('button', { name: 'Dark theme' })]) {
        await expect(link).toBeVisible();
        const box = (await link.boundingBox())!;
        expect(box.x + box.width, 'inside the screen').toBeLessThanOrEqual(width);
        expect(box.height, 'a target a thumb can hit').toBeGreaterThanOrEqual(24);
        boxes.push(box);
      }
      for (const [i, box] of boxes.entries()) if (i > 0) expect(box.x, 'no overlap with the item before').toBeGreaterThanOrEqual(boxes[i - 1]!.x + boxes[i - 1]!.width - 0.5);
      const { violations } = await new AxeBuilder({ page }).include('header').analyze();
      expect(violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    });
  });
}
