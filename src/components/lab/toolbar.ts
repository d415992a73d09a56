/**
 * The toolbar and status line: Check, Run, Stop, Compare with solution, Reset to starter (undoable),
 * Download my work. Button states follow the run store; heavy pieces (diff, zip) load on first use.
 */
import type { LabSession } from '../../lab/session.ts';
import type { RunState } from '../../lab/stores/run.ts';
import type { WorkspaceData } from '../../lab/workspace-data.ts';
import type { LabEditor } from './editor.ts';
import type { FileTabs } from './file-tabs.ts';
import type { Notices } from './notices.ts';
import { bindCompare } from './compare.ts';

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
}

function statusText(state: RunState): string {
  if (state.runtime === 'connecting') return 'Starting the lab…';
  if (state.runtime === 'unavailable') return 'Lab unavailable in this browser';
  if (state.runtime === 'failed') return 'Lab could not start';
  if (state.checking) return 'Checking…';
  if (state.app === 'starting') return 'Starting your app…';
  if (state.app === 'running') return 'Your app is running';
  if (state.app === 'stopping') return 'Stopping…';
  return state.adapter === 'local' ? 'Ready · runs on your computer' : 'Ready · runs in your browser';
}

export function bindToolbar(context: ToolbarContext): void {
  const { root, session, data, editor, notices, tabs, status, openApp } = context;
  const button = (action: string): HTMLButtonElement => {
    const found = root.querySelector<HTMLButtonElement>(`[data-action="${action}"]`);
    if (!found) throw new Error(`The lab toolbar has no "${action}" button.`);
    return found;
  };
  const [check, run, stop, compare, reset, download] = ['check', 'run', 'stop', 'compare', 'reset', 'download'].map(button) as [
    HTMLButtonElement, HTMLButtonElement, HTMLButtonElement, HTMLButtonElement, HTMLButtonElement, HTMLButtonElement,
  ];

  session.run.state.subscribe((state) => {
    status.textContent = statusText(state);
    root.dataset['runtime'] = state.runtime;
    const usable = state.runtime === 'ready' || state.runtime === 'connecting';
    check.disabled = !usable || state.checking;
    check.textContent = state.checking ? 'Checking…' : 'Check';
    run.disabled = !usable || state.app === 'starting' || state.app === 'stopping';
    run.textContent = state.app === 'running' ? 'Restart' : 'Run';
    stop.disabled = !(state.app === 'running' || state.app === 'starting' || state.checking);
    openApp.hidden = state.appUrl === null;
    if (state.appUrl === null) openApp.removeAttribute('href');
    else openApp.href = state.appUrl;
    if (state.runtime === 'unavailable' || state.runtime === 'failed') {
      notices.show('runtime', [state.message, state.remedy].filter(Boolean).join(' '), 'error');
    } else notices.hide('runtime');
  });

  check.addEventListener('click', () => void session.check());
  run.addEventListener('click', () => void session.start());
  stop.addEventListener('click', () => {
    session.cancelCheck();
    void session.stop();
  });

  const comparing = bindCompare({
    root,
    button: compare,
    editor,
    tabs,
    mine: (path) => session.files.files.get()[path] ?? '',
    solution: (path) => data.solution[path] ?? '',
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
