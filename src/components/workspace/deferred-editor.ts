/**
 * The editor as the page first shows it: the open file, highlighted at build time (LabWorkspace.astro), in
 * the box CodeMirror will fill. CodeMirror (editor.ts and its ~110 KB gz) takes the preview's place on the
 * learner's first pointer, touch, focus or key in that box, on a switch of file tab, or once the page has
 * been idle a moment. Keys and pastes that arrive while it loads are replayed into it in order, and a click
 * places the cursor where it landed. The files store stays the source of truth: CodeMirror opens on the
 * files as they are when it arrives, and edits made before then (reset, saved work) reach it that way.
 */
import type { EditorOptions, LabEditor } from './editor.ts';

export interface DeferredEditorOptions extends Omit<EditorOptions, 'files'> {
  /** The files as they are now: read when CodeMirror arrives. */
  files: () => Record<string, string>;
  /** The server-rendered preview inside `parent`, showing `previewPath` as the build had it. */
  preview: HTMLElement;
  previewPath: string;
  /** How long after the page's load event an idle page swaps CodeMirror in by itself. */
  idleAfterMs?: number;
}

export interface DeferredEditor extends LabEditor {
  /** Loads CodeMirror now (idempotent); resolves once it is on screen. */
  load(): Promise<LabEditor>;
}

type Replay = { kind: 'key'; event: KeyboardEvent } | { kind: 'text'; text: string };

/** The offset in `box`'s text of a point on screen, or null when the point is not on its text. */
function offsetAt(box: HTMLElement, x: number, y: number): number | null {
  const caret = document.caretPositionFromPoint?.(x, y);
  const node = caret?.offsetNode;
  if (!caret || !node || !box.contains(node)) return null;
  const range = document.createRange();
  range.setStart(box, 0);
  range.setEnd(node, caret.offset);
  return range.toString().length;
}

export function createDeferredEditor(options: DeferredEditorOptions): DeferredEditor {
  const { parent, preview } = options;
  let current = options.previewPath;
  let real: LabEditor | null = null;
  let loading: Promise<LabEditor> | null = null;
  let cursor: number | null = null;
  let focusAfter = false;
  const queued: Replay[] = [];

  /** The preview shows `path`'s current text; once it differs from the build's, as plain text. */
  const paint = (path: string): void => {
    const text = options.files()[path] ?? '';
    const code = preview.querySelector('code') ?? preview;
    if (path === preview.dataset['path'] && code.textContent?.replace(/\n$/, '') === text.replace(/\n$/, '')) return;
    preview.dataset['path'] = path;
    // Plain text now (the highlighting was the build's), one span a line for the gutter's numbers.
    const plain = document.createElement('code');
    for (const [i, line] of text.replace(/\n$/, '').split('\n').entries()) {
      const span = document.createElement('span');
      span.className = 'line';
      span.textContent = line;
      plain.append(...(i > 0 ? ['\n', span] : [span]));
    }
    const pre = preview.querySelector('pre');
    if (pre) pre.replaceChildren(plain);
    else preview.replaceChildren(plain);
    preview.setAttribute('aria-label', previewLabel(path));
  };
  const previewLabel = (path: string): string => `${options.label(path)}, starting the editor`;
  preview.dataset['path'] = options.previewPath;

  const load = (): Promise<LabEditor> => {
    loading ??= import('./editor.ts').then(({ createEditor, replayKey }) => {
      const hadFocus = parent.contains(document.activeElement);
      const editor = createEditor({ ...options, files: options.files() });
      // In the preview's place, and hidden like it while Compare shows the diff there.
      editor.element.hidden = preview.hidden;
      preview.replaceWith(editor.element);
      editor.show(current);
      if (cursor !== null) editor.select(Math.min(cursor, options.files()[current]?.length ?? 0));
      for (const step of queued.splice(0)) {
        if (step.kind === 'text') editor.insert(step.text);
        else replayKey(editor.view, step.event);
      }
      if (hadFocus || focusAfter) editor.focus();
      real = editor;
      parent.dataset['editor'] = 'ready';
      return editor;
    });
    return loading;
  };

  // Any sign the learner is about to edit starts the load; the pointer's hover gives it a head start.
  for (const type of ['pointerenter', 'touchstart', 'focusin'] as const) parent.addEventListener(type, () => void load(), { once: true, passive: true });
  preview.addEventListener('pointerdown', (event) => {
    cursor = offsetAt(preview, event.clientX, event.clientY) ?? cursor;
    focusAfter = true;
    void load();
  });
  preview.addEventListener('keydown', (event) => {
    if (real) return;
    // Tab leaves the preview as it would leave a read-only box; every other key is the learner's edit.
    if (event.key === 'Tab' || ['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) return;
    // Ctrl/Cmd-Enter is Check, which the lab handles at once.
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    queued.push({ kind: 'key', event: new KeyboardEvent('keydown', event) });
    focusAfter = true;
    void load();
  });
  preview.addEventListener('paste', (event) => {
    if (real) return;
    event.preventDefault();
    queued.push({ kind: 'text', text: event.clipboardData?.getData('text/plain') ?? '' });
    focusAfter = true;
    void load();
  });
  // An idle page swaps the editor in unprompted, a little after load so it never competes with first paint.
  const idle = (): void => {
    const later = (): void => void load();
    setTimeout(() => ('requestIdleCallback' in window ? requestIdleCallback(later, { timeout: 2_000 }) : later()), options.idleAfterMs ?? 1_000);
  };
  if (document.readyState === 'complete') idle();
  else addEventListener('load', idle, { once: true });

  return {
    load,
    get element() {
      return real?.element ?? preview;
    },
    show(path) {
      const switched = path !== current;
      current = path;
      if (real) return real.show(path);
      paint(path);
      // Choosing another file is reaching for the editor; showing the preview's own file is not.
      if (switched) void load();
    },
    replace(path, text) {
      if (real) return real.replace(path, text);
      // The store already holds `text`; the preview follows when it shows that file.
      if (path === current) paint(path);
    },
    focus() {
      if (real) return real.focus();
      focusAfter = true;
      preview.focus();
      void load();
    },
    select(offset) {
      if (real) return real.select(offset);
      cursor = offset;
    },
    insert(text) {
      if (real) return real.insert(text);
      queued.push({ kind: 'text', text });
      void load();
    },
    remeasure: () => real?.remeasure(),
  };
}
