import { expect, test } from '@playwright/test';
import { check, checkRow, editor, openLab, replaceFile } from './lab-helpers.ts';
import { savedWork } from './support/saved-work.ts';

test.describe('lab state across tabs and reloads', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('edits typed in one tab appear in the other tab of the same lab, and both tabs’ edits are kept', async ({ context }) => {
    const one = await context.newPage();
    const two = await context.newPage();
    const first = await openLab(one, '03-config');
    const second = await openLab(two, '03-config');

    await replaceFile(one, first.lab, 'config.js', 'export const port = Number(process.env.PORT); // typed in tab one\n');
    await expect(editor(second.lab, 'config.js')).toContainText('typed in tab one');

    await replaceFile(two, second.lab, 'server.js', '// typed in tab two\n');
    await expect(first.lab.getByRole('tab', { name: 'server.js' })).toBeVisible();
    await first.lab.getByRole('tab', { name: 'server.js' }).click();
    await expect(editor(first.lab, 'server.js')).toContainText('typed in tab two');

    const saved = (await savedWork(one, '03-config')).files ?? {};
    expect(saved['config.js']).toContain('typed in tab one');
    expect(saved['server.js']).toContain('typed in tab two');
    await expect(first.lab.getByText('also open in another tab')).toHaveCount(0);
  });

  test('the last check’s results are still there after a reload, marked as from the last check, until the next Check', async ({ page }) => {
    const { lab } = await openLab(page, '03-config');
    const verdict = await check(page, lab, 1);
    expect(verdict).toMatch(/checks passed/);
    const row = checkRow(lab, 'Listens on the port given in PORT');
    const status = await row.getAttribute('data-status');
    expect(['pass', 'fail', 'error']).toContain(status);

    await page.reload();
    const again = page.getByRole('complementary', { name: 'Lab' });
    await expect(again.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 20_000 });
    await expect(checkRow(again, 'Listens on the port given in PORT')).toHaveAttribute('data-status', status!);
    await expect(again.getByText(/from your last check/)).toBeVisible();

    await check(page, again, 1);
    await expect(again.getByText(/from your last check/)).toHaveCount(0);
  });

  test('the shell has the lab’s environment and names the Redis every command shares', async ({ page }) => {
    const { lab } = await openLab(page, '03-config');
    await lab.getByRole('tab', { name: /^Terminal/ }).click();
    await lab.getByRole('button', { name: 'Open a shell' }).click();
    const screen = lab.locator('.xterm-rows');
    await expect(screen).toContainText(/Shell ready\. REDIS_URL=redis:\/\/127\.0\.0\.1:\d+/, { timeout: 20_000 });
    await page.keyboard.type('echo "port=$PORT"\n');
    // The session's own default port: 3000 for the first lab session, the next block (3010, …) for others.
    await expect(screen).toContainText(/port=30\d0\b/, { timeout: 10_000 });
  });
});
