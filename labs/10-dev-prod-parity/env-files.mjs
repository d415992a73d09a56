// The Dev/Prod Parity lab's file side: the .env files the checker writes into an app's own copy, the
// names in .env.example, whether .gitignore keeps a file out of version control, and the recorder
// (env-reads.mjs) that notes which variables the app's code reads.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `values` as `.env` into `dir` (an instance's copy of the app), replacing the learner's own. */
export function writeDotenv(dir, values) {
  const text = Object.entries(values).map(([name, value]) => `${name}=${value}`).join('\n');
  writeFileSync(join(dir, '.env'), `# Written by the checker\n${text}\n`);
  return text.replace(/\n/g, ', ');
}

/** The variable names a dotenv file sets: `NAME=…` or `export NAME=…`, comments and blanks skipped. */
export function dotenvNames(text) {
  return [...(text ?? '').matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/gm)].map((m) => m[1]);
}

/** A .gitignore pattern as a regular expression over a root-relative path (enough for files at the root). */
function patternRegex(pattern) {
  // "name/" matches folders only: a file of that name stays tracked.
  const folderOnly = pattern.endsWith('/');
  const anchored = pattern.startsWith('/') || pattern.replace(/\/$/, '').includes('/');
  const body = pattern
    .replace(/^\//, '')
    .replace(/\/$/, '')
    .split(/(\*\*\/?|\*|\?|\[[^\]]*\])/)
    .map((part) => {
      if (part === '**/' || part === '**') return '(?:.*/)?';
      if (part === '*') return '[^/]*';
      if (part === '?') return '[^/]';
      if (/^\[.*\]$/.test(part)) return part.replace(/^\[!/, '[^');
      return part.replace(/[.+^${}()|\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}${folderOnly ? '/.*' : '(?:/.*)?'}$`);
}

/**
 * Whether git would ignore `path` (a file at the workspace root) by this .gitignore text: the last pattern
 * that matches decides, `!pattern` un-ignores. Returns the deciding line too, for messages.
 */
export function ignoredBy(text, path) {
  let verdict = { ignored: false, line: undefined };
  for (const raw of (text ?? '').split(/\r?\n/)) {
    const line = raw.replace(/(?<!\\)\s+$/, '');
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = negate ? line.slice(1) : line;
    if (patternRegex(pattern).test(path)) verdict = { ignored: !negate, line };
  }
  return verdict;
}

// Names that come from the machine, the runtime or the checker, not from the app's configuration.
const SYSTEM = /^(?:PATH|HOME|USER|USERNAME|USERPROFILE|SHELL|PWD|OLDPWD|TERM|LANG|LC_\w+|TZ|TMPDIR|TMP|TEMP|SystemRoot|ComSpec|NODE_OPTIONS|NODE_DEBUG|NODE_V8_COVERAGE|NODE_UNIQUE_ID|NODE_CHANNEL_FD|NODE_CHANNEL_SERIALIZATION_MODE|LAB_\w+|npm_\w+|INIT_CWD|COLOR|FORCE_COLOR|NO_COLOR|DEBUG)$/;
export const isAppVariable = (name) => !SYSTEM.test(name) && !name.startsWith('TWELVE_FACTOR');

let scratch;
let runs = 0;

/** A recorder for one app run: `env` to add to the app's environment, `read()` the names its code read. */
export function envRecorder() {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), 'lab10-env-reads-'));
    process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  }
  const file = join(scratch, `run-${++runs}.txt`);
  const flag = `--import=${new URL('./env-reads.mjs', import.meta.url).href}`;
  return {
    env: { LAB_ENV_READS: file, NODE_OPTIONS: [process.env.NODE_OPTIONS, flag].filter(Boolean).join(' ') },
    /** @returns {{ loaded: boolean, names: string[] }} */
    read() {
      let lines = [];
      try {
        lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      } catch {}
      return { loaded: lines.includes('\0loaded'), names: lines.filter((l) => l !== '\0loaded') };
    },
  };
}

/** `process.env.NAME`, `process.env['NAME']`, `required('NAME')`-style reads in the app's JavaScript: the second line when the recorder could not load. */
export function namesInSource(files) {
  const names = new Set();
  for (const text of files) {
    for (const m of text.matchAll(/process\.env(?:\.([A-Za-z_]\w*)|\[\s*['"`]([A-Za-z_]\w*)['"`]\s*\])/g)) names.add(m[1] ?? m[2]);
    for (const m of text.matchAll(/\{([^{}]*)\}\s*=\s*process\.env\b/g)) for (const n of m[1].matchAll(/([A-Za-z_]\w*)\s*(?:[:=,]|$)/g)) names.add(n[1]);
  }
  return [...names];
}
