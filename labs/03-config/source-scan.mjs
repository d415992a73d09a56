// The Config lab's second line: settings written into the learner's code, looked for in every file the app
// is made of — every JavaScript file of the folder, package.json, and the dotfiles the app itself loads
// (`process.loadEnvFile()`, `--env-file`, a file name in the code). Behaviour is the first line: the
// checker's Redis wants a random password and database, so most hard-coded settings already fail there.
//
// Only values the app uses as configuration count: a Redis URL, a password, a host or Redis's port that the
// code assigns, passes or falls back to. A URL shown inside a message ("e.g. redis://localhost:6379"), a
// bind to '0.0.0.0' and anything in a comment are fine.

const JS = /\.(?:m|c)?[jt]s$/;
const LIMITS = { files: 300, bytes: 256 * 1024 };
const SKIP_DIRS = new Set(['node_modules', '.lab', '.git']);

// Words (split from camelCase, snake_case, kebab-case) that make a name a secret, or a host.
const SECRET_WORDS = new Set(['password', 'passwd', 'pass', 'pwd', 'secret', 'token', 'credential', 'credentials', 'apikey', 'auth']);
const HOST_WORDS = new Set(['host', 'hostname']);
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);
// A call whose arguments are a message, not a setting.
const MESSAGE_CALL = /^(?:console|log|logger)$|(?:^|\.)(?:log|info|warn|error|debug|trace|fatal|print|assert)$|Error$/;
const PLACEHOLDER = '\u0000';

/** Splits `redisPassword`, `REDIS_PASSWORD`, `redis-password` into lower-case words. */
export function words(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * Tokenizes JavaScript well enough to tell code from strings and comments: strings (with template
 * interpolations as placeholders, their expressions tokenized too), numbers, names and punctuation, each
 * with its line. Regular expression literals are skipped.
 * @returns {{ type: 'str'|'num'|'name'|'punct', value: string, line: number }[]}
 */
export function tokenize(source) {
  /** @type {{ type: 'str'|'num'|'name'|'punct', value: string, line: number }[]} */
  const tokens = [];
  let i = 0;
  let line = 1;
  const lastSignificant = () => tokens.at(-1);
  const regexCanStart = () => {
    const prev = lastSignificant();
    if (!prev) return true;
    if (prev.type === 'punct') return !/^[)\]}]$/.test(prev.value);
    return prev.type === 'name' && /^(?:return|typeof|case|do|else|in|of|new|delete|void|throw|await|yield)$/.test(prev.value);
  };

  function readString(quote) {
    const startLine = line;
    let value = '';
    i++;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === '\\') {
        value += source[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (source[i] === '\n') break; // unterminated: stop at the line's end
      value += source[i++];
    }
    i++;
    tokens.push({ type: 'str', value, line: startLine });
  }

  function readTemplate() {
    const startLine = line;
    let value = '';
    const inner = [];
    i++;
    while (i < source.length && source[i] !== '`') {
      if (source[i] === '\\') {
        value += source[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (source.startsWith('${', i)) {
        // Find the matching brace, minding nested strings and braces, and tokenize the expression.
        let depth = 1;
        let j = i + 2;
        while (j < source.length && depth > 0) {
          const c = source[j];
          if (c === '{') depth++;
          else if (c === '}') depth--;
          else if (c === '"' || c === "'" || c === '`') {
            const q = c;
            j++;
            while (j < source.length && source[j] !== q) j += source[j] === '\\' ? 2 : 1;
          }
          j++;
        }
        const expression = source.slice(i + 2, j - 1);
        for (const token of tokenize(expression)) inner.push({ ...token, line: line + token.line - 1 });
        line += (expression.match(/\n/g) ?? []).length;
        value += PLACEHOLDER;
        i = j;
        continue;
      }
      if (source[i] === '\n') line++;
      value += source[i++];
    }
    i++;
    tokens.push({ type: 'str', value, line: startLine });
    // The expressions' own tokens follow in a separate group: `(` … `)` keeps them from joining chains.
    if (inner.length) tokens.push({ type: 'punct', value: '(', line: startLine }, ...inner, { type: 'punct', value: ')', line: startLine });
  }

  while (i < source.length) {
    const c = source[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (source.startsWith('//', i)) while (i < source.length && source[i] !== '\n') i++;
    else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      line += (source.slice(i, stop).match(/\n/g) ?? []).length;
      i = stop;
    } else if (c === '"' || c === "'") readString(c);
    else if (c === '`') readTemplate();
    else if (c === '/' && regexCanStart()) {
      // A regular expression literal: skip it, classes included.
      i++;
      let inClass = false;
      while (i < source.length && source[i] !== '\n' && (inClass || source[i] !== '/')) {
        if (source[i] === '\\') i++;
        else if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        i++;
      }
      i++;
      while (/[a-z]/i.test(source[i] ?? '')) i++;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const match = /^(?:0[xob][\da-f_]+|[\d_]*\.?[\d_]+(?:e[+-]?\d+)?)n?/i.exec(source.slice(i));
      const text = match?.[0] || c;
      tokens.push({ type: 'num', value: text.replace(/_/g, ''), line });
      i += text.length;
    } else if (/[\p{L}_$]/u.test(c)) {
      const match = /^[\p{L}\p{N}_$]+/u.exec(source.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ type: 'name', value: text, line });
      i += text.length;
    } else {
      const op = ['??=', '||=', '...', '??', '||', '&&', '=>', '===', '!==', '==', '!='].find((o) => source.startsWith(o, i)) ?? c;
      tokens.push({ type: 'punct', value: op, line });
      i += op.length;
    }
  }
  return tokens;
}

/** The string a `+` chain of literals and names evaluates to, with names as placeholders. */
function chainAt(tokens, start) {
  let value = '';
  let end = start;
  let j = start;
  for (;;) {
    const t = tokens[j];
    if (t?.type === 'str') {
      value += t.value;
      j++;
    } else if (t?.type === 'name' || t?.type === 'num') {
      // a name, or a member chain such as url.port
      while (tokens[j + 1]?.value === '.' && tokens[j + 2]?.type === 'name') j += 2;
      value += t.type === 'num' ? t.value : PLACEHOLDER;
      j++;
    } else break;
    end = j - 1;
    if (tokens[j]?.value !== '+') break;
    j++;
  }
  return { value, end };
}

/** The name a value at `index` is given: `name = v`, `name: v`, `name ?? v`, `name || v`, `auth(v)`. */
function boundName(tokens, index) {
  const prev = tokens[index - 1];
  if (!prev || prev.type !== 'punct') return undefined;
  if (['=', ':', '??', '||', '??=', '||='].includes(prev.value)) {
    const name = tokens[index - 2];
    if (name?.type === 'name' || (prev.value === ':' && name?.type === 'str')) return name.value;
    return undefined;
  }
  if (prev.value === '(' && tokens[index - 2]?.type === 'name') return tokens[index - 2].value;
  return undefined;
}

/** Whether the token at `index` is an argument of a logging call or an error, or thrown. */
function inMessage(tokens, index) {
  let depth = 0;
  for (let j = index - 1; j >= 0; j--) {
    const t = tokens[j];
    if (t.type !== 'punct') {
      if (depth === 0 && t.type === 'name' && t.value === 'throw') return true;
      continue;
    }
    if (t.value === ')' || t.value === ']') depth++;
    else if (t.value === '(' || t.value === '[') {
      if (depth === 0) {
        if (t.value === '[') continue;
        // The callee: a name, or a member chain like console.error.
        const parts = [];
        for (let k = j - 1; k >= 0 && tokens[k].type === 'name'; k -= 2) {
          parts.unshift(tokens[k].value);
          if (tokens[k - 1]?.value !== '.') break;
        }
        if (parts.length && MESSAGE_CALL.test(parts.join('.'))) return true;
        if (parts.length === 0) continue; // a grouping parenthesis: look further out
        return false;
      }
      depth--;
    } else if (depth === 0 && (t.value === ';' || t.value === '{' || t.value === '}')) return false;
  }
  return false;
}

/** What a literal value (placeholders for computed parts) would set, or undefined when it sets nothing. */
export function classifyValue(value, name) {
  const literalOnly = value.replaceAll(PLACEHOLDER, '');
  if (/^rediss?:\/\/\S*$/.test(value)) {
    // Only the scheme and separators written out, the rest computed: a URL assembled from settings.
    const written = value.replace(/^rediss?:\/\//, '').replaceAll(PLACEHOLDER, '').replace(/[:@/]/g, '');
    if (!written) return undefined;
    return /^rediss?:\/\/[^@/]*:[^@/\u0000]+@/.test(value) ? 'a Redis URL with a password' : 'a Redis URL';
  }
  if (!literalOnly || /\s/.test(value)) return undefined;
  if (value === '6379' && name && words(name).includes('port')) return "Redis's default port";
  if (!name) return undefined;
  const nameWords = words(name);
  if (nameWords.some((w) => SECRET_WORDS.has(w)) && literalOnly.length >= 3) return 'a password or secret';
  if (nameWords.some((w) => HOST_WORDS.has(w)) && !WILDCARD_BINDS.has(value) && !value.includes(PLACEHOLDER)) return 'a host name';
  return undefined;
}

/** Settings written into one JavaScript file: `{ line, what }[]`, at most one per line. */
export function scanJavaScript(source) {
  const tokens = tokenize(source);
  const found = new Map();
  const add = (line, what) => found.has(line) || found.set(line, what);
  for (let i = 0; i < tokens.length; i++) {
    const t = /** @type {(typeof tokens)[number]} */ (tokens[i]);
    if (t.type === 'num' && Number(t.value) === 6379) {
      add(t.line, "Redis's default port");
      continue;
    }
    if (t.type !== 'str') continue;
    // Start a chain only at its first operand, so 'a' + 'b' is judged once, whole.
    if (tokens[i - 1]?.value === '+') continue;
    const { value, end } = chainAt(tokens, i);
    const what = classifyValue(value, boundName(tokens, i));
    if (what && !inMessage(tokens, i)) add(t.line, what);
    i = Math.max(i, end);
  }
  return [...found].map(([line, what]) => ({ line, what }));
}

/** Settings in a dotenv-style file: `KEY=value` lines that hold a Redis URL, a secret or a host. */
export function scanEnvFile(text) {
  const found = [];
  text.split('\n').forEach((raw, index) => {
    const match = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(raw);
    if (!match || /^\s*#/.test(raw)) return;
    const value = (match[2] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2');
    if (!value) return;
    const what = classifyValue(value, match[1]) ?? (/rediss?:\/\//.test(value) ? 'a Redis URL' : undefined);
    if (what) found.push({ line: index + 1, what });
  });
  return found;
}

/** Redis URLs and `SECRET=…`/`REDIS_…=…` assignments in package.json's strings (scripts, config). */
export function scanPackageJson(text) {
  const found = new Map();
  text.split('\n').forEach((raw, index) => {
    if (/rediss?:\/\/[^\s"'@/]*:[^\s"'@/]+@/.test(raw)) found.set(index + 1, 'a Redis URL with a password');
    else if (/rediss?:\/\/[\w.[\]-]/.test(raw)) found.set(index + 1, 'a Redis URL');
    else {
      for (const [, key, value] of raw.matchAll(/\b([A-Za-z_][\w]*)=([^\s"'&;]+)/g)) {
        const what = classifyValue(value, key) ?? (words(key).includes('redis') ? 'a Redis setting' : undefined);
        if (what) {
          found.set(index + 1, what);
          break;
        }
      }
    }
  });
  return [...found].map(([line, what]) => ({ line, what }));
}

/** Dotfiles the app loads: `process.loadEnvFile()` (.env), `--env-file[-if-exists]=X`, or a name in the code. */
export function dotfilesRead({ sources, packageJson, startCommand, existing }) {
  const read = new Map(); // file → where it is read
  const note = (file, where) => read.has(file) || read.set(file, where);
  for (const [file, source] of sources) {
    for (const m of source.matchAll(/loadEnvFile\(\s*(?:(['"`])([^'"`]+)\1)?\s*\)/g)) note(normalise(m[2] ?? '.env'), `process.loadEnvFile in ${file}`);
    if (/\bdotenv\b/.test(source)) note('.env', `dotenv in ${file}`);
    for (const m of source.matchAll(/['"`](?:\.\/)?(\.[\w.-]+)['"`]/g)) if (existing.has(m[1])) note(m[1], `named in ${file}`);
  }
  for (const [where, text] of [['package.json', packageJson ?? ''], ['the start command', startCommand ?? '']]) {
    for (const m of text.matchAll(/--env-file(?:-if-exists)?[= ](?:\.\/)?([^\s"'&;]+)/g)) note(normalise(m[1]), `--env-file in ${where}`);
  }
  return [...read].filter(([file]) => existing.has(file)).map(([file, where]) => ({ file, where }));
}

const normalise = (path) => path.replace(/^\.\//, '');

/**
 * Scans the learner's folder. `files`: every file with its size; `read(path)` returns its text.
 * @param {{ files: { path: string, size: number }[], read: (path: string) => Promise<string|undefined>, startCommand?: string }} workspace
 * @returns {Promise<{ findings: { file: string, line: number, what: string, text: string }[], scanned: string[], skipped: { file: string, why: string }[], dotfiles: { file: string, where: string }[] }>}
 */
export async function scanWorkspace({ files, read, startCommand }) {
  const skipped = [];
  const own = files.filter((f) => !f.path.split('/').some((part) => SKIP_DIRS.has(part)));
  const existing = new Set(own.map((f) => f.path));
  const candidates = own.filter((f) => JS.test(f.path) || f.path === 'package.json' || f.path.split('/').at(-1)?.startsWith('.'));
  const texts = new Map();
  for (const file of candidates) {
    if (texts.size >= LIMITS.files) {
      skipped.push({ file: file.path, why: `more than ${LIMITS.files} files` });
      continue;
    }
    if (file.size > LIMITS.bytes) {
      skipped.push({ file: file.path, why: `${Math.round(file.size / 1024)} KB, over the ${LIMITS.bytes / 1024} KB the scan reads` });
      continue;
    }
    const text = await read(file.path);
    if (text !== undefined) texts.set(file.path, text);
  }
  const sources = [...texts].filter(([path]) => JS.test(path));
  const dotfiles = dotfilesRead({ sources, packageJson: texts.get('package.json'), startCommand, existing: new Set([...existing].filter((p) => texts.has(p))) });

  const findings = [];
  const report = (file, text, found) => {
    const lines = text.split('\n');
    for (const { line, what } of found) findings.push({ file, line, what, text: (lines[line - 1] ?? '').trim() });
  };
  for (const [file, text] of sources) report(file, text, scanJavaScript(text));
  if (texts.has('package.json')) report('package.json', texts.get('package.json'), scanPackageJson(texts.get('package.json')));
  for (const { file } of dotfiles) report(file, texts.get(file), scanEnvFile(texts.get(file)));
  return { findings, scanned: [...texts.keys()].filter((p) => JS.test(p) || p === 'package.json' || dotfiles.some((d) => d.file === p)), skipped, dotfiles };
}

/** The learner's files as the scan wants them, from the kit's snapshot (no .lab, node_modules, .git). */
function workspaceOf(t) {
  return {
    files: [...t.snapshot().files].map(([path, { size }]) => ({ path, size })),
    read: (/** @type {string} */ path) => t.read(path),
    startCommand: t.manifest.commands?.start,
  };
}

/** The checks' entry point: every finding in the learner's folder, logged in the transcript. */
export async function findHardcodedConfig(t) {
  const result = await scanWorkspace(workspaceOf(t));
  t.log(`read ${result.scanned.join(', ')} for settings written into them: found on ${result.findings.length} ${result.findings.length === 1 ? 'line' : 'lines'}`);
  for (const { file, why } of result.skipped) t.log(`did not read ${file}: ${why}`);
  return result.findings.map((f) => ({ ...f, loadedBy: result.dotfiles.find((d) => d.file === f.file)?.where }));
}

/** The dotfiles the app loads, with their text: `{ file, where, text }[]`. */
export async function loadedDotfiles(t) {
  const workspace = workspaceOf(t);
  const { dotfiles } = await scanWorkspace(workspace);
  return Promise.all(dotfiles.map(async (d) => ({ ...d, text: (await workspace.read(d.file)) ?? '' })));
}
