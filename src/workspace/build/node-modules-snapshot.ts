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
import { courseModulesDir, declaredPackages, KIT_PACKAGES, resolvePackages, type Lab } from '../../lab-model/index.ts';

const gz = promisify(gzip);

/**
 * What goes into a lab's snapshot, laid out as the local runner installs a workspace
 * (src/lab-model/packages.ts): the packages the app declares in `node_modules`, and the checker kit's own
 * in `.lab/node_modules`, each with everything it depends on.
 */
export interface SnapshotPlan {
  app: string[];
  kit: string[];
}

/**
 * `lab`'s plan: what its starter or its solution declares (a lab whose fix adds a dependency has it ready,
 * as the course's own install has it), and the kit's packages.
 */
export function labPackages(lab: Lab): SnapshotPlan {
  const app = new Set([...declaredPackages(lab.starter), ...declaredPackages(lab.solution)]);
  return { app: [...app].sort(), kit: [...KIT_PACKAGES].sort() };
}

/** `lab`'s snapshot, built from the project's own install (once per package plan and build). */
export function labNodeModules(lab: Lab, modulesDir: string = courseModulesDir()): Promise<NodeModulesSnapshot> {
  return nodeModulesSnapshot(modulesDir, labPackages(lab));
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
    // A package nested in this one's node_modules is resolved (and copied) on its own.
    .filter((path) => !path.startsWith('node_modules/') && mayLoad(path));
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
  /** Installed packages, as paths under the workspace (`node_modules/ioredis`, `.lab/node_modules/denque`). */
  packages: string[];
  files: number;
}

const built = new Map<string, Promise<NodeModulesSnapshot>>();

/** Builds (once per process and plan) the snapshot of a plan's packages and their dependencies. */
export function nodeModulesSnapshot(modulesDir: string, plan: SnapshotPlan): Promise<NodeModulesSnapshot> {
  const key = JSON.stringify([modulesDir, [...plan.app].sort(), [...plan.kit].sort()]);
  let pending = built.get(key);
  if (!pending) {
    pending = buildNodeModulesSnapshot(modulesDir, plan);
    pending.catch(() => built.delete(key));
    built.set(key, pending);
  }
  return pending;
}

export async function buildNodeModulesSnapshot(modulesDir: string, plan: SnapshotPlan): Promise<NodeModulesSnapshot> {
  const root = await mkdtemp(join(tmpdir(), 'tfl-snapshot-'));
  try {
    // The name hashes paths and contents in a fixed order: the snapshot's own byte order is not fixed.
    const hash = createHash('sha256');
    const packages: string[] = [];
    let files = 0;
    for (const [folder, names] of [['node_modules', plan.app], ['.lab/node_modules', plan.kit]] as const) {
      const { packages: resolved, problems } = await resolvePackages(names, modulesDir);
      if (problems.length > 0) throw new Error(`The WebContainer snapshot cannot be built: ${problems.join(' ')}`);
      for (const { path } of resolved) {
        packages.push(`${folder}/${path}`);
        for (const file of await packageFiles(join(modulesDir, path))) {
          const contents = await readFile(join(modulesDir, path, file));
          const target = join(root, folder, path, file);
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, contents);
          hash.update(`${folder}/${path}/${file}\0${contents.length}\0`).update(contents);
          files += 1;
        }
      }
    }
    const raw = await snapshot(root);
    const compressed = await gz(raw, { level: constants.Z_BEST_COMPRESSION });
    return { name: `${hash.digest('hex').slice(0, 16)}.bin`, gzip: new Uint8Array(compressed), bytes: raw.length, packages, files };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
