/**
 * "Compare with solution": one file, the learner's text against the reference solution, with the changed
 * lines and words highlighted. Side by side where there is room, unified (the learner's lines struck out
 * above the solution's) on a narrow screen. Both sides are read-only, so comparing can never change the
 * learner's work. A file that matches the solution says so instead of showing two identical columns.
 */
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { MergeView, unifiedMergeView } from '@codemirror/merge';
import { languageFor } from './languages.ts';
import { labEditorTheme } from './editor-theme.ts';

export interface DiffView {
  /** Which layout is on screen; `same` when the file matches the solution. */
  readonly layout: 'split' | 'unified' | 'same';
  destroy(): void;
}

/** Below this width the two columns would each be too narrow to read a line of code. */
export const SPLIT_MIN_WIDTH = 640;

const readOnly = (path: string, label: string): Extension[] => [
  lineNumbers(),
  languageFor(path),
  labEditorTheme,
  EditorState.readOnly.of(true),
  EditorView.editable.of(false),
  // Reading both versions must not need sideways scrolling, least of all on a phone.
  EditorView.lineWrapping,
  EditorView.contentAttributes.of({ 'aria-label': `${path}, ${label} (read-only)`, tabindex: '0' }),
];

export function showDiff(parent: HTMLElement, path: string, mine: string, solution: string, width = parent.clientWidth): DiffView {
  if (mine === solution) {
    const same = document.createElement('p');
    same.className = 'lab__diff-same';
    same.setAttribute('role', 'status');
    same.textContent = `${path} already matches the solution: nothing to change in this file. Pick another file above to compare it.`;
    parent.append(same);
    return { layout: 'same', destroy: () => same.remove() };
  }
  const collapseUnchanged = { margin: 3, minSize: 6 };
  if (width >= SPLIT_MIN_WIDTH) {
    const view = new MergeView({
      a: { doc: mine, extensions: readOnly(path, 'your version') },
      b: { doc: solution, extensions: readOnly(path, 'the solution') },
      parent,
      collapseUnchanged,
      gutter: true,
    });
    return { layout: 'split', destroy: () => view.destroy() };
  }
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: solution,
      extensions: [
        readOnly(path, 'your version changed into the solution'),
        unifiedMergeView({ original: mine, mergeControls: false, gutter: true, collapseUnchanged }),
      ],
    }),
  });
  return { layout: 'unified', destroy: () => view.destroy() };
}
