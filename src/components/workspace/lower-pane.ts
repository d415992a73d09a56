/**
 * Wires the lower pane to the session: the checks list and the terminal share it as two tabs. A check
 * run brings Checks forward. When it ends, the first check to fix opens (the others show their titles),
 * the pane grows so all of that fits beside the editor, and the summary comes into view — with focus,
 * when the learner started the run from the Check button. Starting the app brings the Terminal forward.
 * The tab not shown says what changed behind it.
 */
import type { LabSession } from '../../workspace/session.ts';
import { fingerprint, type ChecksState } from '../../workspace/stores/checks.ts';
import { openChecks, renderChecks } from './checks-panel.ts';
import type { LazyTerminal } from './lazy-terminal.ts';
import { bindPanes, type Panes } from './panes.ts';
import { renderSummary, type NextStep } from './results-summary.ts';
import type { Split } from './split.ts';

export interface LowerPaneParts {
  root: HTMLElement;
  session: LabSession;
  terminal: LazyTerminal;
  split: Split;
  lower: HTMLElement;
  checksPanel: HTMLElement;
  checksSummary: HTMLElement;
  checksList: HTMLElement;
  transcript: HTMLElement;
  announce: HTMLElement;
  /** The "go to the results" button before the editor, for keyboard users. */
  skipToResults: HTMLButtonElement;
  /** The chapter after this lab that the learner has not finished, for "Lab complete". */
  next: () => NextStep | null;
  /** Output of runs and the shell passes through here on its way to the terminal (crash reports). */
  output?: (write: (text: string) => void) => (chunk: string) => void;
}

function checksBadge(panes: Panes, state: ChecksState): void {
  const total = state.rows.length;
  const passed = state.rows.filter((row) => row.status === 'pass').length;
  if (state.phase === 'running') panes.badge('checks', '…', 'running');
  else if (state.phase === 'idle' || total === 0) panes.badge('checks', '', '');
  else panes.badge('checks', `${passed}/${total}`, `${passed} of ${total} passed${state.stale ? ', from an earlier version' : ''}`);
}

export function wireLowerPane(parts: LowerPaneParts): Panes {
  const { root, session, terminal, split, lower, checksPanel, checksSummary, checksList, transcript, announce, next, skipToResults } = parts;
  const panes = bindPanes(root);
  skipToResults.addEventListener('click', () => {
    panes.show('checks');
    checksSummary.focus();
  });
  root.dataset['checks'] = 'idle';
  const check = root.querySelector<HTMLButtonElement>('[data-action="check"]');

  // Which checks show their details: the first to fix after each run, plus any the learner opened.
  const open = new Set<string>();
  const firstOpen = (state: ChecksState): void => {
    open.clear();
    const first = openChecks(state)[0];
    if (first) open.add(first.id);
  };
  let phase: ChecksState['phase'] = 'idle';
  const render = (state: ChecksState): void => {
    renderSummary(checksSummary, state, { planned: checksList.children.length, next, onCheckAgain: () => void session.check() });
    renderChecks(checksList, transcript, state, {
      open,
      onHint: (id) => session.checks.showNextHint(id),
      onToggle: (id) => {
        if (!open.delete(id)) open.add(id);
        render(session.checks.state.get());
      },
    });
  };
  const initial = session.checks.state.get();
  if (initial.phase === 'done') firstOpen(initial);

  session.checks.state.subscribe((state) => {
    const was = phase;
    phase = state.phase;
    if (state.phase === 'running' && was !== 'running') open.clear();
    if (state.phase === 'done' && was === 'running') firstOpen(state);
    render(state);
    if (state.announcement) announce.textContent = state.announcement;
    checksBadge(panes, state);
    root.dataset['checks'] = state.phase === 'done' ? (state.done?.status ?? 'done') : state.phase;
    checksPanel.toggleAttribute('data-stale', state.stale);
    if (state.phase === 'running' && was !== 'running') panes.show('checks');
    if (state.phase !== 'running' && was === 'running') revealResults();
  });
  // Results describe the files they ran on: every version of the files is reported, so an edit marks them stale.
  session.files.files.subscribe((files) => session.checks.filesChanged(fingerprint(files)));

  /** After a run: room for the results, the summary in view, and focus on it when Check had it. */
  function revealResults(): void {
    if (panes.current() !== 'checks') return;
    const needed = lower.offsetHeight - checksPanel.clientHeight + checksPanel.scrollHeight;
    split.fitLower(needed);
    checksPanel.scrollTo({ top: 0 });
    const focus = document.activeElement;
    const fromCheck = focus === check || focus === null || focus === document.body;
    if (fromCheck) checksSummary.focus({ preventScroll: true });
    // Beside the prose the lab is always in view; below it (phones, narrow windows) the page scrolls to the verdict.
    if (!split.active()) checksSummary.scrollIntoView({ block: 'start', behavior: 'instant' });
  }

  let app = session.run.state.get().app;
  session.run.state.subscribe((state) => {
    if (state.app === 'starting' && app !== 'starting') panes.show('terminal');
    app = state.app;
  });

  const write = parts.output ? parts.output((text) => terminal.write(text)) : (text: string) => terminal.write(text);
  session.onOutput((chunk) => {
    write(chunk);
    if (panes.current() !== 'terminal') panes.badge('terminal', '•', 'new output');
  });
  panes.onShow((name) => {
    if (name !== 'terminal') return;
    panes.badge('terminal', '', '');
    terminal.fit();
  });
  return panes;
}
