import { expect, test } from '@playwright/test';
import { agreeToSeeSolution, announcement, check, checkRow, editor, openLab, replaceFile, typeSolution } from '../lab-helpers.ts';

test.describe('the Config lab', () => {
  // The lab column beside the prose is then wide enough to compare side by side.
  test.use({ viewport: { width: 1440, height: 900 } });

  test('a learner sees the starter fail, fixes it by typing, passes, and finds it all after a reload', async ({ page }) => {
    test.setTimeout(240_000);
    const opened = await openLab(page, '03-config');
    const { lab } = opened;
    const verdict = await check(page, lab, 1);
    expect(verdict).toMatch(/^Check run 1: 0 of 5 checks passed\. Still to fix: Listens on the port given in PORT/);
    const port = checkRow(lab, 'Listens on the port given in PORT');
    await expect(port).toHaveAttribute('data-status', 'fail');
    await expect(port).toContainText(/Started the app with PORT=\d+/);
    await expect(port.getByText('Expected')).toBeVisible();
    await port.getByRole('button', { name: /Show a hint/ }).click();
    await expect(port.getByText(/^Hint 1:/)).toBeVisible();

    await typeSolution(page, opened);
    expect(await check(page, lab, 2, 'keyboard')).toBe('Check run 2: all 5 checks passed. Lab complete.');
    await expect(lab.getByRole('listitem').and(lab.locator('[data-status="pass"]'))).toHaveCount(5);

    await page.reload();
    const again = await openLab(page, '03-config');
    await expect(editor(again.lab, 'config.js')).toContainText('function required(name)');
    await page.goto('/');
    await expect(page.locator('[data-lab-status="03-config"]').first()).toContainText('Passed');
  });

  test('comparing with the solution changes nothing, and a reset can be undone, with a quiet console', async ({ page }) => {
    // Editing, highlighting and comparing JavaScript must not leave warnings or errors behind.
    const noise: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning' || message.type() === 'error') noise.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => noise.push(`uncaught: ${error.message}`));
    const { lab, data } = await openLab(page, '03-config');
    await lab.getByRole('tab', { name: 'server.js' }).click();
    await expect(editor(lab, 'server.js')).toBeVisible();
    await lab.getByRole('tab', { name: 'config.js' }).click();
    const mine = `// my own notes\n${data.starter['config.js']}`;
    await replaceFile(page, lab, 'config.js', mine);

    await lab.getByRole('button', { name: 'Compare with solution' }).click();
    await agreeToSeeSolution(page);
    // Beside the prose the lab is too narrow for two columns by default; the learner may ask for them.
    await lab.getByRole('button', { name: 'Show the comparison side by side' }).click();
    await expect(lab.getByRole('textbox', { name: 'config.js, the solution (read-only)' })).toContainText('function required(name)');
    await expect(lab.getByRole('textbox', { name: 'config.js, your version (read-only)' })).toContainText('// my own notes');
    await expect(lab.getByRole('textbox', { name: 'config.js, your version (read-only)' })).toBeVisible();
    await expect(editor(lab, 'config.js')).toBeHidden();
    await lab.getByRole('button', { name: 'Back to editing' }).click();
    await expect(editor(lab, 'config.js')).toContainText('// my own notes');

    await lab.getByRole('button', { name: 'Reset to starter' }).click();
    await expect(editor(lab, 'config.js')).not.toContainText('// my own notes');
    const undo = lab.getByRole('button', { name: 'Undo reset' });
    await expect(undo).toBeFocused();
    await undo.click();
    await expect(editor(lab, 'config.js')).toContainText('// my own notes');
    await expect(undo).toBeHidden();
    expect(noise).toEqual([]);
  });

  test('an app stuck in an infinite loop is reported as a time-out and the workspace recovers', async ({ page }) => {
    test.setTimeout(240_000);
    const opened = await openLab(page, '03-config');
    const { lab, data } = opened;
    await replaceFile(page, lab, 'app.js', `while (true) {}\n${data.starter['app.js']}`);
    const verdict = await check(page, lab, 1);
    expect(verdict).toMatch(/^Check run 1: 0 of 5 checks passed/);
    const port = checkRow(lab, 'Listens on the port given in PORT');
    await expect(port).toHaveAttribute('data-status', /error|fail/);
    await expect(port).toContainText(/\d+ ?s|time|did not answer|nothing was listening/i);

    await replaceFile(page, lab, 'app.js', data.starter['app.js']!);
    await typeSolution(page, opened);
    expect(await check(page, lab, 2)).toBe('Check run 2: all 5 checks passed. Lab complete.');
    await expect(announcement(page)).toHaveText(/all 5 checks passed/);
  });
});
