/** Converts flat workspace paths into the nested tree shape that `WebContainer#mount` takes. */
import type { FileMap } from '../types.ts';

/** Structurally the `FileSystemTree` of `@webcontainer/api`, restricted to text files and folders. */
export interface TreeLike {
  [name: string]: { file: { contents: string } } | { directory: TreeLike };
}

export function toTree(files: FileMap): TreeLike {
  const root: TreeLike = {};
  for (const [path, contents] of Object.entries(files)) {
    const parts = path.split('/').filter((part) => part !== '' && part !== '.');
    if (parts.length === 0 || parts.includes('..')) throw new Error(`"${path}" is not a path inside the lab workspace.`);
    let folder = root;
    for (const name of parts.slice(0, -1)) {
      const existing = folder[name];
      if (existing && 'file' in existing) throw new Error(`"${path}" needs "${name}" to be a folder, but it is a file.`);
      const next = existing ?? { directory: {} };
      folder[name] = next;
      folder = next.directory;
    }
    folder[parts.at(-1)!] = { file: { contents } };
  }
  return root;
}
