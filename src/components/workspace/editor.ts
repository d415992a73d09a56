/**
 * The code editor: CodeMirror 6 with one editor state per file, so each file keeps its own undo history
 * and cursor when the learner switches tabs. Knows nothing about runtimes or stores: it reports edits
 * through `onEdit` and takes outside changes (reset, undo reset) through `replace`.
 */
import { Annotation, Compartment, EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, highlightSpecialChars, runScopeHandlers } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
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
  /** Puts the cursor at `offset` in the open file. */
  select(offset: number): void;
  /** Types `text` at the cursor, as the learner would (reported through onEdit). */
  insert(text: string): void;
  /** The editor's box in the page: compare mode hides it and shows the diff after it. */
  readonly element: HTMLElement;
  /** Lays the lines out again (after the editor was hidden). */
  remeasure(): void;
}

/**
 * Replays a key pressed before the editor existed: its key bindings first (Enter, Backspace, Mod-a, …),
 * else a printable character typed at the cursor.
 */
export function replayKey(view: EditorView, event: KeyboardEvent): void {
  if (runScopeHandlers(view, event, 'editor')) return;
  if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) view.dispatch(view.state.replaceSelection(event.key), { userEvent: 'input.type', scrollIntoView: true });
}

export function createEditor(options: EditorOptions): LabEditor & { readonly view: EditorView } {
  const states = new Map<string, EditorState>();
  let current = '';
  // Search (and its match highlighting) loads with the first Ctrl/Cmd-F, then serves every file.
  const search = new Compartment();
  let searching: Extension | null = null;
  const openSearch = (): boolean => {
    void import('./editor-search.ts').then(({ searchExtensions, openSearchPanel }) => {
      if (!searching) {
        searching = searchExtensions();
        for (const [path, state] of states) if (path !== current) states.set(path, state.update({ effects: search.reconfigure(searching) }).state);
        view.dispatch({ effects: search.reconfigure(searching) });
      }
      openSearchPanel(view);
    });
    return true;
  };
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
    search.of(searching ?? []),
    indentUnit.of('  '),
    EditorState.tabSize.of(2),
    keymap.of([
      ...options.keys,
      { key: 'Mod-f', run: openSearch, scope: 'editor search-panel' },
      ...defaultKeymap,
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
    select(offset) {
      view.dispatch({ selection: { anchor: Math.min(offset, view.state.doc.length) }, scrollIntoView: true });
    },
    insert(text) {
      view.dispatch(view.state.replaceSelection(text), { userEvent: 'input.paste', scrollIntoView: true });
    },
    element: view.dom,
    remeasure: () => view.requestMeasure(),
  };
}
