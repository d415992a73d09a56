// @ts-check
// How a deploy of one app gets its code in this lab: the app's own folder, plus the packages its
// package.json declares under "dependencies", installed into the app's node_modules the way npm would
// (offline: no registry is reachable from a lab).
//   - "file:../visit-counter" (a library in the workspace): its folder is copied in, without its own
//     node_modules, and its own dependencies are installed beside it.
//   - a version range such as "^5.4.0": the package comes from the workspace's node_modules, which holds
//     what the course can install offline (ioredis and what ioredis needs).
// Nothing else is reachable from a copy made with `copyApp`: an import that leaves the app's folder, or a
// package the app uses without declaring it, fails there exactly as it would on a fresh server.
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** @typedef {{ name: string, spec: string, from: string, local: boolean }} Installed */

/** @param {string} dir */
export function readPackage(dir) {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return { problem: `${file} is missing` };
  try {
    return { pkg: /** @type {Record<string, any>} */ (JSON.parse(readFileSync(file, 'utf8'))) };
  } catch (error) {
    return { problem: `package.json is not valid JSON (${/** @type {Error} */ (error).message})` };
  }
}

/**
 * The local packages (file: dependencies inside the workspace) an app's package.json declares, with the
 * folder each one points at.
 * @param {string} workspace @param {string} app the app's folder name, e.g. "web"
 * @returns {{ name: string, spec: string, dir: string }[]}
 */
export function localDependencies(workspace, app) {
  const { pkg } = readPackage(join(workspace, app));
  return Object.entries(pkg?.['dependencies'] ?? {})
    .filter(([, spec]) => typeof spec === 'string' && spec.startsWith('file:'))
    .map(([name, spec]) => ({ name, spec, dir: resolve(workspace, app, spec.slice('file:'.length)) }))
    .filter(({ dir }) => inside(workspace, dir) && existsSync(join(dir, 'package.json')));
}

/** @param {string} root @param {string} path */
export const inside = (root, path) => path === root || path.startsWith(root + sep);

/**
 * Installs into `target/node_modules` what the package.json at `source` declares (`source` is where the
 * app lives in the workspace, so file: paths resolve from there even when `target` is a copy elsewhere).
 * @param {{ workspace: string, source: string, target: string }} where
 * @returns {{ installed: Installed[], problems: string[] }}
 */
export function installDependencies({ workspace, source, target }) {
  /** @type {Installed[]} */
  const installed = [];
  /** @type {string[]} */
  const problems = [];
  const modules = join(target, 'node_modules');
  removeModules(modules);
  mkdirSync(modules, { recursive: true });
  const done = new Set();

  /** @param {string} from the folder whose package.json declares @param {string} who its name, for messages */
  const installFrom = (from, who) => {
    const { pkg, problem } = readPackage(from);
    if (!pkg) return void problems.push(`${who}: ${problem}`);
    for (const [name, spec] of Object.entries(pkg['dependencies'] ?? {})) {
      if (done.has(name)) continue;
      done.add(name);
      if (typeof spec === 'string' && spec.startsWith('file:')) {
        const dir = resolve(from, spec.slice('file:'.length));
        const shown = relative(workspace, dir).split(sep).join('/') || '.';
        if (!inside(workspace, dir) || !existsSync(join(dir, 'package.json'))) {
          problems.push(`${who} declares "${name}": "${spec}", but ${inside(workspace, dir) ? `${shown}/package.json does not exist` : 'that folder is outside the workspace'}.`);
          continue;
        }
        copyPackage(dir, join(modules, name));
        installed.push({ name, spec, from: shown, local: true });
        installFrom(dir, name);
      } else {
        installRegistryPackage(workspace, name, modules, installed, problems, who, String(spec));
      }
    }
  };
  installFrom(source, relative(workspace, source).split(sep).join('/') || 'package.json');
  return { installed, problems };
}

/**
 * A package (and, flat beside it, what it depends on) from the workspace's node_modules: linked, or
 * copied where links are refused.
 * @param {string} workspace @param {string} name @param {string} modules
 * @param {Installed[]} installed @param {string[]} problems @param {string} who @param {string} spec
 */
function installRegistryPackage(workspace, name, modules, installed, problems, who, spec) {
  const queue = [name];
  while (queue.length) {
    const next = /** @type {string} */ (queue.shift());
    const at = join(modules, next);
    if (existsSync(at)) continue;
    const from = join(workspace, 'node_modules', next);
    if (!existsSync(join(from, 'package.json'))) {
      if (next === name) problems.push(`${who} declares "${name}": "${spec}", which this workspace cannot install (offline, it has ${offline(workspace)}).`);
      continue;
    }
    mkdirSync(dirname(at), { recursive: true });
    try {
      symlinkSync(from, at, 'dir');
    } catch {
      cpSync(from, at, { recursive: true });
    }
    if (next === name) installed.push({ name, spec, from: 'node_modules', local: false });
    const { pkg } = readPackage(from);
    queue.push(...Object.keys(pkg?.['dependencies'] ?? {}));
  }
}

/** @param {string} workspace */
function offline(workspace) {
  try {
    const names = readdirSync(join(workspace, 'node_modules')).filter((n) => !n.startsWith('.'));
    return names.length ? `${names.length} packages, such as ioredis` : 'no packages';
  } catch {
    return 'no node_modules folder';
  }
}

/** Copies a package folder without its node_modules (npm installs a file: package's own dependencies itself). @param {string} from @param {string} to */
export function copyPackage(from, to) {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true, filter: (path) => !relative(from, path).split(sep).includes('node_modules') });
}

/** Removes a node_modules folder, or only the link when it is one. @param {string} modules */
export function removeModules(modules) {
  let stat;
  try {
    stat = lstatSync(modules);
  } catch {
    return;
  }
  if (stat.isSymbolicLink()) unlinkSync(modules);
  else rmSync(modules, { recursive: true, force: true });
}

/**
 * Makes `into` hold the app's folder alone (nothing of the workspace beside it), with its declared
 * dependencies installed: what a server deploying just this app would have.
 * @param {{ workspace: string, app: string, into: string }} where
 */
export function copyApp({ workspace, app, into }) {
  copyPackage(join(workspace, app), into);
  return installDependencies({ workspace, source: join(workspace, app), target: into });
}
