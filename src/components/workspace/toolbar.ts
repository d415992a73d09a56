/**
 * The toolbar and status line: Check, Run (with the lab's tasks in a menu beside it), Stop, Compare with
 * solution, Reset to starter (undoable), Download my work. Button states follow the run store; heavy
 * pieces (diff, zip) load on first use.
 */
import type { LabSession } from '../../workspace/session.ts';
import type { WorkspaceData } from '../../workspace/workspace-data.ts';
import type { LabEditor } from './editor.ts';
import type { FileTabs } from './file-tabs.ts';
import type { Notices } from './notices.ts';
import { bindCompare } from './compare.ts';
import { bindStatus } from './status-line.ts';
import { isTaskKind, type TaskKind } from '../../lab-model/task-kinds.ts';

export interface ToolbarContext {
  root: HTMLElement;
  session: LabSession;
  data: WorkspaceData;
  editor: LabEditor;
  notices: Notices;
  tabs: FileTabs;
  status: HTMLElement;
  /** The header's "Open app" link, shown while the app answers at a known address. */
  openApp: HTMLAnchorElement;
  /** Starts `command` as the app (Run's own command, or a task's, with its kind), stopping a previous run first. */
  start: (command: string, kind: TaskKind) => Promise<void>;
}

export function bindToolbar(context: ToolbarContext): void {
  const { root, session, data, editor, notices, tabs, status, openApp, start } = context;
  const button = (action: string): HTMLButtonElement => {
    const found = root.querySelector<HTMLButtonElement>(`[data-action="${action}"]`);
    if (!found) throw new Error(`The lab toolbar has no "${action}" button.`);
    return found;
  };
  const [check, run, stop, compare, reset, download] = ['check', 'run', 'stop', 'compare', 'reset', 'download'].map(button) as [
    HTMLButtonElement, HTMLButtonElement, HTMLButtonElement, HTMLButtonElement, HTMLButtonElement, HTMLButtonElement,
  ];

  const tasks = [...root.querySelectorAll<HTMLButtonElement>('[data-action^="task-"]')];
  // The task that started the current run, named in the status line; null while Run's own command runs.
  let task: string | null = null;
  bindStatus(session.run.state, status, () => task);

  let shownRuntime = '';
  session.run.state.subscribe((state) => {
    root.dataset['runtime'] = state.runtime;
    const usable = state.runtime === 'ready' || state.runtime === 'connecting';
    // While checks run, Check keeps keyboard focus: aria-disabled, not disabled, which would drop it to the page.
    check.disabled = !usable;
    check.setAttribute('aria-disabled', String(state.checking));
    check.textContent = state.checking ? 'Checking…' : 'Check';
    run.disabled = !usable || state.app === 'starting' || state.app === 'stopping';
    run.textContent = state.app === 'running' && task === null ? 'Restart' : 'Run';
    // The caret stays enabled: it holds focus when a task is chosen, and a disabled button would drop it.
    for (const item of tasks) item.disabled = run.disabled;
    stop.disabled = !(state.app === 'running' || state.app === 'starting' || state.checking);
    openApp.hidden = state.appUrl === null;
    if (state.appUrl === null) openApp.removeAttribute('href');
    else openApp.href = state.appUrl;
    if (state.runtime === 'unavailable' || state.runtime === 'failed') {
      notices.show('runtime', [state.message, state.remedy].filter(Boolean).join(' '), 'error');
    } else if (state.runtime === 'reconnecting') {
      if (shownRuntime !== 'reconnecting') notices.show('runtime', state.message ?? '', 'info');
    } else notices.hide('runtime');
    shownRuntime = state.runtime;
  });

  check.addEventListener('click', () => {
    if (check.getAttribute('aria-disabled') !== 'true') void session.check();
  });
  run.addEventListener('click', () => {
    task = null;
    void start(data.run, 'app');
  });
  for (const item of tasks) {
    item.addEventListener('click', () => {
      task = item.textContent?.trim() ?? null;
      const kind = item.dataset['kind'];
      void start(item.dataset['command'] ?? data.run, isTaskKind(kind) ? kind : 'oneoff');
    });
  }
  stop.addEventListener('click', () => {
    session.cancelCheck();
    void session.stop();
  });

  const announcer = root.querySelector<HTMLElement>('[data-slot="announce"]');
  const comparing = bindCompare({
    root,
    lab: data.lab,
    button: compare,
    editor,
    tabs,
    mine: (path) => session.files.files.get()[path] ?? '',
    solution: (path) => data.solution[path] ?? '',
    write: (path, text) => session.files.edit(path, text),
    announce: (text) => {
      if (announcer) announcer.textContent = text;
    },
  });

  reset.addEventListener('click', () => {
    if (comparing.open) comparing.close();
    session.files.reset();
    const undo = notices.show('reset', 'Your files are back to the starter.', 'info', {
      label: 'Undo reset',
      run: () => {
        session.files.undoReset();
        reset.focus();
      },
    });
    undo?.focus();
  });
  session.files.canUndoReset.subscribe((can) => {
    if (!can) notices.hide('reset');
  });

  download.addEventListener('click', () => {
    void import('./download.ts').then(({ downloadZip }) => downloadZip(data.lab, session.files.files.get()));
  });
}
