/**
 * Builds the `node_modules` that WebContainer mounts instead of running `npm install`: the lab apps'
 * runtime packages and everything they depend on, copied from the project's own install into a
 * temporary folder and packed with `@webcontainer/snapshot`.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshot } from '@webcontainer/snapshot';

/** What the visitor-counter app and the embedded Redis need at run time. */
export const LAB_PACKAGES = ['ioredis', 'ioredis-mock', 'redis-parser'];

/** The packages and their production dependencies, transitively, as installed (flat) in `modulesDir`. */
export async function dependencyClosure(modulesDir: string, roots: string[] = LAB_PACKAGES): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    let manifest: { dependencies?: Record<string, string> };
    try {
      manifest = JSON.parse(await readFile(join(modulesDir, name, 'package.json'), 'utf8')) as typeof manifest;
    } catch (cause) {
      throw new Error(`node_modules/${name}/package.json is missing or unreadable; run "npm install" before building.`, { cause });
    }
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return [...seen].sort();
}

export async function buildNodeModulesSnapshot(modulesDir: string): Promise<Uint8Array> {
  const packages = await dependencyClosure(modulesDir);
  const root = await mkdtemp(join(tmpdir(), 'tfl-snapshot-'));
  try {
    for (const name of packages) {
      await cp(join(modulesDir, name), join(root, 'node_modules', name), { recursive: true, dereference: true });
    }
    return new Uint8Array(await snapshot(root));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
