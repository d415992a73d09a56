/**
 * "Compare with solution": one file, the learner's text against the reference solution, with the changed
 * lines and words highlighted. Side by side where there is room; one column (the learner's lines struck
 * out above the solution's) where there is not, or when the learner asks for it. Neither side can be
 * typed into, so comparing never changes the learner's work by accident; each changed place has a
 * "Use this change" button that takes the solution's lines into the learner's file, one change at a
 * time. A file that matches the solution says so instead of showing two identical columns.
 */
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { MergeView, getOriginalDoc, unifiedMergeView } from '@codemirror/merge';
import { languageFor } from './languages.ts';
import { labEditorTheme } from './editor-theme.ts';

export type DiffLayout = 'split' | 'unified';

export interface DiffView {
  /** Which layout is on screen; `same` when the file matches the solution. */
  readonly layout: DiffLayout | 'same';
  destroy(): void;
}

/** Below this width two columns of code each get too narrow to read without heavy wrapping. */
export const SPLIT_MIN_WIDTH = 900;

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

/** A "Use this change" button. CodeMirror acts on mousedown; keyboard users press it, which only clicks. */
function takeButton(path: string, act: (event: MouseEvent) => void, compact = false): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = compact ? 'lab__take lab__take--arrow' : 'lab__take';
  // Between two columns there is room for an arrow only; its name and tooltip say what it does.
  button.textContent = compact ? '←' : 'Use this change';
  button.title = 'Use the solution’s lines here';
  button.setAttribute('aria-label', `Use the solution’s lines here in ${path}`);
  button.addEventListener('mousedown', act);
  button.addEventListener('click', (event) => {
    if (event.detail === 0) act(event);
  });
  return button;
}

export interface DiffOptions {
  layout: DiffLayout;
  /** Called with the learner's whole new text after they took one change from the solution. */
  onTake: (text: string) => void;
}

export function showDiff(parent: HTMLElement, path: string, mine: string, solution: string, options: DiffOptions): DiffView {
  if (mine === solution) {
    const same = document.createElement('p');
    same.className = 'lab__diff-same';
    same.setAttribute('role', 'status');
    same.textContent = `${path} already matches the solution: nothing to change in this file. Pick another file above to compare it.`;
    parent.append(same);
    return { layout: 'same', destroy: () => same.remove() };
  }
  const collapseUnchanged = { margin: 3, minSize: 6 };
  if (options.layout === 'split') {
    const view: MergeView = new MergeView({
      a: {
        doc: mine,
        extensions: [
          readOnly(path, 'your version'),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) options.onTake(update.state.doc.toString());
          }),
        ],
      },
      b: { doc: solution, extensions: readOnly(path, 'the solution') },
      parent,
      collapseUnchanged,
      gutter: true,
      revertControls: 'b-to-a',
      renderRevertControl: () =>
        takeButton(path, (event) => {
          // The merge view finds the chunk from the event's target, on its own mousedown listener.
          if (event.type === 'click') (event.currentTarget as HTMLElement).dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
        }, true),
    });
    return { layout: 'split', destroy: () => view.destroy() };
  }
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: solution,
      extensions: [
        readOnly(path, 'your version changed into the solution'),
        unifiedMergeView({
          original: mine,
          gutter: true,
          collapseUnchanged,
          // Taking a change is accepting the solution's chunk into the original, which is the learner's file.
          mergeControls: (type, action) => {
            if (type === 'reject') {
              const none = document.createElement('span');
              none.hidden = true;
              return none;
            }
            return takeButton(path, action);
          },
        }),
        EditorView.updateListener.of((update) => {
          const before = getOriginalDoc(update.startState);
          const after = getOriginalDoc(update.state);
          if (before !== after) options.onTake(after.toString());
        }),
      ],
    }),
  });
  return { layout: 'unified', destroy: () => view.destroy() };
}
