// @ts-check
// What the checks read in the learner's files, as a second line behind what the apps do: where the Redis
// key is written, imports that leave an app's folder, and files made for one particular deploy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SOURCE = /\.(?:m?js|cjs)$/;
const SKIP = new Set(['node_modules', '.lab', '.git']);
/** A string literal on one line: '…', "…" or `…`. */
const LITERAL = /(['"`])((?:\\.|(?!\1)[^\\\n])*)\1/g;

/** Every file under `dir`, as paths relative to `dir`. @param {string} dir @returns {string[]} */
export function allFiles(dir, prefix = '') {
  /** @type {string[]} */
  const out = [];
  let entries;
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (SKIP.has(entry.name)) continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...allFiles(dir, path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * The JavaScript files under `dir`, with paths relative to `root` (forward slashes).
 * @param {string} root @param {string} dir
 */
export function sourceFiles(root, dir) {
  return allFiles(dir)
    .filter((path) => SOURCE.test(path))
    .map((path) => ({ path: relative(root, join(dir, path)).split(sep).join('/'), text: readFileSync(join(dir, path), 'utf8') }));
}

/** The text pieces of a literal: a template's parts around ${…}, or the whole string. @param {string} quote @param {string} content */
const piecesOf = (quote, content) => (quote === '`' ? content.split(/\$\{[^}]*\}/) : [content]);

/**
 * Where the Redis key `key` is spelled in `files`: the literal equal to it, else the longest literal (or
 * template part) that is part of it, e.g. 'visits' in `${'visits'}:total`. `change` rewrites a file's
 * text so that every such literal gets `suffix` after that piece: the key changes in one edit, the way a
 * developer would rename it.
 * @param {{ path: string, text: string }[]} files @param {string} key
 */
export function findKey(files, key) {
  /** @type {string | undefined} */
  let best;
  for (const { text } of files) {
    for (const [, quote = '', content = ''] of text.matchAll(LITERAL)) {
      for (const piece of piecesOf(quote, content)) {
        if (piece.length < 2 || !key.includes(piece)) continue;
        if (!best || piece === key || (best !== key && piece.length > best.length)) best = piece;
      }
    }
  }
  if (!best) return undefined;
  const piece = best;
  const holds = (/** @type {string} */ quote, /** @type {string} */ content) => piecesOf(quote, content).includes(piece);
  const hits = files.filter(({ text }) => [...text.matchAll(LITERAL)].some(([, q = '', c = '']) => holds(q, c)));
  return {
    piece,
    files: hits.map(({ path }) => ({
      path,
      /** @param {string} text @param {string} suffix */
      change: (text, suffix) => text.replace(LITERAL, (whole, q, c) => (holds(q, c) ? `${q}${q === '`' ? c.replace(new RegExp(`(^|\\})${escape(piece)}($|\\$\\{)`), `$1${piece}${suffix}$2`) : `${piece}${suffix}`}${q}` : whole)),
    })),
  };
}

const escape = (/** @type {string} */ text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Module specifiers in a file: import … from '…', import('…'), require('…'), export … from '…'. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;

/**
 * Imports in the package at `dir` that leave it: a relative path that resolves outside `dir`, or an
 * absolute path. Each as "report/app.js imports '../web/config.js'".
 * @param {string} root the workspace, for the paths shown @param {string} dir
 */
export function leavingImports(root, dir) {
  const out = [];
  for (const { path, text } of sourceFiles(root, dir)) {
    const from = dirname(join(root, path));
    for (const [, , spec = ''] of text.matchAll(SPECIFIER)) {
      const absolute = spec.startsWith('/') || spec.startsWith('file:') || /^[A-Za-z]:[\\/]/.test(spec);
      const target = spec.startsWith('.') ? resolve(from, spec) : undefined;
      if (absolute || (target !== undefined && target !== dir && !target.startsWith(dir + sep))) out.push(`${path} imports '${spec}'`);
    }
  }
  return out;
}

/** A path naming a particular deploy. */
const DEPLOY_NAME = /(?:^|[/._-])(?:staging|stage|production|prod|preprod|qa|uat)(?:[/._-]|$)/i;

/** Files under `dir` named after one deploy ("config.staging.js", "deploys/production.json"). @param {string} dir */
export const deployFiles = (dir) => allFiles(dir).filter((path) => DEPLOY_NAME.test(path));

/**
 * Folders beside web/ that are copies of it for another deploy: named web-something, or holding a
 * package.json with web's name.
 * @param {string} root
 */
export function webCopies(root) {
  const name = (/** @type {string} */ dir) => {
    try {
      return JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name;
    } catch {
      return undefined;
    }
  };
  const web = name('web') ?? 'web';
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !SKIP.has(e.name) && e.name !== 'web' && existsSync(join(root, e.name)))
    .filter((e) => /^web[-_.]/i.test(e.name) || name(e.name) === web)
    .map((e) => `${e.name}/`);
}
