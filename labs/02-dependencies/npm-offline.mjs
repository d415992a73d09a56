// @ts-check
// Just enough of npm, offline, for this lab: write a lockfile from package.json (`npm install
// --package-lock-only`), tell whether a lockfile is in step with package.json (what `npm ci` refuses to
// install otherwise), and install exactly what a lockfile records, production only if asked
// (`npm ci --omit=dev`). The lab has no registry: its "registry" is the folder the checker kit's own
// packages live in, which holds ioredis and ioredis-mock with everything they depend on, at the versions
// the course ships. The checks, the lab's tasks and the lab's authors (to write the solution's lockfile)
// all use this one module, so a lockfile the task writes is one the checks accept.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages a learner can install in this lab, with everything they depend on. */
export const OFFERED = ['ioredis', 'ioredis-mock'];
export const DEPENDENCY_FIELDS = /** @type {const} */ (['dependencies', 'devDependencies', 'optionalDependencies']);

/**
 * @typedef {Record<string, string> | undefined} Deps
 * @typedef {{ name?: string | undefined, version?: string | undefined, license?: string | undefined,
 *   dependencies?: Deps, devDependencies?: Deps, optionalDependencies?: Deps, peerDependencies?: Deps,
 *   peerDependenciesMeta?: Record<string, { optional?: boolean }> | undefined, engines?: Deps }} Manifest
 * @typedef {Manifest & { resolved?: string | undefined, integrity?: string | undefined, dev?: boolean | undefined,
 *   optional?: boolean | undefined, peer?: boolean | undefined, link?: boolean | undefined }} LockEntry
 * @typedef {{ name?: string | undefined, version?: string | undefined, lockfileVersion?: number | undefined,
 *   requires?: boolean | undefined, packages?: Record<string, LockEntry> | undefined }} Lockfile
 * @typedef {{ path: string, name: string, version: string, manifest: Manifest }} StoredPackage
 */

/**
 * The folder of installed packages the lab installs from: the first `node_modules` above this file that
 * holds the kit's packages (`.lab/node_modules` in a workspace; the course's own beside a checker copy).
 * A workspace's own node_modules never counts: that is what the learner's app declared, not a registry.
 */
export function storeDir(from = fileURLToPath(import.meta.url), workspace = process.cwd()) {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules');
    if (resolve(dir) !== resolve(workspace) && OFFERED.every((name) => existsSync(join(candidate, name, 'package.json')))) return candidate;
    if (dirname(dir) === dir) throw new Error(`The lab's offline package store was not found above ${from}: the kit's packages (${OFFERED.join(', ')}) are missing.`);
  }
}

/** The folders a package at `path` looks up its own dependencies from, nearest first. @param {string} path */
function lookupChain(path) {
  const chain = [];
  for (let at = path; ; ) {
    chain.push(at);
    if (at === '') return chain;
    const cut = at.lastIndexOf('/node_modules/');
    at = cut === -1 ? '' : at.slice(0, cut);
  }
}

/** `a/node_modules/@s/b` → `@s/b`. @param {string} path */
export const nameOf = (path) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/**
 * The offline store: every package reachable from OFFERED, laid out as in `dir`.
 * @param {string} [dir]
 */
export function openStore(dir = storeDir()) {
  /** @type {Map<string, Manifest | null>} */
  const manifests = new Map();
  const read = (/** @type {string} */ path) => {
    if (!manifests.has(path)) {
      try {
        manifests.set(path, JSON.parse(readFileSync(join(dir, path, 'package.json'), 'utf8')));
      } catch {
        manifests.set(path, null);
      }
    }
    return manifests.get(path) ?? null;
  };
  /** Where `name` resolves from a package at `from` ('' is the top): as Node would look it up. */
  const find = (/** @type {string} */ from, /** @type {string} */ name) => {
    for (const at of lookupChain(from)) {
      const candidate = at === '' ? name : `${at}/node_modules/${name}`;
      if (read(candidate)) return candidate;
    }
    return undefined;
  };
  /** @type {Map<string, StoredPackage>} */
  const packages = new Map();
  const queue = OFFERED.map((name) => find('', name)).filter((p) => p !== undefined);
  while (queue.length) {
    const path = /** @type {string} */ (queue.shift());
    if (packages.has(path)) continue;
    const manifest = /** @type {Manifest} */ (read(path));
    packages.set(path, { path, name: nameOf(`node_modules/${path}`), version: manifest.version ?? '0.0.0', manifest });
    for (const dep of edgesOf(manifest).map((e) => e.name)) {
      const at = find(path, dep);
      if (at) queue.push(at);
    }
  }
  /** The stored copy of `name` at exactly `version`, wherever it sits. */
  const exact = (/** @type {string} */ name, /** @type {string} */ version) => [...packages.values()].find((p) => p.name === name && p.version === version);
  const versions = (/** @type {string} */ name) => [...new Set([...packages.values()].filter((p) => p.name === name).map((p) => p.version))];
  // npm's record of the store's own install, when it is a real npm install: the tarballs' integrity.
  /** @type {Record<string, { version?: string, resolved?: string, integrity?: string }>} */
  const hidden = JSON.parse(readText(join(dir, '.package-lock.json')) ?? '{}').packages ?? {};
  const origin = (/** @type {string} */ path, /** @type {string} */ version) => (hidden[`node_modules/${path}`]?.version === version ? hidden[`node_modules/${path}`] : undefined);
  const semver = createRequire(join(dir, '..', 'resolve-from-store.js'))('semver');
  return { dir, packages, origin, find: (/** @type {string} */ from, /** @type {string} */ name) => { const at = find(from, name); return at && packages.has(at) ? at : undefined; }, exact, versions, satisfies: (/** @type {string} */ version, /** @type {string} */ range) => semver.satisfies(version, range, { includePrerelease: false }), validRange: (/** @type {string} */ range) => semver.validRange(range) !== null };
}

/** @typedef {ReturnType<typeof openStore>} Store */

/**
 * A package's outgoing edges, as npm installs them: dependencies, optional ones, and peers (npm 7+
 * installs peers too; type-only peers never run, so they are left out here).
 * @param {Manifest} manifest
 */
function edgesOf(manifest) {
  return [
    ...Object.keys(manifest.dependencies ?? {}).map((name) => ({ name, peer: false, optional: false })),
    ...Object.keys(manifest.optionalDependencies ?? {}).map((name) => ({ name, peer: false, optional: true })),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((name) => !name.startsWith('@types/')).map((name) => ({ name, peer: true, optional: manifest.peerDependenciesMeta?.[name]?.optional === true })),
  ];
}

/** package.json's dependency fields as [field, name, range] triples. @param {Manifest} pkg */
export function declared(pkg) {
  return DEPENDENCY_FIELDS.flatMap((field) => Object.entries(pkg[field] ?? {}).map(([name, range]) => /** @type {[typeof field, string, string]} */ ([field, name, String(range)])));
}

/**
 * The lockfile `npm install --package-lock-only` would write for `pkg`, from the offline store, or the
 * problems that stop it (a package the store lacks, a range no stored version satisfies).
 * @param {Manifest} pkg
 * @param {Store} store
 * @returns {{ lock?: Lockfile, problems: string[] }}
 */
export function buildLockfile(pkg, store) {
  const problems = [];
  /** path → how it is reached: from production roots, through non-peer edges */
  const reach = new Map();
  /** @type {{ path: string, prod: boolean, direct: boolean }[]} */
  const queue = [];
  for (const [field, name, range] of declared(pkg)) {
    const path = store.find('', name);
    if (!path) {
      problems.push(`"${name}" (${field}) is not in this lab's offline package store, which offers ${OFFERED.join(' and ')} and what they need.`);
      continue;
    }
    const version = /** @type {StoredPackage} */ (store.packages.get(path)).version;
    if (!store.validRange(range)) problems.push(`${field}.${name}: "${range}" is not a version range npm understands; write one such as "^${version}".`);
    else if (!store.satisfies(version, range)) problems.push(`${field}.${name}: "${range}" does not include ${version}, the only version this lab's offline store has; write "^${version}".`);
    queue.push({ path, prod: field !== 'devDependencies', direct: true });
  }
  if (problems.length) return { problems };
  while (queue.length) {
    const { path, prod, direct } = /** @type {{ path: string, prod: boolean, direct: boolean }} */ (queue.shift());
    const was = reach.get(path);
    const now = { prod: prod || was?.prod === true, direct: direct || was?.direct === true };
    if (was && was.prod === now.prod && was.direct === now.direct) continue;
    reach.set(path, now);
    const { manifest } = /** @type {StoredPackage} */ (store.packages.get(path));
    for (const edge of edgesOf(manifest)) {
      const at = store.find(path, edge.name);
      if (at) queue.push({ path: at, prod: now.prod, direct: now.direct && !edge.peer });
      else if (!edge.optional) problems.push(`${nameOf(`node_modules/${path}`)} needs ${edge.name}, which this lab's offline store lacks.`);
    }
  }
  /** @type {Record<string, LockEntry>} */
  const packages = { '': rootEntry(pkg) };
  for (const path of [...reach.keys()].sort()) {
    const { manifest, name, version } = /** @type {StoredPackage} */ (store.packages.get(path));
    const how = reach.get(path);
    const base = name.split('/').pop();
    packages[`node_modules/${path}`] = strip({
      version,
      resolved: store.origin(path, version)?.resolved ?? `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`,
      integrity: store.origin(path, version)?.integrity,
      dev: how.prod ? undefined : true,
      peer: how.direct ? undefined : true,
      license: manifest.license,
      dependencies: manifest.dependencies,
      optionalDependencies: manifest.optionalDependencies,
      engines: manifest.engines,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
    });
  }
  return { lock: { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages }, problems };
}

/** @param {Manifest} pkg */
function rootEntry(pkg) {
  return strip({ name: pkg.name, version: pkg.version, license: pkg.license, dependencies: pkg.dependencies, devDependencies: pkg.devDependencies, optionalDependencies: pkg.optionalDependencies });
}

/** @template {Record<string, unknown>} T @param {T} entry @returns {T} */
function strip(entry) {
  return /** @type {T} */ (Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0))));
}

/** The lockfile as npm formats it: two-space JSON and a final newline. @param {Lockfile} lock */
export const formatLockfile = (lock) => `${JSON.stringify(lock, null, 2)}\n`;

/**
 * Why `npm ci` would refuse this lockfile for this package.json: missing, unreadable, or out of step (a
 * dependency added, moved, removed or re-ranged in package.json since the lockfile was written).
 * @param {Manifest} pkg
 * @param {string | undefined} lockText
 * @param {Store} store
 * @returns {{ lock?: Lockfile, problems: string[] }}
 */
export function lockfileProblems(pkg, lockText, store) {
  if (lockText === undefined) return { problems: ['there is no package-lock.json, so nothing pins the versions: `npm ci` refuses to install without one, and `npm install` takes whatever is newest that day'] };
  /** @type {Lockfile} */
  let lock;
  try {
    lock = JSON.parse(lockText);
  } catch (error) {
    return { problems: [`package-lock.json is not valid JSON (${/** @type {Error} */ (error).message})`] };
  }
  if (typeof lock !== 'object' || lock === null || typeof lock.packages !== 'object' || lock.packages === null || !((lock.lockfileVersion ?? 0) >= 2)) {
    return { problems: ['package-lock.json has no "packages" section of lockfileVersion 2 or 3, which is what npm 7 and later write and `npm ci` reads'] };
  }
  const problems = [];
  const root = lock.packages[''] ?? {};
  for (const field of DEPENDENCY_FIELDS) {
    const inPkg = pkg[field] ?? {};
    const inLock = root[field] ?? {};
    for (const [name, range] of Object.entries(inPkg)) {
      if (!(name in inLock)) {
        const elsewhere = DEPENDENCY_FIELDS.find((f) => f !== field && name in (root[f] ?? {}));
        problems.push(elsewhere ? `package.json has ${name} in ${field}, the lockfile still in ${elsewhere}` : `package.json has ${name} in ${field}, the lockfile does not have it at all`);
      } else if (inLock[name] !== range) problems.push(`package.json asks for ${name} "${range}", the lockfile was written for "${inLock[name]}"`);
    }
    for (const name of Object.keys(inLock)) {
      if (!(name in inPkg) && !DEPENDENCY_FIELDS.some((f) => name in (pkg[f] ?? {}))) problems.push(`the lockfile still lists ${name} in ${field}, package.json no longer does`);
    }
  }
  for (const [field, name, range] of declared(pkg)) {
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry?.version) problems.push(`the lockfile has no entry node_modules/${name} for ${name} (${field})`);
    else if (store.validRange(range) && !store.satisfies(entry.version, range)) problems.push(`the lockfile pins ${name} ${entry.version}, which package.json's "${range}" does not allow`);
    else if (field !== 'devDependencies' && entry.dev) problems.push(`the lockfile marks ${name} as a development-only package, but package.json lists it in ${field}`);
  }
  return { lock, problems };
}

/**
 * Installs what `lock` records into `<dir>/node_modules`, from the offline store: each package at its
 * locked path and exact locked version. `omitDev` leaves out packages the lockfile marks dev, as
 * `npm ci --omit=dev` (a production install) does.
 * @param {string} dir
 * @param {Lockfile} lock
 * @param {Store} store
 * @param {{ omitDev?: boolean }} [options]
 */
export function installFromLockfile(dir, lock, store, { omitDev = false } = {}) {
  /** @type {{ path: string, name: string, version: string }[]} */
  const installed = [];
  const problems = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || entry.link) continue;
    if (omitDev && entry.dev) continue;
    const name = nameOf(path);
    const version = entry.version ?? '';
    const found = store.exact(name, version);
    if (!found) {
      const have = store.versions(name);
      problems.push(`${name}@${version || '(no version)'} is not in this lab's offline store${have.length ? ` (it has ${name} ${have.join(', ')})` : `, which has no ${name} at all`}`);
      continue;
    }
    const from = join(store.dir, found.path);
    // A package's own nested node_modules are entries of their own in the lockfile.
    cpSync(from, join(dir, path), { recursive: true, filter: (source) => source !== join(from, 'node_modules') && !source.startsWith(join(from, 'node_modules') + '/') });
    installed.push({ path, name, version });
  }
  return { installed, problems };
}

/** Reads a JSON file, or undefined when it is missing. @param {string} file */
export function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
