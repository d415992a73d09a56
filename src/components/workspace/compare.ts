/**
 * The compare mode of the editor area: the Compare button toggles it, a "Back to editing" button inside
 * it leaves it (so narrow screens, where Compare sits in the More menu, have a way out in view), and
 * switching file tabs compares that file instead. The diff code loads on first use.
 */
import type { LabEditor } from './editor.ts';
import type { FileTabs } from './file-tabs.ts';
import type { DiffView } from './diff-view.ts';

export interface CompareParts {
  root: HTMLElement;
  button: HTMLButtonElement;
  editor: LabEditor;
  tabs: FileTabs;
  /** The learner's current text of a file, and the solution's. */
  mine: (path: string) => string;
  solution: (path: string) => string;
}

export interface Compare {
  readonly open: boolean;
  close(): void;
}

export function bindCompare({ root, button, editor, tabs, mine, solution }: CompareParts): Compare {
  let diff: DiffView | null = null;
  let host: HTMLElement | null = null;

  const close = (): void => {
    diff?.destroy();
    host?.remove();
    diff = null;
    host = null;
    editor.view.dom.hidden = false;
    // A toggle button keeps its name; aria-pressed says whether compare mode is on.
    button.setAttribute('aria-pressed', 'false');
    delete root.dataset['compare'];
  };

  const show = async (): Promise<void> => {
    const { showDiff } = await import('./diff-view.ts');
    const path = tabs.current();
    diff?.destroy();
    host ??= document.createElement('div');
    host.className = 'lab__diff';
    host.replaceChildren(legend(path));
    editor.view.dom.after(host);
    editor.view.dom.hidden = true;
    const width = editor.view.dom.parentElement?.clientWidth ?? host.clientWidth;
    diff = showDiff(host, path, mine(path), solution(path), width);
    host.dataset['layout'] = diff.layout;
    root.dataset['compare'] = diff.layout;
    button.setAttribute('aria-pressed', 'true');
  };

  const legend = (path: string): HTMLElement => {
    const bar = document.createElement('div');
    bar.className = 'lab__diff-legend';
    const labels = document.createElement('p');
    labels.innerHTML = '<span class="lab__diff-mine">Your version</span><span class="lab__diff-theirs">Solution</span>';
    labels.setAttribute('aria-label', `Comparing ${path}: your version and the solution`);
    const back = document.createElement('button');
    back.type = 'button';
    back.className = 'lab-btn lab-btn--small';
    back.textContent = 'Back to editing';
    back.addEventListener('click', () => {
      close();
      editor.focus();
    });
    bar.append(labels, back);
    return bar;
  };

  button.addEventListener('click', () => {
    if (diff) {
      close();
      editor.focus();
    } else void show();
  });
  for (const tab of root.querySelectorAll<HTMLElement>('[role="tab"][data-path]')) {
    tab.addEventListener('click', () => {
      if (diff) void show();
    });
  }
  return {
    get open() {
      return diff !== null;
    },
    close,
  };
}
