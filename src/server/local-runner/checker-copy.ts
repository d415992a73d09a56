/**
 * The checker must not be rewritable by what it judges. Inside the workspace, `.lab/check.mjs` can be
 * replaced by a shell command, or by the learner's `app.js` while the first Check runs it, and the next
 * Check would then pass anything. So before every Check the runner
 *  - lays a fresh copy of the lab's hidden files in a folder of its own, outside the workspace, read-only,
 *    with the course's `node_modules` beside it, and runs the checker from there (cwd: the workspace, which
 *    is what the kit checks); the copy is deleted when the run ends;
 *  - lays the workspace's own `.lab/` fresh too (Run and the lab's tasks start `.lab/run.mjs`), so a
 *    changed copy never survives into a verdict.
 * This stops a learner's code from rewriting the checker *between* runs. It is not a sandbox: code the
 * learner runs has the learner's rights and could still reach the copy while a run is in progress.
 */
import { chmod, mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { FileMap } from '../../workspace/runtime/types.ts';

export interface CheckerFiles {
  /** The lab's hidden files, keyed by workspace-relative path, every one under `.lab/`. */
  hidden: FileMap;
  /** The course's `node_modules` (the kit imports ioredis and friends), linked beside the copy. */
  modules?: string;
}

async function layFiles(root: string, files: FileMap): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const target = resolve(root, path);
    if (!target.startsWith(root + sep)) throw new Error(`hidden lab file "${path}" points outside ${root}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text, { mode: 0o644 });
  }
}

/** Makes the tree under `dir` read-only (files 0444, folders 0555), deepest first. */
async function freeze(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await freeze(path);
    else await chmod(path, 0o444);
  }
  await chmod(dir, 0o555);
}

/**
 * Deletes a tree that may hold read-only folders (a checker copy): their owner must make them writable
 * before their entries can go. Never follows links.
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
    return;
  } catch (error) {
    if (!['EACCES', 'EPERM', 'ENOTEMPTY'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  const thaw = async (folder: string): Promise<void> => {
    await chmod(folder, 0o755).catch(() => undefined);
    for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && !entry.isSymbolicLink()) await thaw(join(folder, entry.name));
    }
  };
  await thaw(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 2 });
}

/**
 * Splits the lab's check command (`node .lab/check.mjs --flag`) and points its `.lab/` arguments into
 * `copy`; `node` means the Node that runs this server, as it does for the kit.
 */
export function checkerArgv(command: string, copy: string): [string, ...string[]] {
  const [program = 'node', ...args] = command.trim().split(/\s+/);
  const moved = args.map((arg) => (arg === '.lab' || arg.startsWith('.lab/') ? join(copy, arg) : arg));
  return [program === 'node' ? process.execPath : program, ...moved];
}

export interface LaidChecker {
  /** The folder that holds the copy's `.lab/`. */
  dir: string;
  argv: [string, ...string[]];
  remove(): Promise<void>;
}

/** Lays a fresh, read-only copy of the checker in a new folder named `prefix…`. */
export async function layCheckerCopy(prefix: string, files: CheckerFiles, command: string): Promise<LaidChecker> {
  const dir = await mkdtemp(prefix);
  try {
    for (const path of Object.keys(files.hidden)) {
      if (!path.startsWith('.lab/')) throw new Error(`hidden lab file "${path}" is not under .lab/`);
    }
    await layFiles(dir, files.hidden);
    if (files.modules) await symlink(files.modules, join(dir, 'node_modules'), 'dir');
    await freeze(dir);
  } catch (error) {
    await removeTree(dir);
    throw error;
  }
  return { dir, argv: checkerArgv(command, dir), remove: () => removeTree(dir) };
}

/**
 * Replaces the workspace's `.lab/` with the lab's own files: written beside it, then swapped in with two
 * renames, so a Run starting meanwhile finds either the old folder or the new one, never half of one.
 * The kit's installed packages (`.lab/node_modules`, which the file API never lets a learner write) move
 * over to the fresh folder, so the embedded Redis and the launcher still find them.
 */
export async function relayWorkspaceLab(workspace: string, hidden: FileMap): Promise<void> {
  const fresh = await mkdtemp(join(workspace, '.lab-fresh-'));
  const old = `${fresh.replace('.lab-fresh-', '.lab-old-')}`;
  try {
    await layFiles(fresh, Object.fromEntries(Object.entries(hidden).map(([path, text]) => [relative('.lab', path), text])));
    await rename(join(workspace, '.lab', 'node_modules'), join(fresh, 'node_modules')).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(join(workspace, '.lab'), old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(fresh, join(workspace, '.lab'));
  } finally {
    await removeTree(fresh);
    await removeTree(old);
  }
}
