/**
 * Run's and a task's output as plain, accessible HTML: a role="log" box that screen readers follow and
 * browsers search, with the ANSI colours and weights the launcher and apps print. A terminal emulator is
 * more than log lines need (xterm is ~85 KB gz); this converter is small and handles what programs print
 * when their output is not a terminal's: SGR styles (bold, dim, italic, underline, the 16 colours, resets),
 * line feeds, a carriage return that rewrites its line, and other escape sequences, which it drops.
 * Addresses become links that open in a new tab. Sequences split across chunks are joined.
 */

/** Style state of the text being written: SGR parameters folded into classes. */
interface Style {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  fg: number | null;
  bg: number | null;
}

const PLAIN: Style = { bold: false, dim: false, italic: false, underline: false, fg: null, bg: null };
/** CSI sequences (ESC [ … final byte) and two-byte escapes; OSC strings end at BEL or ST. */
const ESCAPE = /\x1b(?:\[([0-9;?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/y;
const URL = /https?:\/\/[^\s"'<>`]+[^\s"'<>`.,;:!?)\]]/g;
/** Lines kept on screen, as xterm's scrollback was. */
const MAX_LINES = 2_000;

/** Applies one SGR sequence's parameters (`1;31`, `0`, ``) to a style. */
export function applySgr(style: Style, params: string): Style {
  const next = { ...style };
  const codes = params === '' ? [0] : params.split(';').map(Number);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) Object.assign(next, PLAIN);
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) next.bg = null;
    // 256-colour and true-colour forms: skip their arguments; the palette here is the site's 16.
    else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : 4;
  }
  return next;
}

export function classesOf(style: Style): string {
  const names: string[] = [];
  if (style.bold) names.push('ansi-bold');
  if (style.dim) names.push('ansi-dim');
  if (style.italic) names.push('ansi-italic');
  if (style.underline) names.push('ansi-underline');
  if (style.fg !== null) names.push(`ansi-fg-${style.fg % 8}`);
  if (style.bg !== null) names.push(`ansi-bg-${style.bg % 8}`);
  return names.join(' ');
}

/** Appends text to a line, addresses as links. */
function appendText(line: HTMLElement, text: string, style: Style): void {
  const classes = classesOf(style);
  const into = classes ? line.appendChild(Object.assign(document.createElement('span'), { className: classes })) : line;
  let at = 0;
  for (const match of text.matchAll(URL)) {
    if (match.index > at) into.append(text.slice(at, match.index));
    const link = document.createElement('a');
    link.href = match[0];
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = match[0];
    into.append(link);
    at = match.index + match[0].length;
  }
  if (at < text.length) into.append(text.slice(at));
}

export interface AnsiLog {
  write(chunk: string): void;
  clear(): void;
  /** Everything written since the last clear, as received (for a terminal that takes over). */
  raw(): string;
}

export function createAnsiLog(box: HTMLElement): AnsiLog {
  let style = PLAIN;
  let pending = '';
  let received = '';
  let line = newLine();
  /** A carriage return not yet followed by a line feed: the next text rewrites the line. */
  let rewrite = false;

  function newLine(): HTMLElement {
    const div = document.createElement('div');
    div.className = 'lab__output-line';
    box.append(div);
    while (box.childElementCount > MAX_LINES) box.firstElementChild?.remove();
    return div;
  }

  const text = (part: string): void => {
    if (!part) return;
    if (rewrite) {
      line.replaceChildren();
      rewrite = false;
    }
    appendText(line, part, style);
  };

  return {
    write(chunk) {
      received += chunk;
      if (received.length > 512 * 1024) received = received.slice(-256 * 1024);
      const stuck = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
      const input = pending + chunk;
      pending = '';
      let plain = '';
      for (let i = 0; i < input.length; i++) {
        const c = input[i]!;
        if (c === '\x1b') {
          ESCAPE.lastIndex = i;
          const m = ESCAPE.exec(input);
          if (!m) {
            // An escape cut off by the chunk's end waits for the next chunk; a malformed one is dropped.
            if (input.length - i < 32) pending = input.slice(i);
            if (pending) break;
            continue;
          }
          text(plain);
          plain = '';
          if (m[2] === 'm') style = applySgr(style, m[1] ?? '');
          i += m[0].length - 1;
        } else if (c === '\n') {
          text(plain);
          plain = '';
          rewrite = false;
          line = newLine();
        } else if (c === '\r') {
          text(plain);
          plain = '';
          if (input[i + 1] !== '\n') rewrite = true;
        } else if (c === '\b' || c === '\x07') {
          // Bells and backspaces mean nothing in a log.
        } else plain += c;
      }
      text(plain);
      if (stuck) box.scrollTop = box.scrollHeight;
    },
    clear() {
      box.replaceChildren();
      received = '';
      pending = '';
      style = PLAIN;
      line = newLine();
    },
    raw: () => received,
  };
}
