/**
 * "Compare with solution": a side-by-side diff of one file, the learner's text against the reference
 * solution. Both sides are read-only, so comparing can never change the learner's work.
 */
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { MergeView } from '@codemirror/merge';
import { languageFor } from './languages.ts';
import { labEditorTheme } from './editor-theme.ts';

export interface DiffView {
  destroy(): void;
}

export function showDiff(parent: HTMLElement, path: string, mine: string, solution: string): DiffView {
  const side = (label: string) => [
    lineNumbers(),
    languageFor(path),
    labEditorTheme,
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
    EditorView.contentAttributes.of({ 'aria-label': `${path}, ${label} (read-only)`, tabindex: '0' }),
  ];
  const view = new MergeView({
    a: { doc: mine, extensions: side('your version') },
    b: { doc: solution, extensions: side('the solution') },
    parent,
    collapseUnchanged: { margin: 3, minSize: 6 },
    gutter: true,
  });
  return { destroy: () => view.destroy() };
}
