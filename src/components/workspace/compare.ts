/**
 * The compare mode of the editor area. The Compare button toggles it, after asking once per lab whether
 * the learner wants to see the answer; a "Back to editing" button inside it leaves it (so narrow screens,
 * where Compare sits in the More menu, have a way out in view); switching file tabs compares that file
 * instead. The layout follows the room there is (one column below SPLIT_MIN_WIDTH) and the learner may
 * switch it. "Use this change" takes one change at a time into the learner's file, and Undo puts the
 * file back as it was before the last one. The diff code loads on first use.
 */
import type { LabEditor } from './editor.ts';
import type { FileTabs } from './file-tabs.ts';
import type { DiffLayout, DiffView } from './diff-view.ts';

export interface CompareParts {
  root: HTMLElement;
  lab: string;
  button: HTMLButtonElement;
  editor: LabEditor;
  tabs: FileTabs;
  /** The learner's current text of a file, and the solution's. */
  mine: (path: string) => string;
  solution: (path: string) => string;
  /** Replaces the learner's text of a file (a change taken from the solution, or its undo). */
  write: (path: string, text: string) => void;
  /** Says something to screen readers. */
  announce: (text: string) => void;
}

export interface Compare {
  readonly open: boolean;
  close(): void;
}

/** Remembered per lab once the learner agreed to see the solution, so they are asked only once. */
export const revealedKey = (lab: string): string => `tfl:lab:${lab}:solution-seen`;

function remembered(lab: string): boolean {
  try {
    return localStorage.getItem(revealedKey(lab)) !== null;
  } catch {
    return false;
  }
}

function remember(lab: string): void {
  try {
    localStorage.setItem(revealedKey(lab), new Date().toISOString());
  } catch {
    // Not remembered: the learner is asked again next time, which is harmless.
  }
}

/** Asks, in a modal dialog, whether to show the answer; resolves with the learner's choice. */
function confirmReveal(root: HTMLElement): Promise<boolean> {
  const dialog = document.createElement('dialog');
  dialog.className = 'lab__reveal';
  dialog.setAttribute('aria-labelledby', 'lab-reveal-title');
  dialog.innerHTML = `
    <h3 id="lab-reveal-title">Show the solution?</h3>
    <p>Compare shows the reference solution beside your code, file by file. Most learners get further by
    pressing Check and opening the hints first; the checks tell you what is still missing.</p>
    <form method="dialog" class="lab__reveal-actions">
      <button type="submit" value="show" class="lab-btn lab-btn--primary">Show the solution</button>
      <button type="submit" value="later" class="lab-btn" autofocus>Not yet</button>
    </form>`;
  root.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'show');
      dialog.remove();
    });
    dialog.showModal();
  });
}

export function bindCompare({ root, lab, button, editor, tabs, mine, solution, write, announce }: CompareParts): Compare {
  let diff: DiffView | null = null;
  let host: HTMLElement | null = null;
  /** The layout the learner chose; null follows the room there is. */
  let chosen: DiffLayout | null = null;
  /** Each file's text before the changes taken from the solution, most recent last, for Undo. */
  const undo = new Map<string, string[]>();

  const close = (): void => {
    diff?.destroy();
    host?.remove();
    diff = null;
    host = null;
    editor.element.hidden = false;
    // A hidden editor measured nothing; it lays its lines out again now that it is back on screen.
    editor.remeasure();
    // A toggle button keeps its name; aria-pressed says whether compare mode is on.
    button.setAttribute('aria-pressed', 'false');
    delete root.dataset['compare'];
  };

  const show = async (focus?: 'undo' | 'take'): Promise<void> => {
    const { showDiff, SPLIT_MIN_WIDTH } = await import('./diff-view.ts');
    const path = tabs.current();
    diff?.destroy();
    host ??= document.createElement('div');
    host.className = 'lab__diff';
    const width = editor.element.parentElement?.clientWidth ?? host.clientWidth;
    const layout = chosen ?? (width >= SPLIT_MIN_WIDTH ? 'split' : 'unified');
    host.replaceChildren(legend(path, layout));
    editor.element.after(host);
    editor.element.hidden = true;
    diff = showDiff(host, path, mine(path), solution(path), {
      layout,
      onTake: (text) => {
        const before = mine(path);
        if (text === before) return;
        undo.set(path, [...(undo.get(path) ?? []), before]);
        write(path, text);
        announce(`Took one change from the solution into ${path}.`);
        // The buttons re-render around the change; focus goes to Undo, next to where the learner was.
        queueMicrotask(() => void show('undo'));
      },
    });
    host.dataset['layout'] = diff.layout;
    root.dataset['compare'] = diff.layout;
    button.setAttribute('aria-pressed', 'true');
    if (focus === 'undo') host.querySelector<HTMLElement>('[data-compare-undo]')?.focus();
  };

  const legend = (path: string, layout: DiffLayout): HTMLElement => {
    const bar = document.createElement('div');
    bar.className = 'lab__diff-legend';
    const labels = document.createElement('p');
    labels.innerHTML = '<span class="lab__diff-mine">Your version</span><span class="lab__diff-theirs">Solution</span>';
    labels.setAttribute('aria-label', `Comparing ${path}: your version and the solution`);
    const actions = document.createElement('div');
    actions.className = 'lab__diff-actions';
    const small = (text: string, run: () => void): HTMLButtonElement => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'lab-btn lab-btn--small';
      b.textContent = text;
      b.addEventListener('click', run);
      actions.append(b);
      return b;
    };
    const taken = undo.get(path) ?? [];
    if (taken.length > 0) {
      const back = small('Undo', () => {
        const previous = taken.pop();
        if (previous === undefined) return;
        write(path, previous);
        announce(`Undid the last change taken into ${path}.`);
        void show('undo');
      });
      back.dataset['compareUndo'] = '';
      back.setAttribute('aria-label', `Undo the last change taken into ${path}`);
    }
    const toggle = small(layout === 'split' ? 'One column' : 'Side by side', () => {
      chosen = layout === 'split' ? 'unified' : 'split';
      void show();
    });
    toggle.setAttribute('aria-label', layout === 'split' ? 'Show the comparison in one column' : 'Show the comparison side by side');
    small('Back to editing', () => {
      close();
      editor.focus();
    });
    bar.append(labels, actions);
    return bar;
  };

  button.addEventListener('click', async () => {
    if (diff) {
      close();
      editor.focus();
      return;
    }
    if (!remembered(lab)) {
      if (!(await confirmReveal(root))) {
        button.focus();
        return;
      }
      remember(lab);
    }
    await show();
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
