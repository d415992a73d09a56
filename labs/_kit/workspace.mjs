// @ts-check
// The learner's files as the checker sees them: snapshots to tell what a command created or changed,
// and instance copies — what a second machine running the same release would have: the app's own folder,
// its node_modules, and an empty TMPDIR and HOME of its own. State an app keeps on its local disk then
// stays on its instance, as it would in production.
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Folders that are not the learner's files: the kit's own, installed packages, version control. */
const SKIP = new Set(['.lab', 'node_modules', '.git']);
const MAX_FILES = 2000;

/**
 * @typedef {{ root: string, files: Map<string, { size: number, hash: string }> }} Snapshot
 * @param {string} root
 * @returns {Snapshot}
 */
export function snapshot(root) {
  const files = new Map();
  /** @param {string} dir */
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (files.size >= MAX_FILES) return;
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (dir === root && SKIP.has(entry.name)) continue;
        walk(abs);
      } else if (entry.isFile()) {
        try {
          const data = readFileSync(abs);
          files.set(relative(root, abs).split(sep).join('/'), { size: data.length, hash: createHash('sha1').update(data).digest('hex') });
        } catch {}
      }
    }
  };
  walk(root);
  return { root, files };
}

/**
 * What changed in `before.root` since the snapshot: paths created, modified and deleted, sorted.
 * @param {Snapshot} before
 */
export function changedSince(before) {
  const now = snapshot(before.root);
  const created = [], modified = [], deleted = [];
  for (const [path, file] of now.files) {
    const old = before.files.get(path);
    if (!old) created.push(path);
    else if (old.hash !== file.hash) modified.push(path);
  }
  for (const path of before.files.keys()) if (!now.files.has(path)) deleted.push(path);
  return { created: created.sort(), modified: modified.sort(), deleted: deleted.sort() };
}

/**
 * Makes (once per name) an instance of the app under `scratch`: `app/` a copy of the workspace without
 * .lab/.git, `node_modules` linked (or copied where links are refused), and empty `tmp/` and `home/`.
 * @param {string} workspace
 * @param {string} scratch the run's scratch folder (removed when the run ends)
 * @param {string} name e.g. "A"
 * @returns {{ dir: string, env: { TMPDIR: string, TMP: string, TEMP: string, HOME: string, USERPROFILE: string } }}
 */
export function makeInstance(workspace, scratch, name) {
  const base = join(scratch, `instance-${name.replace(/[^\w.-]/g, '_')}`);
  const dir = join(base, 'app');
  const tmp = join(base, 'tmp');
  const home = join(base, 'home');
  if (!existsSync(dir)) {
    mkdirSync(tmp, { recursive: true });
    mkdirSync(home, { recursive: true });
    copyTree(workspace, dir);
    const modules = join(workspace, 'node_modules');
    if (existsSync(modules)) {
      try {
        symlinkSync(modules, join(dir, 'node_modules'), 'dir');
      } catch {
        cpSync(modules, join(dir, 'node_modules'), { recursive: true, dereference: statSync(modules).isSymbolicLink() });
      }
    }
  }
  return { dir, env: { TMPDIR: tmp, TMP: tmp, TEMP: tmp, HOME: home, USERPROFILE: home } };
}

/**
 * Copies the learner's files (not .lab, node_modules, .git) — by hand, since the copy may live inside the
 * workspace's own .lab folder, which fs.cp refuses.
 * @param {string} from @param {string} to
 */
function copyTree(from, to, top = true) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (top && SKIP.has(entry.name)) continue;
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyTree(source, join(to, entry.name), false);
    else if (entry.isFile()) copyFileSync(source, join(to, entry.name));
  }
}

/** @param {string} dir */
export function removeQuietly(dir) {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {}
}
