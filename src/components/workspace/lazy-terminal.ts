/**
 * The terminal, loaded on first use. xterm.js is the largest piece of the workspace (about 88 KB gzip),
 * and a learner who only edits and presses Check never needs it, so it arrives when there is something
 * to show (a run's output) or the learner focuses the terminal. Output written earlier is buffered.
 */
import type { LabTerminal } from './terminal.ts';

export interface LazyTerminal extends LabTerminal {
  /** Loads xterm now; resolves when the terminal is on screen. */
  ready(): Promise<LabTerminal>;
}

export function createLazyTerminal(host: HTMLElement, label: string, intro: string): LazyTerminal {
  let loaded: LabTerminal | null = null;
  let loading: Promise<LabTerminal> | null = null;
  let buffer = intro;
  // Keys pressed on the placeholder while xterm loads: the learner may already be typing a command.
  let typedEarly = '';
  const placeholder = document.createElement('button');
  placeholder.type = 'button';
  placeholder.className = 'lab__term-placeholder';
  placeholder.textContent = 'Output of Run appears here. Select to open a shell.';
  host.replaceChildren(placeholder);

  const ready = (): Promise<LabTerminal> => {
    loading ??= import('./terminal.ts').then(({ createTerminal }) => {
      const hadFocus = document.activeElement === placeholder;
      host.replaceChildren();
      const terminal = createTerminal(host, label);
      terminal.write(buffer);
      buffer = '';
      terminal.type(typedEarly);
      typedEarly = '';
      loaded = terminal;
      if (hadFocus) host.querySelector<HTMLElement>('textarea')?.focus();
      return terminal;
    });
    return loading;
  };
  placeholder.addEventListener('click', () => void ready());
  placeholder.addEventListener('focus', () => void ready());
  placeholder.addEventListener('keydown', (event) => {
    const plain = event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
    const data = event.key === 'Enter' ? '\r' : event.key === 'Backspace' ? '\u007f' : plain ? event.key : '';
    if (!data) return;
    event.preventDefault();
    typedEarly += data;
    void ready();
  });

  return {
    ready,
    write(text) {
      if (loaded) loaded.write(text);
      else {
        buffer += text;
        void ready();
      }
    },
    attachInput(mode, send, interrupt) {
      void ready().then((terminal) => terminal.attachInput(mode, send, interrupt));
    },
    type(data) {
      if (loaded) loaded.type(data);
      else {
        typedEarly += data;
        void ready();
      }
    },
    size: () => loaded?.size() ?? { cols: 80, rows: 12 },
    fit: () => loaded?.fit(),
    clear: () => {
      buffer = '';
      loaded?.clear();
    },
  };
}
