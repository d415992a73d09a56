/**
 * Learner file paths: workspace-relative POSIX paths that stay inside the workspace, out of the hidden
 * `.lab/` folder and out of the linked `node_modules`, also when symbolic links are involved.
 */
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readlink, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';

export class PathError extends Error {
  /** 400 for a path that is wrong in itself, 409 when the workspace changed under the write. */
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.name = 'PathError';
    this.status = status;
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

/** Creates `path` as a folder; one that appeared meanwhile (a parallel save into the same new folder) is fine. */
async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * The real folder `segments` lead to under `realRoot`, creating missing folders. Every existing step is
 * resolved through links and must stay inside the workspace and out of the lab's folders.
 */
async function resolveFolder(realRoot: string, path: string, segments: string[]): Promise<string> {
  let dir = realRoot;
  for (const segment of segments) {
    const next = join(dir, segment);
    if (!(await lstat(next).catch(() => undefined))) await makeFolder(next);
    const resolved = await realpath(next);
    if (!inside(realRoot, resolved)) throw new PathError(`"${path}" leads through a link that points outside the workspace; remove the link.`);
    if (!(await lstat(resolved)).isDirectory()) throw new PathError(`"${path}": "${segment}" is a file, not a folder.`);
    dir = resolved;
  }
  if (RESERVED.has(dir.slice(realRoot.length + 1).split(sep)[0] as string)) {
    throw new PathError(`"${path}" resolves into a folder that belongs to the lab.`);
  }
  return dir;
}

/**
 * Writes `content` to the learner path `path` under the workspace `root`, creating folders. Refuses a path
 * whose folders or file resolve (through links) outside the workspace or into the lab's folders, and a
 * file with more than one hard link (another name, perhaps outside, would see the write).
 *
 * The text goes to a new temporary file beside the target (O_EXCL | O_NOFOLLOW), which is renamed into
 * place: the target's old inode is never written through. After the temporary file is open, and again
 * after the rename, the folder is resolved once more and must still be the one inside the workspace that
 * holds this very file (same device and inode), which defeats a folder swapped for a link mid-write.
 */
export async function writeLearnerFile(root: string, path: string, content: string): Promise<void> {
  try {
    await write(root, path, content);
  } catch (error) {
    // A folder that vanished, turned into a file or a link loop under us: the workspace changed while we
    // wrote (the learner's shell, or an attack). Nothing escaped; the learner can simply save again.
    if (['ENOENT', 'ENOTDIR', 'ELOOP', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) {
      throw new PathError(`"${path}": the workspace changed while saving (${(error as NodeJS.ErrnoException).code}); nothing was written. Save again.`, 409);
    }
    throw error;
  }
}

async function write(root: string, path: string, content: string): Promise<void> {
  const segments = checkLearnerPath(path);
  const realRoot = await realpath(root);
  let dir = await resolveFolder(realRoot, path, segments.slice(0, -1));
  let name = segments.at(-1) as string;
  let stat = await lstat(join(dir, name)).catch(() => undefined);
  if (stat?.isSymbolicLink()) {
    // A link to another learner file is followed once; where it ends is checked like any path.
    const resolved = await realpath(join(dir, name)).catch(() => undefined);
    if (!resolved || !inside(realRoot, resolved)) throw new PathError(`"${path}" is a link that points outside the workspace; remove the link.`);
    dir = await resolveFolder(realRoot, path, resolved.slice(realRoot.length + 1).split(sep).slice(0, -1));
    name = resolved.slice(resolved.lastIndexOf(sep) + 1);
    stat = await lstat(join(dir, name)).catch(() => undefined);
    if (stat?.isSymbolicLink()) throw new PathError(`"${path}" is a link to a link; point it at the file itself.`);
  }
  if (stat?.isDirectory()) throw new PathError(`"${path}" is a folder, not a file.`);
  if (stat && !stat.isFile()) throw new PathError(`"${path}" is not a regular file.`);
  if (stat && stat.nlink > 1) {
    throw new PathError(`"${path}" has ${stat.nlink} hard links, so saving would change the other names too; delete the extra links (or the file) in the terminal.`);
  }

  const temporary = join(dir, `.${name}.saving-${randomBytes(6).toString('hex')}`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  let renamed = false;
  try {
    const own = await handle.stat();
    const stillInside = async (at: string): Promise<boolean> => {
      const folder = await realpath(dir).catch(() => undefined);
      if (folder === undefined || !inside(realRoot, folder)) return false;
      const seen = await lstat(join(folder, at)).catch(() => undefined);
      return seen !== undefined && seen.dev === own.dev && seen.ino === own.ino;
    };
    if (!(await stillInside(basename(temporary)))) {
      throw new PathError(`"${path}": a folder on the way was replaced while saving; nothing was written. Save again.`, 409);
    }
    await handle.writeFile(content, 'utf8');
    if (stat) await handle.chmod(stat.mode & 0o777);
    await handle.sync();
    await rename(temporary, join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new PathError(`"${path}": a folder on the way was replaced while saving; save again.`, 409);
      throw error;
    });
    renamed = true;
    if (!(await stillInside(name))) {
      throw new PathError(`"${path}": a folder on the way was replaced while saving; save again.`, 409);
    }
  } finally {
    if (!renamed) await removeOwnFile(handle, temporary);
    await handle.close();
  }
}

/**
 * Deletes the temporary file behind `handle` wherever it is now: when a folder was swapped, the path it
 * was created under may lead elsewhere, so on Linux its real place is read from /proc/self/fd. Only a file
 * with the handle's own inode is deleted.
 */
async function removeOwnFile(handle: FileHandle, created: string): Promise<void> {
  const own = await handle.stat().catch(() => undefined);
  const where = [await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined), created];
  for (const path of where) {
    if (path === undefined) continue;
    const seen = await lstat(path).catch(() => undefined);
    if (own && seen && seen.dev === own.dev && seen.ino === own.ino) {
      await unlink(path).catch(() => undefined);
      return;
    }
  }
}
