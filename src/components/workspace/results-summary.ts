/**
 * The line above the checks that says where the learner stands: how many passed and what is left, that
 * the results describe an earlier version of their files ("Check again"), or that the lab is complete,
 * with the way to the next unfinished chapter. Focus moves here when a run the learner started from the
 * Check button ends, so it is written to be read first.
 */
import type { ChecksState } from '../../workspace/stores/checks.ts';
import { el, openChecks } from './checks-panel.ts';

export interface NextStep {
  /** Where to go after a completed lab; null when every chapter is finished. */
  href: string;
  label: string;
}

export interface SummaryView {
  /** Total number of checks the lab plans, for the line shown before any run. */
  planned: number;
  /** Works out the next unfinished chapter when the lab is complete. */
  next: () => NextStep | null;
  onCheckAgain: () => void;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function renderSummary(host: HTMLElement, state: ChecksState, view: SummaryView): void {
  const parts: HTMLElement[] = [];
  const total = state.rows.length || view.planned;
  const passed = state.rows.filter((row) => row.status === 'pass').length;
  host.dataset['tone'] = 'quiet';
  if (state.phase === 'idle') {
    parts.push(el('p', 'checks-summary__line', `${total} checks run your app and report what holds. Press Check (Ctrl+Enter) to run them on your files.`));
  } else if (state.phase === 'running') {
    const finished = state.rows.filter((row) => row.status === 'pass' || row.status === 'fail' || row.status === 'error').length;
    parts.push(el('p', 'checks-summary__line', `Checking… ${finished} of ${total} done.`));
  } else if (state.phase === 'failed') {
    host.dataset['tone'] = 'problem';
    parts.push(el('p', 'checks-summary__line', `The checks could not finish: ${state.problem ?? 'unknown problem'}`));
  } else if (state.done?.status === 'pass' && !state.stale) {
    host.dataset['tone'] = 'complete';
    const title = el('p', 'checks-summary__complete', 'Lab complete');
    const line = el('p', 'checks-summary__line', `All ${total} checks pass on your files.`);
    parts.push(title, line);
    const next = view.next();
    const link = el('a', 'checks-summary__next');
    if (next) {
      link.href = next.href;
      link.append(el('span', '', 'Next: '), el('strong', '', next.label), el('span', '', ' →'));
      link.lastElementChild?.setAttribute('aria-hidden', 'true');
    } else {
      link.href = '/#factors';
      link.textContent = 'Every chapter is finished: see the whole course';
    }
    parts.push(link);
  } else {
    const open = openChecks(state);
    host.dataset['tone'] = state.done?.status === 'pass' ? 'quiet' : 'open';
    const strong = el('strong', '', `${passed} of ${total} checks passed.`);
    const line = el('p', 'checks-summary__line');
    line.append(strong);
    if (open.length > 0) line.append(` ${open.length} to fix${open.length > 1 ? ', starting with the first below' : ', below'}.`);
    parts.push(line);
  }
  if (state.restoredAt && state.phase === 'done') {
    parts.push(el('p', 'checks-summary__note', `These results are from your last check, ${when(state.restoredAt)}.`));
  }
  if (state.stale && (state.phase === 'done' || state.phase === 'failed')) {
    host.dataset['stale'] = 'true';
    const note = el('p', 'checks-summary__stale');
    note.append('Your files changed since these results: they describe an earlier version. ');
    const again = el('button', 'lab-btn lab-btn--small', 'Check again');
    again.type = 'button';
    again.addEventListener('click', view.onCheckAgain);
    note.append(again);
    parts.push(note);
  } else delete host.dataset['stale'];
  host.replaceChildren(...parts);
}
