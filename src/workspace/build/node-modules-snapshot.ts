/**
 * Builds the `node_modules` that WebContainer mounts instead of running `npm install`: the packages a lab
 * needs and everything they depend on, copied from the project's own install without what a lab never
 * loads (docs, tests, type definitions, source maps, builds for other platforms), packed with
 * `@webcontainer/snapshot` and gzip-compressed for the wire (see
 * src/workspace/runtime/webcontainer/snapshot-fetch.ts for the page's side).
 *
 * A snapshot is named by its content, so labs that need the same packages share one file, and a host may
 * cache it forever.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { snapshot } from '@webcontainer/snapshot';
import type { Lab } from '../../lab-model/index.ts';

const gz = promisify(gzip);

/**
 * What every lab's workspace needs today: the app's Redis client and the kit's embedded Redis.
 * TODO(issue 7, item 4): build from each lab's declared packages (src/lab-model/packages.ts) plus the kit's.
 */
export const LAB_PACKAGES = ['ioredis', 'ioredis-mock', 'redis-parser'];

/** The packages whose closure goes into `lab`'s snapshot. */
export function labPackages(_lab: Lab): string[] {
  return LAB_PACKAGES;
}

/** `lab`'s snapshot, built from the project's own install (once per package list and build). */
export function labNodeModules(lab: Lab, modulesDir: string = join(process.cwd(), 'node_modules')): Promise<NodeModulesSnapshot> {
  return nodeModulesSnapshot(modulesDir, labPackages(lab));
}

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

const LICENSE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;
/** Folders at a package's root that hold no code a lab runs. */
const DROPPED_FOLDERS = new Set(['test', 'tests', '__tests__', 'spec', '.github', 'docs', 'doc', 'example', 'examples', 'benchmark', 'benchmarks', 'coverage']);
/** Files no lab loads: prose, type definitions, source maps, editor and linter settings, images. */
const DROPPED_FILES = [
  /\.(md|markdown)$/i,
  /^(readme|changelog|history|news|contributing|contributors|authors)(\.|$)/i,
  /\.map$/,
  /\.d\.[cm]?ts$/,
  /\.tsbuildinfo$/,
  /^tsconfig.*\.json$/,
  /^\.(eslintrc|prettierrc|npmignore|editorconfig|travis\.yml|gitattributes|gitignore)/,
  /^eslint\.config\./,
  /\.(png|jpe?g|gif|sketch|psd)$/i,
];
/** Bundles for browsers and CDNs: dropped unless the package's own code names them. */
const OTHER_BUILDS = /\.(min|umd)\.[cm]?js$/;

interface PackageManifest {
  browser?: string | Record<string, string | false>;
  unpkg?: string;
  jsdelivr?: string;
}

/** Files named by a package's `browser`, `unpkg` or `jsdelivr` field: builds for somewhere other than Node. */
function otherBuildTargets(manifest: PackageManifest): Set<string> {
  const targets = new Set<string>();
  const add = (target: unknown): void => {
    if (typeof target === 'string') targets.add(target.replace(/^\.\//, ''));
  };
  if (typeof manifest.browser === 'string') add(manifest.browser);
  else for (const target of Object.values(manifest.browser ?? {})) add(target);
  add(manifest.unpkg);
  add(manifest.jsdelivr);
  return targets;
}

/** Whether a lab may load `path` (relative to its package's folder, `/`-separated), before the build check. */
export function mayLoad(path: string): boolean {
  const parts = path.split('/');
  const name = parts.at(-1)!;
  if (LICENSE.test(name) || name === 'package.json') return true;
  if (parts.length > 1 && DROPPED_FOLDERS.has(parts[0]!)) return false;
  return !DROPPED_FILES.some((pattern) => pattern.test(name));
}

/** The files of one installed package that go into the snapshot, `/`-separated and relative to it. */
export async function packageFiles(packageDir: string): Promise<string[]> {
  const entries = await readdir(packageDir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(packageDir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter(mayLoad);
  const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as PackageManifest;
  const builds = otherBuildTargets(manifest);
  const candidates = files.filter((path) => builds.has(path) || OTHER_BUILDS.test(path));
  if (candidates.length === 0) return files.sort();
  // A build stays when the package's own code names it (e.g. debug's index.js requires './browser.js').
  const code = files.filter((path) => !candidates.includes(path) && path !== 'package.json' && /\.([cm]?js|json)$/.test(path));
  const texts = await Promise.all(code.map((path) => readFile(join(packageDir, path), 'utf8')));
  const named = (path: string): boolean => texts.some((text) => text.includes(path.split('/').at(-1)!));
  return files.filter((path) => !candidates.includes(path) || named(path)).sort();
}

export interface NodeModulesSnapshot {
  /** File name under the site's `labs/node-modules/`, from the content: `<hash>.bin`. */
  name: string;
  /** The gzip-compressed snapshot, as served. */
  gzip: Uint8Array;
  /** Size of the snapshot once decompressed (what WebContainer mounts). */
  bytes: number;
  packages: string[];
  files: number;
}

const built = new Map<string, Promise<NodeModulesSnapshot>>();

/** Builds (once per process and package list) the snapshot of `roots` and their dependencies. */
export function nodeModulesSnapshot(modulesDir: string, roots: string[] = LAB_PACKAGES): Promise<NodeModulesSnapshot> {
  const key = `${modulesDir}\n${[...roots].sort().join('\n')}`;
  let pending = built.get(key);
  if (!pending) {
    pending = buildNodeModulesSnapshot(modulesDir, roots);
    pending.catch(() => built.delete(key));
    built.set(key, pending);
  }
  return pending;
}

export async function buildNodeModulesSnapshot(modulesDir: string, roots: string[] = LAB_PACKAGES): Promise<NodeModulesSnapshot> {
  const packages = await dependencyClosure(modulesDir, roots);
  const root = await mkdtemp(join(tmpdir(), 'tfl-snapshot-'));
  try {
    // The name hashes paths and contents in a fixed order: the snapshot's own byte order is not fixed.
    const hash = createHash('sha256');
    let files = 0;
    for (const name of packages) {
      for (const path of await packageFiles(join(modulesDir, name))) {
        const contents = await readFile(join(modulesDir, name, path));
        const target = join(root, 'node_modules', name, path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, contents);
        hash.update(`${name}/${path}\0${contents.length}\0`).update(contents);
        files += 1;
      }
    }
    const raw = await snapshot(root);
    const compressed = await gz(raw, { level: constants.Z_BEST_COMPRESSION });
    return { name: `${hash.digest('hex').slice(0, 16)}.bin`, gzip: new Uint8Array(compressed), bytes: raw.length, packages, files };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
