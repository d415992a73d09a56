/**
 * The code editor: CodeMirror 6 with one editor state per file, so each file keeps its own undo history
 * and cursor when the learner switches tabs. Knows nothing about runtimes or stores: it reports edits
 * through `onEdit` and takes outside changes (reset, undo reset) through `replace`.
 */
import { Annotation, Compartment, EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, highlightSpecialChars } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { bracketMatching, indentOnInput, indentUnit } from '@codemirror/language';
import { languageFor } from './languages.ts';
import { labEditorTheme } from './editor-theme.ts';

/** Marks changes that came from the store (reset, undo), so they are not reported back as edits. */
const fromOutside = Annotation.define<boolean>();

const isJavaScript = (path: string): boolean => /\.(?:m|c)?js$/.test(path);

export interface EditorOptions {
  parent: HTMLElement;
  files: Record<string, string>;
  readOnly: (path: string) => boolean;
  onEdit: (path: string, text: string) => void;
  /** Extra key bindings that win over the editor's own (Check on Mod-Enter). */
  keys: { key: string; run: () => boolean }[];
  label: (path: string) => string;
}

export interface LabEditor {
  show(path: string): void;
  /** Replaces a file's text from outside; stays in that file's undo history. */
  replace(path: string, text: string): void;
  focus(): void;
  readonly view: EditorView;
}

export function createEditor(options: EditorOptions): LabEditor {
  const states = new Map<string, EditorState>();
  let current = '';
  // Syntax errors are marked by a checker that loads with the first edit of a JavaScript file.
  const lint = new Compartment();
  let linting: Extension | null = null;
  let loading = false;
  const lintFor = (path: string): Extension => (linting && isJavaScript(path) ? linting : []);
  const startLinting = (): void => {
    if (loading) return;
    loading = true;
    void import('./syntax-lint.ts').then(({ syntaxLinter }) => {
      linting = syntaxLinter();
      for (const [path, state] of states) if (path !== current) states.set(path, state.update({ effects: lint.reconfigure(lintFor(path)) }).state);
      view.dispatch({ effects: lint.reconfigure(lintFor(current)) });
    });
  };

  const base = (path: string): Extension[] => [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    indentUnit.of('  '),
    EditorState.tabSize.of(2),
    keymap.of([
      ...options.keys,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      // Tab indents; Escape then Tab (CodeMirror's tab-focus mode) moves focus on, so keyboard users are never trapped.
      indentWithTab,
    ]),
    languageFor(path),
    labEditorTheme,
    EditorState.readOnly.of(options.readOnly(path)),
    // An explicit tabindex tells assistive tech (and axe) that the scrolling editor is reachable by keyboard.
    EditorView.contentAttributes.of({ 'aria-label': options.label(path), 'aria-describedby': 'lab-editor-help', tabindex: '0' }),
    lint.of(lintFor(path)),
    EditorView.updateListener.of((update) => {
      if (update.docChanged && update.transactions.some((tr) => !tr.annotation(fromOutside))) {
        options.onEdit(path, update.state.doc.toString());
        if (isJavaScript(path)) startLinting();
      }
    }),
  ];

  const stateFor = (path: string): EditorState => {
    let state = states.get(path);
    if (!state) {
      state = EditorState.create({ doc: options.files[path] ?? '', extensions: base(path) });
      states.set(path, state);
    }
    return state;
  };

  const view = new EditorView({ parent: options.parent });

  return {
    view,
    show(path) {
      if (current) states.set(current, view.state);
      current = path;
      view.setState(stateFor(path));
    },
    replace(path, text) {
      const state = path === current ? view.state : stateFor(path);
      if (state.doc.toString() === text) return;
      const transaction = state.update({ changes: { from: 0, to: state.doc.length, insert: text }, annotations: fromOutside.of(true) });
      if (path === current) view.dispatch(transaction);
      else states.set(path, transaction.state);
    },
    focus: () => view.focus(),
  };
}
