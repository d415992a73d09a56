// @ts-check
// The lab's offline npm, behind the Run menu's tasks (see npm-offline.mjs for why there is no registry):
//   node .lab/02-dependencies/npm.mjs install   writes package-lock.json from package.json and installs
//                                               node_modules from it, as `npm install` does
//   node .lab/02-dependencies/npm.mjs ls        what node_modules holds, and who asked for each package
//   node .lab/02-dependencies/npm.mjs deploy    a fresh machine: copies the app to an empty folder,
//                                               `npm ci --omit=dev` there, and starts it with a PATH
//                                               holding Node alone (the way Run does, Redis included)
// Run from the workspace root. `--write-only` (install) writes the lockfile and leaves node_modules be.
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLockfile, declared, formatLockfile, installFromLockfile, lockfileProblems, openStore, readText } from './npm-offline.mjs';

const [command = 'help', ...flags] = process.argv.slice(2);
const cwd = process.cwd();

function readPackage() {
  const text = readText(join(cwd, 'package.json'));
  if (text === undefined) fail('There is no package.json in this folder.');
  try {
    return JSON.parse(/** @type {string} */ (text));
  } catch (error) {
    return fail(`package.json is not valid JSON: ${/** @type {Error} */ (error).message}. Fix it and try again.`);
  }
}

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`npm error ${message}`);
  process.exit(1);
}

if (command === 'install') {
  const pkg = readPackage();
  const store = openStore();
  const { lock, problems } = buildLockfile(pkg, store);
  if (!lock || problems.length) fail(`Could not resolve package.json's dependencies:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  writeFileSync(join(cwd, 'package-lock.json'), formatLockfile(lock));
  const entries = Object.entries(lock.packages ?? {}).filter(([path]) => path !== '');
  const dev = entries.filter(([, e]) => e.dev).length;
  console.log(`Wrote package-lock.json: ${entries.length} packages pinned (${entries.length - dev} for production, ${dev} for development only).`);
  if (!flags.includes('--write-only')) {
    rmSync(join(cwd, 'node_modules'), { recursive: true, force: true });
    const { installed, problems: missing } = installFromLockfile(cwd, lock, store);
    if (missing.length) fail(missing.join('\n'));
    console.log(`Installed ${installed.length} packages into node_modules from the lockfile.`);
  }
  for (const [field, name, range] of declared(pkg)) console.log(`  ${name} ${lock.packages?.[`node_modules/${name}`]?.version} (${field}: "${range}")`);
  // The trap of the incident: a package nobody declared, there only as another package's peer.
  const peerOf = (/** @type {string} */ name) => entries.filter(([, e]) => name in (e.peerDependencies ?? {})).map(([path]) => path.slice('node_modules/'.length));
  for (const [path, entry] of entries) {
    const name = path.slice('node_modules/'.length);
    const needed = entries.some(([, e]) => name in (e.dependencies ?? {}) || name in (e.optionalDependencies ?? {}));
    if (name.includes('/node_modules/') || needed || declared(pkg).some(([, n]) => n === name) || !peerOf(name).length) continue;
    console.log(`  ${name} ${entry.version}: not in package.json; installed only as a peer dependency of ${peerOf(name).join(', ')}${entry.dev ? ', and so only for development' : ''}`);
  }
} else if (command === 'ls') {
  const pkg = readPackage();
  const lockText = readText(join(cwd, 'package-lock.json'));
  const { lock, problems } = lockfileProblems(pkg, lockText, openStore());
  /** @type {import('node:fs').Dirent[]} */
  let top = [];
  try {
    top = readdirSync(join(cwd, 'node_modules'), { withFileTypes: true });
  } catch {}
  const names = top.filter((d) => d.isDirectory() && !d.name.startsWith('.')).flatMap((d) => (d.name.startsWith('@') ? readdirSync(join(cwd, 'node_modules', d.name)).map((n) => `${d.name}/${n}`) : [d.name])).sort();
  const manifests = new Map(names.map((name) => [name, JSON.parse(readText(join(cwd, 'node_modules', name, 'package.json')) ?? '{}')]));
  const locked = (/** @type {string} */ name, /** @type {string} */ version) => {
    if (lockText === undefined) return '';
    const at = lock?.packages?.[`node_modules/${name}`]?.version;
    return at === version ? ', locked' : at ? `, but the lockfile says ${at}` : ', not in the lockfile';
  };
  const mine = declared(pkg);
  console.log(`${pkg.name ?? 'this app'}: package.json declares ${mine.length} ${mine.length === 1 ? 'package' : 'packages'}:`);
  for (const [field, name, range] of mine) {
    const version = manifests.get(name)?.version;
    console.log(`  ${name}@${version ?? '(not installed)'}  ${field} "${range}"${version ? locked(name, version) : ''}`);
  }
  const others = names.filter((name) => !mine.some(([, n]) => n === name));
  if (others.length) console.log(`node_modules also holds ${others.length} packages that package.json does not name, because other packages need them:`);
  for (const name of others) {
    const askers = [...manifests].filter(([, m]) => name in (m.dependencies ?? {}) || name in (m.optionalDependencies ?? {})).map(([n]) => n);
    const peers = [...manifests].filter(([, m]) => name in (m.peerDependencies ?? {})).map(([n]) => n);
    const why = [askers.length ? `a dependency of ${askers.join(', ')}` : '', peers.length ? `a peer dependency of ${peers.join(', ')}` : ''].filter(Boolean).join('; ') || 'nothing installed asks for it';
    console.log(`  ${name}@${manifests.get(name)?.version}  ${why}${locked(name, manifests.get(name)?.version)}`);
  }
  console.log(lockText === undefined ? 'No package-lock.json: run "npm install (offline)" to write one.' : problems.length ? `package-lock.json is out of step with package.json:\n${problems.map((p) => `  - ${p}`).join('\n')}` : 'package-lock.json is in step with package.json.');
} else if (command === 'deploy') {
  const pkg = readPackage();
  const store = openStore();
  const { lock, problems } = lockfileProblems(pkg, readText(join(cwd, 'package-lock.json')), store);
  if (!lock || problems.length) fail(`\`npm ci\` can only install packages when package.json and package-lock.json are in sync:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const machine = mkdtempSync(join(tmpdir(), 'fresh-machine-'));
  process.on('exit', () => rmSync(machine, { recursive: true, force: true }));
  const app = join(machine, 'app');
  cpSync(cwd, app, { recursive: true, filter: (source) => !/^(node_modules|\.lab|\.git)$/.test(source.slice(cwd.length + 1).split(/[\\/]/)[0] ?? '') });
  const { installed, problems: missing } = installFromLockfile(app, lock, store, { omitDev: true });
  if (missing.length) fail(missing.join('\n'));
  console.log(`[deploy] Copied the app to ${app} and ran the equivalent of "npm ci --omit=dev": ${installed.length} packages installed.`);
  // A PATH with Node and nothing else: what a slim production image has.
  const bin = join(machine, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  process.env.PATH = bin;
  delete process.env.NODE_PATH;
  console.log('[deploy] Starting it with PATH holding only Node, as on a slim production machine.');
  process.chdir(app);
  const { launch } = await import(new URL('../_kit/launcher.mjs', import.meta.url).href);
  await launch(new URL('./lab.json', import.meta.url));
} else {
  console.log('Usage: node .lab/02-dependencies/npm.mjs install [--write-only] | ls | deploy');
  process.exit(command === 'help' ? 0 : 2);
}
