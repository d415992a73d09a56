import { expect, test } from '@playwright/test';
import { check, checkRow, editor, openLab } from './lab-helpers.ts';

test.describe('the lab workspace', () => {
  // Wide enough for the lab column beside the prose to compare side by side.
  test.use({ viewport: { width: 1440, height: 900 } });

  test('checks and terminal share the lower pane as tabs that follow Check and Run, with badges for the hidden one', async ({ page }) => {
    const { lab } = await openLab(page, '03-config');
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
    await expect(lab.locator('.xterm-rows a, .xterm-rows').filter({ hasText: 'answers at http://localhost' })).toBeVisible();

    await check(page, lab, 1);
    await expect(checksTab).toHaveAttribute('aria-selected', 'true');
    await expect(checksTab).toHaveAccessibleName('Checks (0 of 5 passed)');
    const failing = checkRow(lab, 'Listens on the port given in PORT');
    await expect(failing.getByText('Expected')).toBeVisible();
    await expect(failing.getByText(/Started the app with PORT=\d+/)).toBeVisible();

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
    await expect(terminalTab).toHaveAccessibleName('Terminal (new output)');
    await expect(openApp).toBeHidden();
    await terminalTab.click();
    await expect(terminalTab).toHaveAccessibleName('Terminal');

    // The splitter gives the results more room from the keyboard.
    const lower = lab.getByRole('tabpanel', { name: /^Terminal/ });
    const before = (await lower.boundingBox())!.height;
    const split = lab.getByRole('separator', { name: /editor and the results/ });
    await split.focus();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expect(split).toHaveAttribute('aria-valuenow', '57');
    expect((await lower.boundingBox())!.height).toBeGreaterThan(before + 40);
  });

  test('Ctrl-C in the shell stops the foreground command and keeps the shell', async ({ page }) => {
    const { lab } = await openLab(page, '03-config');
    await lab.getByRole('tab', { name: /^Terminal/ }).click();
    await lab.getByRole('button', { name: /Select to open a shell/ }).click();
    const screen = lab.locator('.xterm-rows');
    await expect(screen).toContainText('Shell ready', { timeout: 15_000 });
    await page.keyboard.type('sleep 60\n');
    await page.keyboard.press('Control+C');
    await expect(screen).toContainText('^C');
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
    await expect(lab.getByRole('button', { name: 'Compare with solution' })).toHaveAttribute('aria-pressed', 'true');
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
});

test.describe('the lab workspace at 390 px', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('keeps Check, Run and Stop in view and folds the rest into a keyboard-operable More menu', async ({ page }) => {
    const { lab, data } = await openLab(page, '03-config');
    const more = lab.getByRole('button', { name: 'More' });
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

    // Compare on a narrow screen: one unified view, the way back in sight.
    await more.click();
    await compare.click();
    await expect(lab.getByRole('textbox', { name: `${data.open}, your version changed into the solution (read-only)` })).toBeVisible();
    await expect(lab.locator('.cm-deletedChunk').first()).toBeVisible();
    await lab.getByRole('button', { name: 'Back to editing' }).click();
    await expect(editor(lab, data.open)).toBeVisible();
  });
});
