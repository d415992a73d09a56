/**
 * Renders the checks store: one row per check with its live status. A check that did not pass opens to
 * the checker's message, expected versus actual, and hints unlocked one at a time; only the first such
 * check is open after a run, so every failing title fits on screen above the fold with the first failure
 * in full. Passed checks stay one line each. The transcript sits behind a disclosure.
 */
import type { ChecksState, CheckRow } from '../../workspace/stores/checks.ts';

const STATUS_WORDS: Record<CheckRow['status'] | 'idle', string> = {
  idle: 'not run yet',
  pending: 'waiting',
  running: 'running',
  pass: 'passed',
  fail: 'failed',
  error: 'could not run',
};

export interface RowsView {
  /** Ids of the checks whose details are open. */
  open: ReadonlySet<string>;
  onToggle: (id: string) => void;
  onHint: (id: string) => void;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const hasDetails = (check: CheckRow): boolean =>
  (check.status === 'fail' || check.status === 'error') &&
  (check.message !== null || check.expected !== null || check.actual !== null || check.hints.length > 0);

function details(check: CheckRow, onHint: (id: string) => void): HTMLElement {
  const box = el('div', 'check__details');
  box.id = `check-details-${check.id}`;
  if (check.message) box.append(el('p', 'check__message', check.message));
  if (check.expected !== null || check.actual !== null) {
    const list = el('dl', 'check__compare');
    if (check.expected !== null) list.append(el('dt', '', 'Expected'), el('dd', '', check.expected));
    if (check.actual !== null) list.append(el('dt', '', 'Got'), el('dd', '', check.actual));
    box.append(list);
  }
  if (check.hints.length > 0) {
    const hints = el('div', 'check__hints');
    check.hints.slice(0, check.hintsShown).forEach((hint, i) => {
      const text = el('p', 'check__hint', `Hint ${i + 1}: ${hint}`);
      text.tabIndex = -1;
      hints.append(text);
    });
    if (check.hintsShown < check.hints.length) {
      const button = el('button', 'lab-btn lab-btn--small', check.hintsShown === 0 ? 'Show a hint' : 'Show another hint');
      button.type = 'button';
      button.dataset['hintFor'] = check.id;
      button.setAttribute('aria-label', `${button.textContent} for “${check.title}” (${check.hintsShown + 1} of ${check.hints.length})`);
      button.addEventListener('click', () => onHint(check.id));
      hints.append(button);
    }
    box.append(hints);
  }
  return box;
}

function row(check: CheckRow, view: RowsView): HTMLLIElement {
  const item = el('li', 'check');
  item.dataset['status'] = check.status;
  item.dataset['check'] = check.id;
  const parts = (): HTMLElement[] => {
    const icon = el('span', 'check__icon');
    icon.setAttribute('aria-hidden', 'true');
    const list: HTMLElement[] = [icon, el('span', 'check__title', check.title), el('span', 'visually-hidden', `: ${STATUS_WORDS[check.status]}`)];
    if (check.ms !== null) list.push(el('span', 'check__ms', `${(check.ms / 1000).toFixed(1)} s`));
    return list;
  };
  if (!hasDetails(check)) {
    const head = el('div', 'check__head');
    head.append(...parts());
    item.append(head);
    return item;
  }
  // The head is the disclosure: a large target that names the check and its status.
  const open = view.open.has(check.id);
  const head = el('button', 'check__head check__toggle');
  head.type = 'button';
  head.dataset['toggleFor'] = check.id;
  head.setAttribute('aria-expanded', String(open));
  head.setAttribute('aria-controls', `check-details-${check.id}`);
  const chevron = el('span', 'check__chevron');
  chevron.setAttribute('aria-hidden', 'true');
  head.append(...parts(), chevron);
  head.addEventListener('click', () => view.onToggle(check.id));
  item.append(head);
  const box = details(check, view.onHint);
  box.hidden = !open;
  item.append(box);
  return item;
}

export function renderChecks(list: HTMLElement, transcriptSlot: HTMLElement, state: ChecksState, view: RowsView): void {
  if (state.rows.length === 0 && state.phase === 'idle') return;
  // Keep keyboard focus on the control the learner used (a hint button, a row's toggle) across the re-render.
  const active = document.activeElement as HTMLElement | null;
  const focusedHint = active?.dataset?.['hintFor'];
  const focusedToggle = active?.dataset?.['toggleFor'];
  list.replaceChildren(...state.rows.map((check) => row(check, view)));
  if (focusedHint) {
    const again = list.querySelector<HTMLElement>(`[data-hint-for="${CSS.escape(focusedHint)}"]`);
    (again ?? list.querySelector<HTMLElement>(`[data-check="${CSS.escape(focusedHint)}"] .check__hint:last-of-type`))?.focus();
  } else if (focusedToggle) {
    list.querySelector<HTMLElement>(`[data-toggle-for="${CSS.escape(focusedToggle)}"]`)?.focus();
  }
  if (state.problem) {
    const problem = el('li', 'check check--problem', state.problem);
    problem.dataset['status'] = 'error';
    list.append(problem);
  }
  renderTranscript(transcriptSlot, state);
}

/** The checks that did not pass, in the checker's order. */
export const openChecks = (state: ChecksState): CheckRow[] => state.rows.filter((row) => row.status === 'fail' || row.status === 'error');

function renderTranscript(slot: HTMLElement, state: ChecksState): void {
  if (state.transcript.length === 0) {
    slot.replaceChildren();
    return;
  }
  let details = slot.querySelector('details');
  if (!details) {
    details = el('details', 'lab__transcript');
    details.append(el('summary', '', 'Checker transcript'), el('pre', ''));
    slot.replaceChildren(details);
  }
  const pre = details.querySelector('pre')!;
  pre.textContent = state.transcript.map((line) => `[${line.check}] ${line.source === 'app' ? 'app │ ' : ''}${line.text}`).join('\n');
}
