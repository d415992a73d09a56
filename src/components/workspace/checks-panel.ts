/**
 * Renders the checks store: one row per check with its live status, the checker's message, expected
 * versus actual, hints unlocked one at a time, and the transcript behind a disclosure.
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

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function row(check: CheckRow, onHint: (id: string) => void): HTMLLIElement {
  const item = el('li', 'check');
  item.dataset['status'] = check.status;
  item.dataset['check'] = check.id;
  const head = el('div', 'check__head');
  head.append(el('span', 'check__icon'), el('span', 'check__title', check.title), el('span', 'visually-hidden', `: ${STATUS_WORDS[check.status]}`));
  head.firstElementChild?.setAttribute('aria-hidden', 'true');
  if (check.ms !== null) head.append(el('span', 'check__ms', `${(check.ms / 1000).toFixed(1)} s`));
  item.append(head);
  if (check.message && check.status !== 'pass') item.append(el('p', 'check__message', check.message));
  if (check.status !== 'pass' && (check.expected !== null || check.actual !== null)) {
    const list = el('dl', 'check__compare');
    if (check.expected !== null) list.append(el('dt', '', 'Expected'), el('dd', '', check.expected));
    if (check.actual !== null) list.append(el('dt', '', 'Got'), el('dd', '', check.actual));
    item.append(list);
  }
  if (check.status !== 'pass' && check.hints.length > 0) {
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
    item.append(hints);
  }
  return item;
}

export function renderChecks(list: HTMLElement, transcriptSlot: HTMLElement, state: ChecksState, onHint: (id: string) => void): void {
  if (state.rows.length === 0 && state.phase === 'idle') return;
  // Keep keyboard focus on the hint button the learner pressed, across the re-render.
  const focusedHint = (document.activeElement as HTMLElement | null)?.dataset?.['hintFor'];
  list.replaceChildren(...state.rows.map((check) => row(check, onHint)));
  if (focusedHint) {
    const again = list.querySelector<HTMLElement>(`[data-hint-for="${CSS.escape(focusedHint)}"]`);
    (again ?? list.querySelector<HTMLElement>(`[data-check="${CSS.escape(focusedHint)}"] .check__hint:last-of-type`))?.focus();
  }
  if (state.problem) {
    const problem = el('li', 'check check--problem', state.problem);
    problem.dataset['status'] = 'error';
    list.append(problem);
  }
  renderTranscript(transcriptSlot, state);
}

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
