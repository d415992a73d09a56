// @ts-check
// The files the Build, release, run checker compares: every file under a folder of an instance, hashed,
// with its modification time, so "changed" means different bytes and "rewritten" means written again.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAX_FILES = 2000;

/**
 * @typedef {Map<string, { hash: string, mtimeMs: number }>} Files  keyed by path from the instance root, with "/"
 * @param {string} root the instance's app folder
 * @param {string} sub e.g. "dist"
 * @returns {Files}
 */
export function filesUnder(root, sub) {
  /** @type {Files} */
  const files = new Map();
  /** @param {string} rel */
  const walk = (rel) => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (files.size >= MAX_FILES) return;
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        try {
          const abs = join(root, path);
          files.set(path, { hash: createHash('sha1').update(readFileSync(abs)).digest('hex'), mtimeMs: statSync(abs).mtimeMs });
        } catch {}
      }
    }
  };
  walk(sub);
  return files;
}

/**
 * What differs between two listings, as "path (created|changed|deleted|rewritten)"; `rewritten` (same bytes,
 * written again) only with `mtimes`.
 * @param {Files} before @param {Files} after @param {{ mtimes?: boolean }} [options]
 */
export function listChanges(before, after, { mtimes = false } = {}) {
  const out = [];
  for (const [path, file] of after) {
    const old = before.get(path);
    if (!old) out.push(`${path} (created)`);
    else if (old.hash !== file.hash) out.push(`${path} (changed)`);
    else if (mtimes && old.mtimeMs !== file.mtimeMs) out.push(`${path} (rewritten)`);
  }
  for (const path of before.keys()) if (!after.has(path)) out.push(`${path} (deleted)`);
  return out;
}

/** The folders under releases/, in the order the names sort (numbers by value). @param {string} root */
export function releaseFolders(root) {
  const dir = join(root, 'releases');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * The words of an HTTP answer's body and header values, split at spaces and JSON punctuation, so an ID
 * counts only as a whole word ("v1" is not found in "v12").
 * @param {{ body: string, headers: Record<string, string | string[] | undefined> }} response
 */
export function tokensOf(response) {
  const text = [response.body, ...Object.values(response.headers).flat()].filter((v) => typeof v === 'string').join(' ');
  return new Set(text.split(/[\s"'`{}[\](),;=<>]+/).filter(Boolean));
}
