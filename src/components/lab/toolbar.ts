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
import type { DiffView } from './diff-view.ts';

export interface ToolbarContext {
  root: HTMLElement;
  session: LabSession;
  data: WorkspaceData;
  editor: LabEditor;
  notices: Notices;
  tabs: FileTabs;
  status: HTMLElement;
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
  const { root, session, data, editor, notices, tabs, status } = context;
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

  let diff: DiffView | null = null;
  let diffHost: HTMLElement | null = null;
  const closeDiff = (): void => {
    diff?.destroy();
    diffHost?.remove();
    diff = null;
    diffHost = null;
    editor.view.dom.hidden = false;
    compare.setAttribute('aria-pressed', 'false');
    compare.textContent = 'Compare with solution';
  };
  const openDiff = async (): Promise<void> => {
    const { showDiff } = await import('./diff-view.ts');
    const path = tabs.current();
    diff?.destroy();
    diffHost ??= document.createElement('div');
    diffHost.className = 'lab__diff';
    diffHost.replaceChildren();
    const legend = document.createElement('p');
    legend.className = 'lab__diff-legend';
    legend.innerHTML = '<span>Your version</span><span>Solution</span>';
    diffHost.append(legend);
    editor.view.dom.after(diffHost);
    editor.view.dom.hidden = true;
    diff = showDiff(diffHost, path, session.files.files.get()[path] ?? '', data.solution[path] ?? '');
    compare.setAttribute('aria-pressed', 'true');
    compare.textContent = 'Back to editing';
  };
  compare.addEventListener('click', () => {
    if (diff) {
      closeDiff();
      editor.focus();
    } else void openDiff();
  });
  // In compare mode, switching tabs compares that file instead.
  for (const tab of root.querySelectorAll<HTMLElement>('[role="tab"]')) {
    tab.addEventListener('click', () => {
      if (diff) void openDiff();
    });
  }

  reset.addEventListener('click', () => {
    if (diff) closeDiff();
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
