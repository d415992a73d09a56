/**
 * Learner file paths: workspace-relative POSIX paths that stay inside the workspace, out of the hidden
 * `.lab/` folder and out of the linked `node_modules`, also when symbolic links are involved.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';

export class PathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathError';
  }
}

const RESERVED = new Set(['.lab', 'node_modules']);

/** Throws PathError unless `path` is an acceptable learner path; returns its segments. */
export function checkLearnerPath(path: string): string[] {
  const fail = (why: string): never => {
    throw new PathError(`"${path}" ${why}; use a relative path inside the workspace such as "app.js" or "src/counter.js".`);
  };
  if (path.length === 0 || path.length > 240) fail('is empty or too long');
  if (path.includes('\0') || path.includes('\\')) fail('contains a NUL byte or a backslash');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) fail('is absolute');
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.') fail('has an empty segment');
    if (segment === '..') fail('climbs out with ".."');
  }
  if (RESERVED.has(segments[0] as string)) fail(`is inside "${segments[0]}/", which belongs to the lab, not to the learner`);
  return segments;
}

function inside(root: string, target: string): boolean {
  return target === root || target.startsWith(root + sep);
}

/**
 * Writes `content` to the learner path `path` under the workspace `root`, creating folders. Refuses a
 * path whose existing folders or file resolve (through symbolic links) outside the workspace.
 */
export async function writeLearnerFile(root: string, path: string, content: string): Promise<void> {
  const segments = checkLearnerPath(path);
  const realRoot = await realpath(root);
  let dir = realRoot;
  for (const segment of segments.slice(0, -1)) {
    const next = join(dir, segment);
    const stat = await lstat(next).catch(() => undefined);
    if (!stat) {
      await mkdir(next);
      dir = next;
      continue;
    }
    const resolved = await realpath(next);
    if (!inside(realRoot, resolved)) throw new PathError(`"${path}" leads through a link that points outside the workspace; remove the link.`);
    if (!(await lstat(resolved)).isDirectory()) throw new PathError(`"${path}": "${segment}" is a file, not a folder.`);
    dir = resolved;
  }
  let target = join(dir, segments.at(-1) as string);
  const stat = await lstat(target).catch(() => undefined);
  if (stat?.isSymbolicLink()) {
    const resolved = await realpath(target).catch(() => undefined);
    if (!resolved || !inside(realRoot, resolved)) throw new PathError(`"${path}" is a link that points outside the workspace; remove the link.`);
    target = resolved;
  }
  if (stat?.isDirectory()) throw new PathError(`"${path}" is a folder, not a file.`);
  if (RESERVED.has(target.slice(realRoot.length + 1).split(sep)[0] as string)) {
    throw new PathError(`"${path}" resolves into a folder that belongs to the lab.`);
  }
  // O_NOFOLLOW: a link swapped in since the checks above makes the open fail instead of escaping.
  const handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(content, 'utf8');
  } finally {
    await handle.close();
  }
}
