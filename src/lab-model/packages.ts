/**
 * A workspace's `node_modules`: exactly the packages the app declares (package.json, and
 * package-lock.json when present), with their dependencies, installed offline from the course's own
 * install. Nothing else is reachable, so an app that imports a package it does not declare fails with
 * Node's usual "Cannot find package" error, as it would after `npm install` on a fresh machine.
 *
 * The course's `node_modules` is the source. Each package needed is copied once into a package store
 * under the system's temporary folder (one folder per package path and version) and hard-linked from
 * there into workspaces, which costs a few milliseconds per workspace. Stored files are read-only; one
 * changed anyway through a workspace (a hard link shares the file) is noticed by size and time and its
 * entry rebuilt.
 * The layout of the course's install is kept (a package nested under another stays nested), so Node
 * resolves every import in a workspace exactly as it does in the course.
 *
 * The checker kit's own packages (the embedded Redis and its client) go to `.lab/node_modules`, where
 * the kit finds them and the app does not.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileMap } from '../workspace/runtime/types.ts';
import { satisfies } from './semver-lite.ts';

/** What the checker kit needs at run time (the embedded Redis, its RESP parser, the checker's client). */
export const KIT_PACKAGES: readonly string[] = ['ioredis', 'ioredis-mock', 'redis-parser'];

/** What an app declares: package names, the ranges package.json asks for, the versions a lockfile pins. */
export interface Declaration {
  names: Set<string>;
  /** name → range from package.json, e.g. "^5.4.0". */
  ranges: Map<string, { range: string; field: string }>;
  /** name → exact version from package-lock.json (top-level entries only). */
  locked: Map<string, string>;
  /** Problems reading the declaration (a package.json that is not JSON, …), each naming the file. */
  problems: string[];
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
const TOP_LEVEL_LOCK = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/;

function parse(file: string, text: string, problems: string[]): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${file}: expected a JSON object; no packages were installed from it.`);
  } catch (error) {
    problems.push(`${file}: not valid JSON (${(error as Error).message}); no packages were installed from it.`);
  }
  return undefined;
}

/** Reads the app's declaration from its files (`package.json`, `package-lock.json` at the root). */
export function readDeclaration(files: FileMap): Declaration {
  const declaration: Declaration = { names: new Set(), ranges: new Map(), locked: new Map(), problems: [] };
  const pkgText = files['package.json'];
  const pkg = pkgText === undefined ? undefined : parse('package.json', pkgText, declaration.problems);
  for (const field of DEPENDENCY_FIELDS) {
    const deps = pkg?.[field];
    if (deps === undefined) continue;
    if (typeof deps !== 'object' || deps === null || Array.isArray(deps)) {
      declaration.problems.push(`package.json: ${field}: expected an object of package names and versions.`);
      continue;
    }
    for (const [name, range] of Object.entries(deps)) {
      declaration.names.add(name);
      if (typeof range === 'string') declaration.ranges.set(name, { range, field });
    }
  }
  const lockText = files['package-lock.json'];
  const lock = lockText === undefined ? undefined : parse('package-lock.json', lockText, declaration.problems);
  const packages = lock?.['packages'];
  if (packages && typeof packages === 'object') {
    for (const [path, entry] of Object.entries(packages as Record<string, { version?: unknown }>)) {
      const name = TOP_LEVEL_LOCK.exec(path)?.[1];
      if (!name) continue;
      declaration.names.add(name);
      if (typeof entry?.version === 'string') declaration.locked.set(name, entry.version);
    }
  }
  return declaration;
}

/** The package names an app's files declare (package.json's dependency fields and package-lock.json's top level). */
export function declaredPackages(files: FileMap): Set<string> {
  return readDeclaration(files).names;
}

/** The course's own `node_modules`: next to `src/` in the repository, or under the working directory once bundled. */
export function courseModulesDir(): string {
  const beside = fileURLToPath(new URL('../../node_modules', import.meta.url));
  return existsSync(join(beside, 'ioredis')) ? beside : resolve(process.cwd(), 'node_modules');
}

/** One package as installed in the course: its path under node_modules (`ioredis`, `a/node_modules/b`). */
export interface ResolvedPackage {
  path: string;
  name: string;
  version: string;
}

export interface Resolution {
  packages: ResolvedPackage[];
  problems: string[];
}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The folder a package at `path` resolves its own imports from first, then each parent's. */
function lookupChain(path: string): string[] {
  const chain: string[] = [];
  for (let at: string | undefined = path; at !== undefined; ) {
    chain.push(at);
    const cut = at.lastIndexOf('/node_modules/');
    at = at === '' ? undefined : cut === -1 ? '' : at.slice(0, cut);
  }
  return chain;
}

/**
 * The declared packages and everything they depend on (dependencies, optional ones when installed, peers
 * when installed), transitively, as laid out in `modulesDir`. A declared package the course does not have
 * is a problem, not an exception: the app then fails to import it, as it would anywhere.
 */
export async function resolvePackages(declared: Iterable<string>, modulesDir: string = courseModulesDir()): Promise<Resolution> {
  // The course's install changes only with "npm install", which rewrites node_modules/.package-lock.json.
  const stamp = await stat(join(modulesDir, '.package-lock.json')).then((s) => s.mtimeMs, () => 0);
  const key = `${modulesDir}\0${stamp}\0${[...new Set(declared)].sort().join('\0')}`;
  let cached = resolutions.get(key);
  if (!cached) {
    cached = resolveUncached([...new Set(declared)], modulesDir);
    resolutions.set(key, cached);
    cached.catch(() => resolutions.delete(key));
  }
  const { packages, problems } = await cached;
  return { packages: [...packages], problems: [...problems] };
}

const resolutions = new Map<string, Promise<Resolution>>();

async function resolveUncached(declared: string[], modulesDir: string): Promise<Resolution> {
  const manifests = new Map<string, PackageJson | null>();
  const read = async (path: string): Promise<PackageJson | null> => {
    if (!manifests.has(path)) {
      const text = await readFile(join(modulesDir, path, 'package.json'), 'utf8').catch(() => null);
      manifests.set(path, text === null ? null : (JSON.parse(text) as PackageJson));
    }
    return manifests.get(path) ?? null;
  };
  const find = async (from: string, name: string): Promise<string | undefined> => {
    for (const dir of lookupChain(from)) {
      const candidate = dir === '' ? name : `${dir}/node_modules/${name}`;
      if (await read(candidate)) return candidate;
    }
    return undefined;
  };

  const problems: string[] = [];
  const found = new Map<string, ResolvedPackage>();
  const queue: string[] = [];
  for (const name of [...declared].sort()) {
    const path = await find('', name);
    if (path) queue.push(path);
    else problems.push(`"${name}" is not among the packages the course provides, so it is not installed; the labs install offline from the course's own node_modules.`);
  }
  while (queue.length > 0) {
    const path = queue.shift() as string;
    if (found.has(path)) continue;
    const manifest = (await read(path)) as PackageJson;
    const cut = path.lastIndexOf('/node_modules/');
    const name = cut === -1 ? path : path.slice(cut + '/node_modules/'.length);
    found.set(path, { path, name, version: manifest.version ?? '0.0.0' });
    const required = Object.keys(manifest.dependencies ?? {});
    // Peers count when installed (npm installs them too); type-only packages never run.
    const optional = [...Object.keys(manifest.optionalDependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {}).filter((dep) => !dep.startsWith('@types/'))];
    for (const dep of required) {
      const at = await find(path, dep);
      if (at) queue.push(at);
      else if (!(dep in (manifest.optionalDependencies ?? {}))) problems.push(`"${name}" needs "${dep}", which the course's node_modules lacks; run "npm ci" in the course.`);
    }
    for (const dep of optional) {
      const at = await find(path, dep);
      if (at) queue.push(at);
    }
  }
  return { packages: [...found.values()].sort((a, b) => a.path.localeCompare(b.path)), problems };
}

/** Problems with the versions an app asks for, compared with what the course has installed. */
export function versionProblems(declaration: Declaration, resolution: Resolution): string[] {
  const problems: string[] = [];
  const top = new Map(resolution.packages.filter((p) => !p.path.includes('/node_modules/')).map((p) => [p.path, p.version]));
  for (const [name, { range, field }] of declaration.ranges) {
    const version = top.get(name);
    if (version !== undefined && satisfies(version, range) === false) {
      problems.push(`package.json: ${field}.${name}: asks for "${range}", but the course provides ${name} ${version}; use a range that includes ${version}.`);
    }
  }
  for (const [name, version] of declaration.locked) {
    const installed = top.get(name);
    if (installed !== undefined && installed !== version) {
      problems.push(`package-lock.json: pins ${name} ${version}, but the course provides ${name} ${installed}; ${name} ${installed} is installed.`);
    }
  }
  return problems;
}

// ── the package store ────────────────────────────────────────────────────────────────────────────

interface StoreEntry {
  dir: string;
  /** Folders to create (relative), parents first. */
  dirs: string[];
  /** Files: relative path, size, modification time when stored. */
  files: [string, number, number][];
}

const STORE_MANIFEST = '.lab-store.json';
/**
 * A store entry is compared with its recorded sizes and times at most this often per process: checking
 * every file on every install would cost more than the install itself, and the files are read-only.
 */
const RECHECK_MS = 30_000;
const lastChecked = new Map<string, number>();

/** The package store: under the system's temporary folder, so hard links into workspaces work. */
export function defaultStoreDir(): string {
  return join(tmpdir(), 'twelve-factor-labs-packages');
}

async function listTree(root: string, rel = '', out: { dirs: string[]; files: string[] } = { dirs: [], files: [] }): Promise<{ dirs: string[]; files: string[] }> {
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    // Nested packages are store entries of their own; the top of a package's own node_modules is skipped.
    if (rel === '' && entry.name === 'node_modules') continue;
    if (entry.isDirectory()) {
      out.dirs.push(path);
      await listTree(root, path, out);
    } else if (entry.isFile()) out.files.push(path);
  }
  return out;
}

async function intact(entry: StoreEntry): Promise<boolean> {
  const checks = await Promise.all(entry.files.map(async ([path, size, mtime]) => {
    const now = await stat(join(entry.dir, path)).catch(() => null);
    return now !== null && now.size === size && now.mtimeMs === mtime;
  }));
  return checks.every(Boolean);
}

/** The store entry for a package, built from the course's install when missing or changed. */
async function storeEntry(pkg: ResolvedPackage, modulesDir: string, storeDir: string, recheckMs: number): Promise<StoreEntry> {
  const dir = join(storeDir, `${pkg.path.replaceAll('/', '+')}@${pkg.version}`);
  const manifestFile = join(dir, STORE_MANIFEST);
  const existing = await readFile(manifestFile, 'utf8').then((t) => JSON.parse(t) as Omit<StoreEntry, 'dir'>).catch(() => null);
  if (existing) {
    const entry = { ...existing, dir };
    const checked = lastChecked.get(dir);
    if (checked !== undefined && performance.now() - checked < recheckMs) return entry;
    if (await intact(entry)) {
      lastChecked.set(dir, performance.now());
      return entry;
    }
    await rm(dir, { recursive: true, force: true });
  }
  // Built beside its final place and renamed into it, so a concurrent builder never sees half an entry.
  const building = `${dir}.building-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const source = join(modulesDir, pkg.path);
  const tree = await listTree(source);
  await mkdir(building, { recursive: true });
  for (const sub of tree.dirs) await mkdir(join(building, sub), { recursive: true });
  // Read-only, and so are its hard links in workspaces: an edit there cannot reach the store by accident.
  await Promise.all(tree.files.map(async (file) => {
    await copyFile(join(source, file), join(building, file));
    await chmod(join(building, file), 0o444);
  }));
  const files = await Promise.all(tree.files.map(async (file): Promise<[string, number, number]> => {
    const info = await stat(join(building, file));
    return [file, info.size, info.mtimeMs];
  }));
  await writeFile(join(building, STORE_MANIFEST), JSON.stringify({ dirs: tree.dirs, files }));
  try {
    await rename(building, dir);
  } catch {
    await rm(building, { recursive: true, force: true });
    const raced = await readFile(manifestFile, 'utf8').then((t) => JSON.parse(t) as Omit<StoreEntry, 'dir'>);
    return { ...raced, dir };
  }
  return { dirs: tree.dirs, files, dir };
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw error;
    await copyFile(from, to);
  }
}

export interface InstallOptions {
  /** The course's install to take packages from; default: the course's own node_modules. */
  modulesDir?: string;
  /** Where the package store lives; default: a folder in the system's temporary folder. */
  storeDir?: string;
  /** How long a store entry found intact is trusted before its files are compared again (default 30 s). */
  recheckMs?: number;
}

export interface InstallReport {
  /** Installed packages, as `name@version` at their path under node_modules. */
  packages: ResolvedPackage[];
  /** Declared packages that could not be installed, versions that differ, unreadable files. */
  problems: string[];
  ms: number;
}

/**
 * Replaces `<dir>/node_modules` with exactly `declared` (package names, or an app's Declaration) and their
 * dependencies, hard-linked from the package store. Never throws for a package the course lacks: that is
 * reported, and the app's import then fails as it would anywhere.
 */
export async function installPackages(dir: string, declared: Iterable<string> | Declaration, options: InstallOptions = {}): Promise<InstallReport> {
  const started = performance.now();
  const modulesDir = options.modulesDir ?? courseModulesDir();
  const storeDir = options.storeDir ?? defaultStoreDir();
  const declaration = isDeclaration(declared) ? declared : undefined;
  const names = declaration ? declaration.names : new Set(declared as Iterable<string>);
  const resolution = await resolvePackages(names, modulesDir);
  const target = join(dir, 'node_modules');
  await rm(target, { recursive: true, force: true });
  await mkdir(storeDir, { recursive: true });
  const entries = await Promise.all(resolution.packages.map((pkg) => storeEntry(pkg, modulesDir, storeDir, options.recheckMs ?? RECHECK_MS)));
  await Promise.all(resolution.packages.map(async (pkg, i) => {
    const entry = entries[i] as StoreEntry;
    const into = join(target, pkg.path);
    await mkdir(into, { recursive: true });
    for (const sub of entry.dirs) await mkdir(join(into, sub), { recursive: true });
    await Promise.all(entry.files.map(([file]) => linkOrCopy(join(entry.dir, file), join(into, file))));
  }));
  const problems = [...(declaration?.problems ?? []), ...resolution.problems, ...(declaration ? versionProblems(declaration, resolution) : [])];
  return { packages: resolution.packages, problems, ms: Math.round(performance.now() - started) };
}

function isDeclaration(value: Iterable<string> | Declaration): value is Declaration {
  return typeof value === 'object' && value !== null && 'names' in value && 'problems' in value;
}
