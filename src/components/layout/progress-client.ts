/**
 * Paints saved progress into server-rendered placeholders, so pages stay static and never shift:
 *   [data-lab-status="<lab>"]   a status badge (text and data-status updated)
 *   [data-progress-count]       "n of m labs passed", with m in data-total
 *   [data-progress-bar]         a <progress> element
 *   [data-continue]             a link retargeted to the last chapter (JSON titles in data-chapters)
 *   [data-progress-error]       where storage failures are shown to the learner
 */
import { ProgressStorageError, STORAGE_FULL_EVENT, onProgressChange, readProgress, resetProgress, type LabStatus, type Progress } from '../../lib/progress.ts';

const LABELS: Record<LabStatus, string> = { 'not-started': 'Not started', 'in-progress': 'In progress', passed: 'Passed' };

export function showProgressError(error: unknown): void {
  const box = document.querySelector<HTMLElement>('[data-progress-error]');
  const message = error instanceof Error ? error.message : String(error);
  // A full storage also stops the lab saving edits, and the lab says so in its own notice: say it once.
  if (error instanceof ProgressStorageError && error.full && document.querySelector('[data-lab-workspace]')) {
    document.documentElement.dataset['storageFull'] = message;
    dispatchEvent(new CustomEvent(STORAGE_FULL_EVENT, { detail: message }));
    return;
  }
  if (!box) {
    console.error(message);
    return;
  }
  box.hidden = false;
  box.querySelector('[data-progress-error-text]')!.textContent = message;
  const reset = box.querySelector<HTMLButtonElement>('[data-progress-reset]');
  // Only damaged data is fixed by resetting; a blocked or full storage is not.
  if (reset) reset.hidden = !(error instanceof ProgressStorageError && error.damaged);
}

function paint(progress: Progress): void {
  let passed = 0;
  for (const badge of document.querySelectorAll<HTMLElement>('[data-lab-status]')) {
    const status: LabStatus = progress.labs[badge.dataset['labStatus'] ?? '']?.status ?? 'not-started';
    badge.dataset['status'] = status;
    const label = badge.querySelector('[data-label]') ?? badge;
    label.textContent = LABELS[status];
  }
  for (const entry of Object.values(progress.labs)) if (entry.status === 'passed') passed++;
  for (const count of document.querySelectorAll<HTMLElement>('[data-progress-count]')) {
    count.textContent = `${passed} of ${count.dataset['total']} labs passed`;
  }
  for (const bar of document.querySelectorAll<HTMLProgressElement>('progress[data-progress-bar]')) bar.value = passed;

  const link = document.querySelector<HTMLAnchorElement>('a[data-continue]');
  const titles = link ? (JSON.parse(link.dataset['chapters'] ?? '{}') as Record<string, string>) : {};
  const last = progress.last?.chapter;
  if (link && last && titles[last]) {
    link.href = `/factors/${last}/`;
    link.querySelector('[data-label]')!.textContent = `Continue with ${titles[last]}`;
  }
}

/** Paints now and on every change; returns the progress read (or undefined when storage failed). */
export function startProgressDisplay(): Progress | undefined {
  let progress: Progress | undefined;
  try {
    progress = readProgress();
    paint(progress);
  } catch (error) {
    showProgressError(error);
  }
  onProgressChange((p) => {
    document.querySelector<HTMLElement>('[data-progress-error]')?.setAttribute('hidden', '');
    paint(p);
  });
  document.querySelector('[data-progress-reset]')?.addEventListener('click', () => {
    if (!confirm('Reset saved progress? Lab statuses on this browser will be cleared.')) return;
    try {
      resetProgress();
    } catch (error) {
      showProgressError(error);
    }
  });
  return progress;
}
