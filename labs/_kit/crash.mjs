// Turns the output of a crashed app into what a learner can act on. Node prints an uncaught error as
//
//   file:///tmp/lab-x/app.js:1          where it was thrown (absent for some errors)
//   throw new Error('boom');            the source line
//         ^                             a caret under the spot
//                                       (blank)
//   Error: boom                         the error
//       at file:///tmp/lab-x/app.js:1:7 its stack, mostly Node's own module loader
//       at ModuleJob.run (node:internal/modules/esm/module_job:377:25)
//   {  code: 'X' }                      the error's own fields, sometimes
//                                       (blank)
//   Node.js v24.9.0
//
// The learner needs the error first, then where it happened in their files, and none of Node's internals;
// paths read as the learner sees them in the editor (`app.js:1`), not as the temporary workspace has them.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const NODE_VERSION = /^Node\.js v\d+\.\d+\.\d+\s*$/;
const FRAME = /^\s+at\s/;
/** Frames inside Node itself (`node:internal/…`, `node:events`, …) or with no location at all. */
const FOREIGN_FRAME = /^\s+at\s(?:.*\()?(?:node:[\w/]+:\d+|<anonymous>\)?$|native\)?$)/;
const LOCATION = /^(?:file:\/\/)?\S+:\d+$/;
const CARET = /^\s*\^+\s*$/;
const ERROR_LINE = /^(?:Uncaught )?[A-Z][\w$.]*(?: \[[\w-]+\])?(?::|$)/;

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A function that rewrites absolute paths and file URLs inside `workspace` to workspace-relative paths. */
export function relativeTo(workspace) {
  if (!workspace) return (text) => text;
  const roots = new Set([workspace]);
  try {
    roots.add(realpathSync(workspace));
  } catch {}
  const prefixes = [...roots].flatMap((root) => [pathToFileURL(root).href, `file://${root}`, root]).map((p) => p.replace(/[/\\]+$/, ''));
  // Longest first, so a file URL is removed whole rather than leaving `file://` behind.
  const pattern = new RegExp(`(?:${[...new Set(prefixes)].sort((a, b) => b.length - a.length).map(escape).join('|')})[/\\\\]`, 'g');
  return (text) => text.replace(pattern, '');
}

/** Whether a line is noise for a learner: a frame inside Node, or the `Node.js vX` trailer of a crash. */
export const isNodeNoise = (text) => FOREIGN_FRAME.test(text) || NODE_VERSION.test(text);

/**
 * Finds the last uncaught-error report in an app's output lines.
 * @param {string[]} texts the app's output lines (stdout and stderr, in arrival order)
 * @param {(text: string) => string} [rewrite] rewrites paths for display (see `relativeTo`)
 * @returns {{ start: number, end: number, error: string, location?: string, source: string[], frames: string[], lines: string[] } | undefined}
 *   `start`..`end` is the report's span in `texts`; `lines` is the report to show, error first.
 */
export function findCrash(texts, rewrite = (text) => text) {
  const end = texts.findLastIndex((text) => NODE_VERSION.test(text));
  if (end < 0) return undefined;
  const floor = Math.max(0, end - 200);
  let start = -1;
  let header;
  let source = [];
  const caret = texts.slice(floor, end).findLastIndex((text) => CARET.test(text));
  if (caret >= 0) {
    const at = floor + caret;
    const headerAt = [at - 2, at - 3].find((i) => i >= floor && LOCATION.test(texts[i]));
    if (headerAt !== undefined) {
      start = headerAt;
      header = texts[headerAt];
      source = texts.slice(headerAt + 1, at + 1);
    }
  }
  const bodyFrom = start >= 0 ? start + 1 + source.length : floor;
  const errorAt = findErrorLine(texts, bodyFrom, end);
  if (errorAt < 0) return undefined;
  if (start < 0) start = errorAt;

  const message = [];
  for (let i = errorAt; i < end && message.length < 6; i++) {
    if (FRAME.test(texts[i]) || texts[i].trim() === '' || /^\s*\{\s*$/.test(texts[i])) break;
    message.push(rewrite(texts[i]));
  }
  const frames = texts.slice(errorAt, end).filter((t) => FRAME.test(t) && !FOREIGN_FRAME.test(t)).map(rewrite);
  const ownHeader = header && !header.startsWith('node:') ? rewrite(header) : undefined;
  const location = ownHeader ?? frames.map(frameLocation).find(Boolean);
  // A frame that only repeats the header's line adds nothing; a caret under Node's own code helps nobody.
  const extraFrames = frames.filter((f) => !ownHeader || !frameLocation(f)?.startsWith(`${ownHeader}:`)).slice(0, 3);
  const lines = [...message, ...(ownHeader ? [ownHeader, ...source.map(rewrite)] : []), ...extraFrames];
  return { start, end, error: message.join(' ').trim(), location, source: ownHeader ? source : [], frames, lines };
}

function findErrorLine(texts, from, end) {
  for (let i = from; i < end; i++) {
    if (texts[i].trim() === '' || FRAME.test(texts[i])) continue;
    if (ERROR_LINE.test(texts[i])) return i;
  }
  // Something other than an Error was thrown (`throw 'boom'`): the first line after the caret says what.
  const first = texts.slice(from, end).findIndex((t) => t.trim() !== '' && !FRAME.test(t));
  return first < 0 ? -1 : from + first;
}

/** `app.js:2:30` from `    at Timeout._onTimeout (app.js:2:30)` or `    at app.js:1:7`. */
function frameLocation(frame) {
  return frame.match(/\(([^()]+:\d+:\d+)\)\s*$/)?.[1] ?? frame.match(/^\s+at\s+(\S+:\d+:\d+)\s*$/)?.[1];
}

const ENGINE_ERROR = /^(?:Uncaught )?(?:SyntaxError|ReferenceError|TypeError|RangeError|EvalError|URIError)\b/;
const SYSTEM_ERROR = /^(?:Uncaught )?\w*Error(?: \[[\w-]+\])?: (?:\w+ )?E[A-Z]{3,}\b|\[ERR_[A-Z_]+\]/;
/** Node's own warnings: `(node:123) Warning: …` and the `(Use \`node --trace-warnings …\`)` line after it. */
const NODE_WARNING = /^\(node:\d+\) \[?\w*\]? ?\w*Warning\b|^\(Use `node --trace-/;

/**
 * Whether a crash is the app saying something on purpose (`throw new Error('Missing REDIS_URL')`), as
 * opposed to code that failed to load or run (a SyntaxError, a ReferenceError, a refused connection):
 * only a deliberate error's message counts as something the app said.
 * @param {ReturnType<typeof findCrash>} crash
 */
export function isDeliberate(crash) {
  if (!crash || ENGINE_ERROR.test(crash.error) || SYSTEM_ERROR.test(crash.error)) return false;
  // Where Node echoes the line the error came from, it must be a `throw` of the app's own.
  return crash.source.length === 0 || crash.source.some((line) => /\bthrow\b/.test(line));
}

/**
 * What the app itself wrote: its output without Node's crash report (the echoed source line, the caret,
 * the stack, `Node.js vX`) and without Node's warnings. A deliberate crash (see `isDeliberate`) keeps its
 * error message, since the app meant to say it.
 * @param {string[]} texts the app's output lines
 * @returns {string[]}
 */
export function ownLines(texts) {
  const crash = findCrash(texts);
  const kept = [];
  texts.forEach((text, i) => {
    if (crash && i >= crash.start && i <= crash.end) {
      if (i === crash.start && isDeliberate(crash)) kept.push(crash.error);
      return;
    }
    if (!isNodeNoise(text) && !NODE_WARNING.test(text)) kept.push(text);
  });
  return kept;
}
