/**
 * Run's output, with a crash made readable. When the learner's app dies of an uncaught error, Node prints
 *
 *   file:///tmp/lab-x/counter.js:9        where it was thrown (or node:internal/… for errors inside Node)
 *     throw error;                         the source line
 *     ^                                    a caret under the spot
 *                                          (blank)
 *   TypeError: Cannot read properties …    the error
 *       at countVisit (file:///tmp/lab-x/counter.js:9:3)
 *       at process.processTicksAndRejections (node:internal/process/task_queues:105:5)
 *   { code: … }                            the error's own fields, sometimes
 *                                          (blank)
 *   Node.js v24.9.0
 *
 * This filter holds such a report from its first line until Node's version line ends it, then writes it
 * error first, then the learner's file and line with the source, then the frames in the learner's own
 * files, and one dim line counting what it left out (Node's internals, installed packages). Paths read
 * as the editor's tabs do (`counter.js:9`). Everything else passes through untouched and at once; a
 * held report that never ends (it was not one) is written as it came after a moment.
 */
const NODE_VERSION = /^Node\.js v\d+\.\d+\.\d+\s*$/;
/** The first line of a report: a file (path or file URL) or a module inside Node, with a line number. */
const HEADER = /^(?:(?:file:\/\/)?\/\S+|node:[\w/]+):\d+$/;
const FRAME = /^\s+at\s/;
const NODE_FRAME = /^\s+at\s(?:.*\()?(?:node:[\w/:.]+|<anonymous>\)?$|native\)?$)/;
const CARET = /^\s*\^+\s*$/;
const ERROR_LINE = /^(?:Uncaught )?\[?[A-Z][\w$.]*(?: \[[\w-]+\])?(?::|\]|$)/;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

const RED = '\x1b[1;31m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export interface CrashFilterOptions {
  /** The lab's visible files, to turn absolute paths into the names on the editor's tabs. */
  files: () => readonly string[];
  /** How long a report may stay incomplete before it is written as it came. */
  holdMs?: number;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rewrites `file:///tmp/lab-x/app.js` and `/tmp/lab-x/app.js` to `app.js`, given the learner's files. */
export function relativePaths(lines: readonly string[], files: readonly string[]): (text: string) => string {
  const names = [...files].sort((a, b) => b.length - a.length).map(escape);
  if (names.length === 0) return (text) => text;
  const find = new RegExp(`(?:file://)?(/[^\\s:()'"]*?/)(?:${names.join('|')})(?=[:\\s)'"]|$)`);
  const roots = new Set<string>();
  for (const line of lines) {
    const match = find.exec(line);
    if (match?.[1]) roots.add(match[1]);
  }
  if (roots.size === 0) return (text) => text;
  const prefixes = [...roots].flatMap((root) => [`file://${encodeURI(root)}`, `file://${root}`, root]);
  const pattern = new RegExp([...new Set(prefixes)].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
  return (text) => text.replace(pattern, '');
}

/** The report to show for `lines` (a held crash, Node's version line last), or null when it is not one. */
export function formatCrash(lines: readonly string[], files: readonly string[]): string[] | null {
  const plain = lines.map((line) => line.replace(ANSI, ''));
  const trailer = plain.findLastIndex((line) => NODE_VERSION.test(line));
  if (trailer < 0 || !HEADER.test(plain[0] ?? '')) return null;
  const rewrite = relativePaths(plain, files);
  const caret = plain.findIndex((line) => CARET.test(line));
  const source = caret > 0 ? plain.slice(1, caret + 1) : [];
  let at = caret > 0 ? caret + 1 : 1;
  // The error line; when something other than an Error was thrown (`throw 'boom'`), the first line that says what.
  const first = plain.slice(at, trailer).findIndex((line) => ERROR_LINE.test(line));
  if (first >= 0) at += first;
  else while (at < trailer && (plain[at]!.trim() === '' || FRAME.test(plain[at]!))) at++;
  if (at >= trailer) return null;
  const message: string[] = [];
  for (let i = at; i < trailer && message.length < 6; i++) {
    const line = plain[i]!;
    if (FRAME.test(line) || line.trim() === '' || /^\s*\{\s*$/.test(line)) break;
    message.push(rewrite(line));
  }
  const frames = plain.slice(at + message.length, trailer).filter((line) => FRAME.test(line));
  const own = frames.filter((line) => !NODE_FRAME.test(line) && !line.includes('/node_modules/')).map(rewrite);
  const header = plain[0]!;
  const ownHeader = header.startsWith('node:') || header.includes('/node_modules/') ? null : rewrite(header);
  const location = ownHeader ?? own[0]?.match(/\(([^()]+:\d+):\d+\)\s*$|at\s+(\S+:\d+):\d+\s*$/)?.slice(1).find(Boolean) ?? null;
  const shownFrames = own.filter((frame) => !ownHeader || !frame.includes(`${ownHeader}:`)).slice(0, 3);
  const left = frames.length - own.length;

  const out = [`${RED}${message[0] ?? 'The app crashed'}${RESET}`, ...message.slice(1).map((line) => `${RED}${line}${RESET}`)];
  if (location) out.push(`${BOLD}  at ${location}${RESET}${ownHeader ? '' : ` ${DIM}(the first place in your files)${RESET}`}`);
  if (ownHeader) out.push(...source.map((line) => `    ${line}`));
  out.push(...shownFrames.map((frame) => `  ${frame.trim()}`));
  const version = plain[trailer]!.trim();
  const hidden = left > 0 ? `${left} stack ${left === 1 ? 'line' : 'lines'} inside Node.js and installed packages not shown; ` : '';
  out.push(`${DIM}(${hidden}${version})${RESET}`);
  return out;
}

/** Returns the function to feed output chunks to; `write` receives what to show. */
export function createCrashFilter(write: (text: string) => void, options: CrashFilterOptions): (chunk: string) => void {
  const holdMs = options.holdMs ?? 800;
  /** Text of the current line already written (it cannot become a held report's first line). */
  let started = '';
  let held: string[] | null = null;
  let heldPartial = '';
  let timer: ReturnType<typeof setTimeout> | null = null;

  const release = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!held) return;
    const raw = held.map((line) => `${line}\n`).join('') + heldPartial;
    held = null;
    heldPartial = '';
    write(raw);
  };
  const finish = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    const lines = held ?? [];
    const report = formatCrash(lines.map((line) => line.replace(/\r$/, '')), options.files());
    if (!report) return release();
    held = null;
    write(`${report.join('\r\n')}\r\n`);
    if (heldPartial) {
      const rest = heldPartial;
      heldPartial = '';
      feed(rest);
    }
  };

  const feed = (chunk: string): void => {
    const pieces = chunk.split('\n');
    const last = pieces.pop()!;
    for (const piece of pieces) {
      if (held) {
        held.push(heldPartial + piece);
        heldPartial = '';
        if (NODE_VERSION.test(held.at(-1)!.replace(ANSI, '').replace(/\r$/, ''))) finish();
        else if (held.length > 300) release();
        continue;
      }
      const line = piece.replace(/\r$/, '');
      if (started === '' && HEADER.test(line.replace(ANSI, ''))) {
        held = [piece];
        continue;
      }
      write(`${piece}\n`);
      started = '';
    }
    if (held) {
      heldPartial += last;
      if (timer) clearTimeout(timer);
      timer = setTimeout(release, holdMs);
    } else if (last) {
      write(last);
      started += last;
    }
  };
  return feed;
}
