/**
 * The terminal: xterm.js showing run output, plus line input for a shell. The local runner's shell has no
 * pseudo-terminal, so typed characters are echoed here and sent as whole lines on Enter; a runtime with a
 * real terminal (WebContainer's jsh) gets every keystroke raw and echoes itself.
 */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import { createInputGate, createLineInput } from './line-input.ts';

export interface LabTerminal {
  write(text: string): void;
  /**
   * Connects keyboard input: `line` mode echoes and buffers until Enter, and Ctrl-C calls `interrupt`
   * (there is no terminal driver to turn it into a signal); `raw` passes every key through.
   */
  attachInput(mode: 'line' | 'raw', send: (data: string) => void, interrupt?: () => void): void;
  /** Takes key data as if typed here (keys pressed before the terminal was on screen). */
  type(data: string): void;
  size(): { cols: number; rows: number };
  fit(): void;
  clear(): void;
}

function palette(): Record<string, string> {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    background: read('--color-code-bg', '#ffffff'),
    foreground: read('--color-text', '#1b1d21'),
    cursor: read('--color-accent', '#3b4bd8'),
    selectionBackground: read('--lab-selection', '#c8d0ff'),
    red: read('--color-danger', '#b42318'),
    green: read('--color-success', '#17753a'),
    yellow: read('--color-warning', '#8a5a00'),
    blue: read('--color-accent', '#3b4bd8'),
  };
}

export function createTerminal(parent: HTMLElement, label: string): LabTerminal {
  const term = new Terminal({
    convertEol: true,
    fontFamily: getComputedStyle(document.documentElement).getPropertyValue('--font-mono').trim() || 'monospace',
    fontSize: 13,
    scrollback: 2000,
    theme: palette(),
    screenReaderMode: false,
    tabStopWidth: 4,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  // Addresses (the running app's, above all) open in a new tab; noopener keeps that tab from reaching back.
  term.loadAddon(new WebLinksAddon((event, uri) => {
    event.preventDefault();
    window.open(uri, '_blank', 'noopener');
  }));
  // The fit addon measures the terminal's parent by its CSS width, padding included; an unpadded inner
  // box keeps that measure equal to the room the text really has, so lines wrap at the right column.
  const box = document.createElement('div');
  box.className = 'lab__xterm';
  parent.append(box);
  term.open(box);
  term.textarea?.setAttribute('aria-label', label);
  // Tab leaves the terminal like any other control, so keyboard users are never trapped in it.
  term.attachCustomKeyEventHandler((event) => event.key !== 'Tab');
  // xterm reads colours once; follow the site's theme toggle by re-reading them.
  new MutationObserver(() => (term.options.theme = palette())).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  // Fit now, not only when the observer first reports: the size a shell is started with (and the column at
  // which the first lines wrap) must be the pane's, not xterm's default of 80 columns.
  if (box.offsetWidth > 0) fit.fit();
  new ResizeObserver(() => {
    if (box.offsetWidth > 0) fit.fit();
  }).observe(box);

  // Listening from the start: keys typed while the shell is still starting are held, not dropped.
  const gate = createInputGate();
  term.onData((data) => gate.feed(data));
  return {
    write: (text) => term.write(text),
    attachInput(mode, send, interrupt) {
      gate.attach(mode === 'raw' ? send : createLineInput({ echo: (text) => term.write(text), send, interrupt }));
    },
    type: (data) => gate.feed(data),
    size: () => ({ cols: term.cols, rows: term.rows }),
    fit: () => fit.fit(),
    clear: () => term.clear(),
  };
}
