/** Steps shared by the lab stories: open a chapter's lab, type into the editor, run the checks. */
import { expect, type Locator, type Page } from '@playwright/test';
import type { WorkspaceData } from '../../src/workspace/workspace-data.ts';

export interface OpenLab {
  lab: Locator;
  data: WorkspaceData;
}

/** Opens a chapter and waits until its lab is connected and editable. */
export async function openLab(page: Page, id: string): Promise<OpenLab> {
  const response = await page.request.get(`/labs/${id}/workspace.json`);
  expect(response.ok(), `/labs/${id}/workspace.json should be built`).toBe(true);
  const data = (await response.json()) as WorkspaceData;
  await page.goto(`/factors/${id}/`);
  const lab = page.getByRole('complementary', { name: 'Lab' });
  await lab.scrollIntoViewIfNeeded();
  // Generous bounds: on a machine shared by many test runs a lab can take a while to start and to check.
  await expect(lab.getByRole('status').filter({ hasText: /^Ready/ })).toBeVisible({ timeout: 60_000 });
  // The page shows the build's copy of the file first; CodeMirror takes its place once the page is idle.
  await expect(editor(lab, data.open)).toBeVisible({ timeout: 60_000 });
  return { lab, data };
}

export const editor = (lab: Locator, path: string): Locator => lab.getByRole('textbox', { name: path, exact: true });

/** Replaces a file's text the way a learner would: open its tab, select all, type. */
export async function replaceFile(page: Page, lab: Locator, path: string, text: string): Promise<void> {
  await lab.getByRole('tab', { name: path, exact: true }).click();
  const box = editor(lab, path);
  await box.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // insertText delivers the text as typed input but without the editor's auto-indent re-indenting each line.
  await page.keyboard.insertText(text);
  await expect(box).toContainText(text.split('\n').find((line) => line.trim().length > 8)!.trim());
}

/** Types each file of the reference solution that differs from the starter. */
export async function typeSolution(page: Page, { lab, data }: OpenLab): Promise<string[]> {
  const changed = Object.keys(data.solution).filter((path) => data.solution[path] !== data.starter[path] && data.editable.includes(path));
  expect(changed.length, 'the solution changes at least one editable file').toBeGreaterThan(0);
  for (const path of changed) await replaceFile(page, lab, path, data.solution[path]!);
  return changed;
}

export const announcement = (page: Page): Locator => page.locator('[data-slot="announce"]');

/** Run's and a task's output: the Terminal pane's log, or the shell's terminal once one was opened there. */
export const runOutput = (lab: Locator): Locator => lab.getByRole('log', { name: 'Output of Run' }).or(lab.locator('.xterm-rows'));

/** Presses Check and waits for the run's verdict (the live region's sentence for run `run`). */
export async function check(page: Page, lab: Locator, run: number, via: 'button' | 'keyboard' = 'button'): Promise<string> {
  if (via === 'button') await lab.getByRole('button', { name: 'Check', exact: true }).click();
  else await page.keyboard.press('ControlOrMeta+Enter');
  await expect(announcement(page)).toHaveText(new RegExp(`^Check run ${run}: `), { timeout: 120_000 });
  return (await announcement(page).textContent()) ?? '';
}

/** A check's row, found by its title (other rows' messages may mention that title). */
export const checkRow = (lab: Locator, title: string): Locator =>
  lab.getByRole('listitem').filter({ has: lab.page().locator('.check__title').getByText(title, { exact: true }) });

/** Agrees, in the dialog Compare opens the first time in a lab, to see the solution. */
export async function agreeToSeeSolution(page: Page): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Show the solution?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Show the solution' }).click();
  await expect(dialog).toBeHidden();
}
