/**
 * Wires the lower pane to the session: the checks list and the terminal share it as two tabs. A check
 * run brings Checks forward and, once it ends, scrolls the first check that did not pass into view;
 * starting the app brings the Terminal forward. The tab not shown says what changed behind it.
 */
import type { LabSession } from '../../workspace/session.ts';
import type { ChecksState } from '../../workspace/stores/checks.ts';
import { renderChecks } from './checks-panel.ts';
import type { LazyTerminal } from './lazy-terminal.ts';
import { bindPanes, type Panes } from './panes.ts';

export interface LowerPaneParts {
  root: HTMLElement;
  session: LabSession;
  terminal: LazyTerminal;
  checksPanel: HTMLElement;
  checksList: HTMLElement;
  transcript: HTMLElement;
  announce: HTMLElement;
}

function checksBadge(panes: Panes, state: ChecksState): void {
  const total = state.rows.length;
  const passed = state.rows.filter((row) => row.status === 'pass').length;
  if (state.phase === 'running') panes.badge('checks', '…', 'running');
  else if (state.phase === 'idle' || total === 0) panes.badge('checks', '', '');
  else panes.badge('checks', `${passed}/${total}`, `${passed} of ${total} passed`);
}

export function wireLowerPane(parts: LowerPaneParts): Panes {
  const { root, session, terminal, checksPanel, checksList, transcript, announce } = parts;
  const panes = bindPanes(root);
  root.dataset['checks'] = 'idle';

  let phase: ChecksState['phase'] = 'idle';
  session.checks.state.subscribe((state) => {
    renderChecks(checksList, transcript, state, (id) => session.checks.showNextHint(id));
    if (state.announcement) announce.textContent = state.announcement;
    checksBadge(panes, state);
    root.dataset['checks'] = state.phase === 'done' ? (state.done?.status ?? 'done') : state.phase;
    const was = phase;
    phase = state.phase;
    if (state.phase === 'running' && was !== 'running') panes.show('checks');
    if (state.phase !== 'running' && was === 'running') revealFirstOpen(checksPanel, checksList);
  });

  let app = session.run.state.get().app;
  session.run.state.subscribe((state) => {
    if (state.app === 'starting' && app !== 'starting') panes.show('terminal');
    app = state.app;
  });

  session.onOutput((chunk) => {
    terminal.write(chunk);
    if (panes.current() !== 'terminal') panes.badge('terminal', '•', 'new output');
  });
  panes.onShow((name) => {
    if (name !== 'terminal') return;
    panes.badge('terminal', '', '');
    terminal.fit();
  });
  return panes;
}

/** Scrolls the checks panel (not the page) so the first check to fix is at its top. */
function revealFirstOpen(panel: HTMLElement, list: HTMLElement): void {
  const open = list.querySelector<HTMLElement>('[data-status="fail"], [data-status="error"]');
  if (!open || panel.hidden) return;
  const top = open.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop;
  panel.scrollTo({ top: Math.max(0, top - 8) });
}
