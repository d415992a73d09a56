/**
 * Paints saved progress into server-rendered placeholders, so pages stay static and never shift:
 *   [data-lab-status="<lab>"]   a lab's status badge (text and data-status updated)
 *   [data-read-status="<id>"]   a reading chapter's badge: "Not read yet" or "Read"
 *   [data-progress-count]       "n of m chapters finished", with m in data-total
 *   [data-labs-count]           "n of m labs passed", with m in data-total
 *   [data-progress-bar]         a <progress> element counting finished chapters
 *   [data-continue]             a link retargeted to the learner's next unfinished chapter; data-course
 *                               holds the course as JSON: [{ id, title, lab? }, …] in order
 *   [data-progress-error]       where storage failures are shown to the learner
 */
import {
  ProgressStorageError,
  STORAGE_FULL_EVENT,
  chapterFinished,
  nextChapter,
  onProgressChange,
  readProgress,
  resetProgress,
  type CourseChapter,
  type LabStatus,
  type Progress,
} from '../../lib/progress.ts';

/** A chapter as the landing page embeds it for the continue link. */
export interface CourseEntry extends CourseChapter {
  title: string;
}

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
  for (const badge of document.querySelectorAll<HTMLElement>('[data-lab-status]')) {
    const status: LabStatus = progress.labs[badge.dataset['labStatus'] ?? '']?.status ?? 'not-started';
    badge.dataset['status'] = status;
    const label = badge.querySelector('[data-label]') ?? badge;
    label.textContent = LABELS[status];
  }
  for (const badge of document.querySelectorAll<HTMLElement>('[data-read-status]')) {
    const read = Boolean(progress.read?.[badge.dataset['readStatus'] ?? '']);
    badge.dataset['status'] = read ? 'passed' : 'not-started';
    (badge.querySelector('[data-label]') ?? badge).textContent = read ? 'Read' : 'Not read yet';
  }
  const passed = Object.values(progress.labs).filter((entry) => entry.status === 'passed').length;
  for (const count of document.querySelectorAll<HTMLElement>('[data-labs-count]')) {
    count.textContent = `${passed} of ${count.dataset['total']} labs passed`;
  }

  const link = document.querySelector<HTMLAnchorElement>('a[data-continue]');
  const course = link ? (JSON.parse(link.dataset['course'] ?? '[]') as CourseEntry[]) : [];
  if (course.length > 0) {
    const finished = course.filter((chapter) => chapterFinished(progress, chapter)).length;
    for (const count of document.querySelectorAll<HTMLElement>('[data-progress-count]')) {
      count.textContent = `${finished} of ${count.dataset['total']} chapters finished`;
    }
    for (const bar of document.querySelectorAll<HTMLProgressElement>('progress[data-progress-bar]')) bar.value = finished;
  }
  const started = progress.last !== undefined || Object.keys(progress.labs).length > 0 || Object.keys(progress.read ?? {}).length > 0;
  if (link && started) {
    const next = nextChapter(course, progress) as CourseEntry | undefined;
    const label = link.querySelector('[data-label]')!;
    if (next) {
      link.href = `/factors/${next.id}/`;
      label.textContent = next.id === progress.last?.chapter ? `Continue with ${next.title}` : `Next: ${next.title}`;
    } else {
      link.href = '#factors';
      label.textContent = 'Course finished: review any chapter';
    }
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
