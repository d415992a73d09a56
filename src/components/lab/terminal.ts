/**
 * The terminal: xterm.js showing run output, plus line input for a shell. The local runner's shell has no
 * pseudo-terminal, so typed characters are echoed here and sent as whole lines on Enter; a runtime with a
 * real terminal (WebContainer's jsh) gets every keystroke raw and echoes itself.
 */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

export interface LabTerminal {
  write(text: string): void;
  /** Connects keyboard input: `line` mode echoes and buffers until Enter; `raw` passes keys through. */
  attachInput(mode: 'line' | 'raw', send: (data: string) => void): void;
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
  term.open(parent);
  term.textarea?.setAttribute('aria-label', label);
  // Tab leaves the terminal like any other control, so keyboard users are never trapped in it.
  term.attachCustomKeyEventHandler((event) => event.key !== 'Tab');
  // xterm reads colours once; follow the site's theme toggle by re-reading them.
  new MutationObserver(() => (term.options.theme = palette())).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  new ResizeObserver(() => {
    if (parent.offsetWidth > 0) fit.fit();
  }).observe(parent);

  let input: { dispose(): void } | null = null;
  return {
    write: (text) => term.write(text),
    attachInput(mode, send) {
      input?.dispose();
      if (mode === 'raw') {
        input = term.onData(send);
        return;
      }
      let line = '';
      input = term.onData((data) => {
        for (const char of data) {
          if (char === '\r') {
            term.write('\r\n');
            send(`${line}\n`);
            line = '';
          } else if (char === '\u007f') {
            if (line.length > 0) {
              line = line.slice(0, -1);
              term.write('\b \b');
            }
          } else if (char === '\u0003') {
            term.write('^C\r\n');
            line = '';
          } else if (char >= ' ') {
            line += char;
            term.write(char);
          }
        }
      });
    },
    size: () => ({ cols: term.cols, rows: term.rows }),
    fit: () => fit.fit(),
    clear: () => term.clear(),
  };
}
