/**
 * The Terminal pane. Run's and a task's output go to a plain log (ansi-log.ts: role="log", colours,
 * links), which costs a few KB; xterm.js (~85 KB gz) loads only when the learner opens a shell, the one
 * use that needs a terminal emulator. The shell's terminal then takes the pane over, starting with what
 * the log showed, and every later output goes to it. Keys pressed on "Open a shell" while xterm loads are
 * kept and typed into it.
 */
import { createAnsiLog } from './ansi-log.ts';
import type { LabTerminal } from './terminal.ts';

export interface LazyTerminal extends LabTerminal {
  /** Loads xterm now and hands it the pane; resolves when the terminal is on screen. */
  ready(): Promise<LabTerminal>;
  /** The button that opens a shell: the shell starts when it (or the terminal after it) takes focus. */
  readonly shellButton: HTMLButtonElement;
}

export function createLazyTerminal(host: HTMLElement, label: string, intro: string): LazyTerminal {
  let loaded: LabTerminal | null = null;
  let loading: Promise<LabTerminal> | null = null;
  // Keys pressed on the button while xterm loads: the learner may already be typing a command.
  let typedEarly = '';

  const box = document.createElement('div');
  box.className = 'lab__output';
  box.dataset['slot'] = 'output';
  box.setAttribute('role', 'log');
  box.setAttribute('aria-label', 'Output of Run');
  // Focusable, so keyboard users can scroll it.
  box.tabIndex = 0;
  const empty = document.createElement('p');
  empty.className = 'lab__output-empty';
  empty.textContent = 'Output of Run appears here.';
  const log = createAnsiLog(box);
  const shellButton = document.createElement('button');
  shellButton.type = 'button';
  shellButton.className = 'lab-btn lab-btn--small lab__shell-open';
  shellButton.textContent = 'Open a shell';
  const bar = document.createElement('div');
  bar.className = 'lab__output-bar';
  bar.append(empty, shellButton);
  host.replaceChildren(box, bar);
  if (intro) log.write(intro);

  const ready = (): Promise<LabTerminal> => {
    loading ??= import('./terminal.ts').then(({ createTerminal }) => {
      const hadFocus = document.activeElement === shellButton;
      const shown = log.raw();
      host.replaceChildren();
      const terminal = createTerminal(host, label);
      terminal.write(shown);
      terminal.type(typedEarly);
      typedEarly = '';
      loaded = terminal;
      if (hadFocus) host.querySelector<HTMLElement>('textarea')?.focus();
      return terminal;
    });
    return loading;
  };
  shellButton.addEventListener('click', () => void ready());
  shellButton.addEventListener('keydown', (event) => {
    const plain = event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
    // Enter and Space press the button; once it is pressed, keys are the first command's.
    if (!loading && (event.key === 'Enter' || event.key === ' ')) return;
    const data = event.key === 'Enter' ? '\r' : event.key === 'Backspace' ? '\u007f' : plain ? event.key : '';
    if (!data) return;
    event.preventDefault();
    typedEarly += data;
    void ready();
  });

  return {
    ready,
    shellButton,
    write(text) {
      if (loaded) return loaded.write(text);
      empty.hidden = true;
      log.write(text);
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
      log.clear();
      loaded?.clear();
    },
  };
}
