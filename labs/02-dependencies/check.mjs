// @ts-check
// Checks for factor II, Dependencies: everything the app needs is declared in package.json, pinned in
// package-lock.json, installed into the app's own node_modules, and nothing else is assumed of the
// machine. Behaviour first: the checker records what the running app imports, installs the app from its
// manifest and lockfile alone in an empty folder outside the workspace and runs it there, and runs it
// with a PATH holding Node and a set of fake tools that record every call. Files are read where they are
// the thing itself (the lockfile), and the source is scanned only for a program started by its full
// path, which no PATH can catch.
import { randomInt } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runLab, request, describe, randomWord, AppExited } from '../_kit/index.mjs';
import { declared, installFromLockfile, lockfileProblems, openStore, readText } from './npm-offline.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Idle-machine figure for the app to listen after it starts. */
const READY_MS = 3000;
/** Idle-machine figure for one visit. */
const VISIT_MS = 3000;
/** Programs a Node app might reach for; each one on the checker's PATH only records that it was called. */
const FAKE_TOOLS = ['redis-cli', 'redis-server', 'curl', 'wget', 'nc', 'ncat', 'telnet', 'ping', 'nslookup', 'dig', 'host', 'hostname', 'git', 'docker', 'python', 'python3', 'bash', 'openssl', 'jq', 'npm', 'npx', 'yarn', 'pnpm', 'which', 'whoami', 'uname', 'ps', 'lsof', 'netstat', 'ss', 'cat', 'ls', 'grep', 'sed', 'awk', 'printenv', 'date', 'sleep', 'timeout', 'true', 'false', 'echo', 'test'];
const HINT_RUN = 'Press Run and read what the app prints while it starts.';

const plural = (/** @type {number} */ n, /** @type {string} */ one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const list = (/** @type {string[]} */ items) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/** The workspace's package.json, parsed; a broken one is the learner's to fix. @param {import('../_kit/index.d.ts').CheckContext} t */
async function readPackage(t) {
  const text = await t.read('package.json');
  if (text === undefined) throw t.fail({ message: 'The workspace has no package.json, so nothing declares what the app needs.', expected: 'a package.json listing the app’s dependencies', actual: 'no package.json', hints: ['Put package.json back (Reset to starter restores it).'], summary: 'there is no package.json' });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw t.fail({ message: `package.json is not valid JSON, so npm could read nothing from it: ${/** @type {Error} */ (error).message}.`, expected: 'valid JSON', actual: text.slice(0, 200), hints: ['Look for a missing comma or quote, or a trailing comma after the last entry.'], summary: 'package.json is not valid JSON' });
  }
}

/** Whole numbers in an answer, with the greeting taken out first (it may hold digits). */
const numbersIn = (/** @type {string} */ body, /** @type {string} */ greeting) => (body.split(greeting).join(' ').match(/\d+/g) ?? []).map(Number);

/**
 * Puts a random count in the check's Redis and returns what the app must answer next: a count only the
 * app that really talks to this Redis can give.
 * @param {import('../_kit/index.d.ts').CheckContext} t
 */
async function seedCount(t) {
  const seed = randomInt(1000, 90_000);
  await t.redis.client.set('hits', String(seed));
  return seed;
}

/**
 * Starts the app and waits until it listens; `up` is false when it exited or never listened.
 * @param {import('../_kit/index.d.ts').CheckContext} t
 * @param {{ env: Record<string, string>, cwd?: string, label: string }} options
 */
async function launch(t, { env, cwd, label }) {
  const app = t.start({ env, cwd, label });
  const port = Number(env.PORT);
  let up = false;
  try {
    up = await app.waitForPort(port, READY_MS);
  } catch (error) {
    if (!(error instanceof AppExited)) throw error;
  }
  if (!app.running) await app.exited;
  return { app, port, up };
}

/**
 * Visits twice; each answer must greet with `greeting` and carry the next count after `seed`.
 * @param {import('../_kit/index.d.ts').CheckContext} t
 * @param {import('../_kit/index.d.ts').App} app
 * @param {{ port: number, seed: number, greeting: string, where: string }} run
 */
async function countTwice(t, app, { port, seed, greeting, where }) {
  const answers = [];
  for (const want of [seed + 1, seed + 2]) {
    const response = await request(port, '/', { timeout: t.budget(VISIT_MS) });
    answers.push(describe(response));
    if (response.status !== 200 || !response.body.includes(greeting) || !numbersIn(response.body, greeting).includes(want)) {
      throw t.fail({
        message: `${where}, the checker set the count in its Redis to ${seed} and sent GET /; the answer was not the greeting with visitor number ${want}.`,
        expected: `200 "${greeting}! You are visitor number ${want}."`,
        actual: `${answers.join('\n')}\nThe app printed:\n${app.lastOutput(4) || '(nothing)'}`,
        hints: [HINT_RUN, 'The app must count in the Redis named by REDIS_URL and greet with GREETING, as the base app does.'],
        summary: `${where}, the app did not count visits`,
      });
    }
  }
  return answers;
}

/** A fresh folder under the system's temporary folder, never inside the workspace. @param {string} prefix */
function freshFolder(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The first folder at or above `dir` holding a node_modules, which would leak packages into a "clean" install. @param {string} dir */
function leakAbove(dir) {
  for (let at = dirname(dir); ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) return join(at, 'node_modules');
    if (dirname(at) === at) return undefined;
  }
}

/** The learner's files, without installed packages, the lab's own folder or version control. @param {string} from @param {string} to */
function copyApp(from, to) {
  cpSync(from, to, { recursive: true, filter: (source) => !['node_modules', '.lab', '.git'].includes(relative(from, source).split(sep)[0] ?? '') });
}

/** The app's own JavaScript files (not node_modules or .lab), relative to `root`. @param {string} root */
function appSources(root, dir = root, out = /** @type {string[]} */ ([])) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.lab', '.git'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) appSources(root, path, out);
    else if (/\.[cm]?js$/.test(entry.name)) out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

/** `ioredis/built/x` → `ioredis`; `@s/p/x` → `@s/p`. @param {string} specifier */
const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** The package an import loaded: named by the path it resolved to when that lies in a node_modules. @param {string} specifier @param {string} url */
function packageOf(specifier, url) {
  const at = url.lastIndexOf('/node_modules/');
  return at === -1 ? packageName(specifier) : packageName(decodeURIComponent(url.slice(at + '/node_modules/'.length)));
}

/**
 * Why `name` is in the workspace's node_modules although package.json does not put it in dependencies:
 * which installed package asks for it, and how.
 * @param {string} workspace @param {string} name @param {Record<string, any>} pkg
 */
function whyInstalled(workspace, name, pkg) {
  const field = ['devDependencies', 'peerDependencies'].find((f) => name in (pkg[f] ?? {}));
  if (field) return `package.json lists it only in ${field}, which a production install (npm ci --omit=dev) leaves out`;
  const askers = [];
  for (const [, other] of declared(pkg)) {
    const manifest = JSON.parse(readText(join(workspace, 'node_modules', other, 'package.json')) ?? '{}');
    if (name in (manifest.peerDependencies ?? {})) askers.push(`${other} lists it as a peer dependency`);
    else if (name in (manifest.dependencies ?? {})) askers.push(`${other} depends on it`);
  }
  return askers.length ? `package.json does not list it; it is in node_modules only because ${list(askers)}` : 'package.json does not list it';
}

/** The version of `name` in the workspace's node_modules, if it is there. @param {string} workspace @param {string} name */
const installedVersion = (workspace, name) => JSON.parse(readText(join(workspace, 'node_modules', name, 'package.json')) ?? '{}').version;

await runLab(new URL('./lab.json', import.meta.url), {
  'declares-imports': async (t) => {
    const pkg = await readPackage(t);
    const scratch = freshFolder('deps-imports-');
    const log = join(scratch, 'imports.ndjson');
    try {
      const greeting = randomWord('Hi-');
      const seed = await seedCount(t);
      const recorder = `--import=${pathToFileURL(join(HERE, 'record-imports.mjs')).href}`;
      const env = await t.env({ GREETING: greeting, LAB_IMPORTS_LOG: log, NODE_OPTIONS: [process.env.NODE_OPTIONS, recorder].filter(Boolean).join(' ') });
      const { app, port, up } = await launch(t, { env, label: 'the app' });
      // A visit runs the request path too, so an import made only there is seen as well.
      if (up) await countTwice(t, app, { port, seed, greeting, where: 'With the workspace’s own node_modules' });
      await app.stop();
      const records = (readText(log) ?? '').split('\n').filter(Boolean).map((line) => JSON.parse(line));
      if (!records.some((r) => r.recorder)) throw t.notRun('the checker’s import recorder did not load into the app in this runtime, so it could not see what the app imports');
      /** @type {Map<string, Set<string>>} */
      const imports = new Map();
      for (const { specifier, parent, url } of records.filter((r) => r.specifier)) {
        const name = packageOf(specifier, url);
        const file = relative(t.workspace, fileURLToPath(parent)).split(sep).join('/');
        imports.set(name, (imports.get(name) ?? new Set()).add(file));
      }
      const runtime = { ...pkg.optionalDependencies, ...pkg.dependencies };
      const wrong = [...imports].filter(([name]) => !(name in runtime));
      if (wrong.length) {
        const lines = wrong.map(([name, files]) => `${name} (imported by ${[...files].join(', ')}): ${whyInstalled(t.workspace, name, pkg)}`);
        throw t.fail({
          message: `Ran the app and recorded every package its own files imported. ${plural(wrong.length, 'package')} the app needs at run time ${wrong.length === 1 ? 'is' : 'are'} not in package.json’s "dependencies": it loads here only because of what happens to be in node_modules, and a production install will not have ${wrong.length === 1 ? 'it' : 'them'}.`,
          expected: `every imported package in "dependencies"; imported: ${[...imports.keys()].join(', ') || '(none)'}`,
          actual: lines.join('\n'),
          hints: [
            `Add ${list(wrong.map(([name]) => `"${name}": "^${installedVersion(t.workspace, name) ?? '<version>'}"`))} to "dependencies" in package.json (the version installed now; the Run menu’s "npm ls" lists them all).`,
            'devDependencies are for what only development and tests need (ioredis-mock); then run "npm install (offline)" to update the lockfile.',
          ],
          summary: 'the app imports packages package.json does not list in dependencies',
        });
      }
      if (!up) throw new AppExited(app, `before listening on port ${port}`);
      return `Ran the app, visited it twice (counts ${seed + 1} and ${seed + 2}) and recorded what its own files imported: ${[...imports].map(([name, files]) => `${name} (${[...files].join(', ')})`).join(', ') || 'no packages'}; every one is in "dependencies".`;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },

  pinned: async (t) => {
    const pkg = await readPackage(t);
    const store = openStore();
    // Ranges first: a lockfile pins today's install, but "*" invites the next major at the next npm install.
    const loose = [];
    let example = '"^5.11.1"';
    for (const [field, name, range] of declared(pkg)) {
      const version = store.versions(name)[0] ?? '1.0.0';
      const major = Number(version.split('.')[0]);
      if (!store.validRange(range)) loose.push(`${field}.${name} is "${range}", which is not a version range`);
      else if (store.satisfies(`${major + 1}.0.0`, range)) loose.push(`${field}.${name} is "${range}", which also accepts ${name} ${major + 1}.0.0 and every later major version`);
      else continue;
      if (loose.length === 1) example = `"${name}": "^${version}"`;
    }
    if (loose.length) {
      throw t.fail({
        message: 'Read package.json: a range that accepts any future major version lets the next "npm install" or "npm update" bring in breaking changes nobody has tested, lockfile or not.',
        expected: 'ranges that stay within one major version, such as "^5.11.1", "~5.11.1" or "5.11.1"',
        actual: loose.join('\n'),
        hints: [`Write the version you have tested with a caret, as npm install --save writes it (${example}), then run "npm install (offline)" to update the lockfile.`],
        summary: 'package.json accepts any future major version',
      });
    }
    const { lock, problems } = lockfileProblems(pkg, await t.read('package-lock.json'), store);
    if (!lock || problems.length) {
      throw t.fail({
        message: `Read package-lock.json beside package.json: ${lock ? 'it is out of step with package.json, so npm ci would refuse it and npm install would rewrite it' : problems[0]}.`,
        expected: 'a package-lock.json written from the current package.json',
        actual: lock ? problems.join('\n') : 'no package-lock.json',
        hints: ['Run "npm install (offline)" from the Run menu: like npm install, it writes package-lock.json from package.json. Run it again after every change to package.json.'],
        summary: lock ? 'package-lock.json is out of step with package.json' : 'there is no package-lock.json',
      });
    }
    const differ = [];
    const entries = Object.entries(lock.packages ?? {}).filter(([path]) => path.startsWith('node_modules/'));
    for (const [path, entry] of entries) {
      const installed = JSON.parse(readText(join(t.workspace, path, 'package.json')) ?? 'null')?.version;
      if (installed !== entry.version) differ.push(`${path.slice('node_modules/'.length)}: locked ${entry.version}, ${installed ? `installed ${installed}` : 'not installed'}`);
    }
    if (differ.length) {
      throw t.fail({
        message: `Compared package-lock.json with what node_modules holds: ${plural(differ.length, 'package')} ${differ.length === 1 ? 'is' : 'are'} not at the locked version, so the lockfile does not describe the install the app runs on.`,
        expected: 'every package in node_modules at exactly the version the lockfile records',
        actual: differ.slice(0, 8).join('\n'),
        hints: ['Do not edit package-lock.json by hand: npm writes it. Run "npm install (offline)" from the Run menu to write it from package.json and install from it.'],
        summary: 'node_modules does not hold the locked versions',
      });
    }
    return `package.json’s ranges stay within one major version; package-lock.json is in step with it and pins ${plural(entries.length, 'package')}, each installed in node_modules at its locked version.`;
  },

  'clean-install': async (t) => {
    const pkg = await readPackage(t);
    const store = openStore();
    const { lock, problems } = lockfileProblems(pkg, await t.read('package-lock.json'), store);
    if (!lock || problems.length) {
      throw t.fail({
        message: `Tried to install the app as a fresh machine would, with npm ci --omit=dev from package.json and package-lock.json: npm ci refuses, because ${lock ? 'the lockfile is out of step with package.json' : problems[0]}.`,
        expected: 'a package-lock.json in step with package.json',
        actual: lock ? problems.join('\n') : 'no package-lock.json',
        hints: ['Run "npm install (offline)" from the Run menu to write package-lock.json, and again after every change to package.json.'],
        summary: 'npm ci refuses to install the app',
      });
    }
    const machine = freshFolder('deps-clean-');
    const dir = join(machine, 'app');
    let app;
    try {
      const leak = leakAbove(dir);
      if (leak) throw t.notRun(`the temporary folder has a node_modules above it (${leak}), so an install there would not be clean`);
      copyApp(t.workspace, dir);
      const { installed, problems: missing } = installFromLockfile(dir, lock, store, { omitDev: true });
      if (missing.length) {
        throw t.fail({
          message: 'Installed the app in an empty folder from package-lock.json, production packages only: the lockfile names versions that cannot be installed, so it was not written by npm from this package.json.',
          expected: 'versions npm resolved and wrote itself',
          actual: missing.join('\n'),
          hints: ['Run "npm install (offline)" from the Run menu instead of editing package-lock.json by hand.'],
          summary: 'the lockfile names versions that cannot be installed',
        });
      }
      t.log(`installed ${plural(installed.length, 'package')} in ${dir} from package-lock.json (production only): ${installed.filter((p) => !p.path.includes('/node_modules/', 1)).map((p) => `${p.name}@${p.version}`).join(', ')}`);
      const greeting = randomWord('Hey-');
      const seed = await seedCount(t);
      const started = await launch(t, { env: await t.env({ GREETING: greeting, NODE_PATH: undefined }), cwd: dir, label: 'the app on the fresh machine' });
      app = started.app;
      if (!started.up) {
        const crash = app.crash();
        const lost = /Cannot find (?:package|module) '([^']+)'/.exec([crash?.error ?? '', ...app.ownLines()].join('\n'))?.[1];
        if (lost) {
          const name = lost.includes('node_modules/') ? packageOf(lost, lost) : /^[./]/.test(lost) ? lost : packageName(lost);
          throw t.fail({
            message: `Installed the app in an empty folder outside the workspace with npm ci --omit=dev (${plural(installed.length, 'package')}) and started it: it crashed, because it imports ${name} and a production install does not have it.`,
            expected: `${name} installed by the production install, because package.json lists it in "dependencies"`,
            actual: `${crash?.error ?? app.lastOutput(3)}\n(${whyInstalled(t.workspace, name, pkg)})`,
            hints: [`Put "${name}" in "dependencies" in package.json, then run "npm install (offline)" to update the lockfile.`, 'The Run menu’s "Deploy to a fresh machine" does what this check does, so you can watch it.'],
            summary: `a production install lacks ${name}`,
          });
        }
        throw new AppExited(app, `on the fresh machine, before listening on port ${started.port}`);
      }
      await countTwice(t, app, { port: started.port, seed, greeting, where: 'On a fresh machine (a clean folder, npm ci --omit=dev)' });
      await app.stop();
      return `Copied the app to an empty folder outside the workspace, installed ${plural(installed.length, 'package')} from package-lock.json with production packages only, started it there: it counted ${seed + 1} and ${seed + 2} in the checker’s Redis.`;
    } finally {
      await app?.stop();
      rmSync(machine, { recursive: true, force: true });
    }
  },

  'no-system-tools': async (t) => {
    const machine = freshFolder('deps-path-');
    const bin = join(machine, 'bin');
    const calls = join(machine, 'calls.ndjson');
    let app;
    try {
      mkdirSync(bin);
      // Node itself, and nothing else but the fakes: a slim production machine.
      let path = bin;
      try {
        symlinkSync(process.execPath, join(bin, 'node'));
      } catch {
        path = [dirname(process.execPath), bin].join(delimiter);
      }
      for (const tool of FAKE_TOOLS) {
        const file = join(bin, tool);
        writeFileSync(file, `#!/usr/bin/env node\nrequire('node:fs').appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ tool: ${JSON.stringify(tool)}, args: process.argv.slice(2) }) + '\\n');\nconsole.error(${JSON.stringify(`${tool}: not installed on this machine`)});\nprocess.exit(127);\n`);
        chmodSync(file, 0o755);
      }
      writeFileSync(join(bin, 'package.json'), '{ "type": "commonjs" }\n');
      const greeting = randomWord('Ahoy-');
      const seed = await seedCount(t);
      const started = await launch(t, { env: await t.env({ GREETING: greeting, PATH: path, NODE_PATH: undefined }), label: 'the app' });
      app = started.app;
      const visitError = started.up ? await countTwice(t, app, { port: started.port, seed, greeting, where: 'With PATH holding only Node' }).then(() => undefined, (error) => error) : undefined;
      await app.stop();
      const called = (readText(calls) ?? '').split('\n').filter(Boolean).map((line) => JSON.parse(line));
      const notFound = app.ownLines().filter((line) => /not found|command not found|ENOENT/i.test(line)).slice(0, 3);
      if (called.length || notFound.length) {
        throw t.fail({
          message: `Started the app with PATH holding only Node and fake tools that record every call: the app ran ${called.length ? plural(called.length, 'other program') : 'a program this PATH does not have'}${started.up ? '' : ', and did not start'}. A fresh machine or a slim container image has none of them, so the app depends on something package.json cannot declare.`,
          expected: 'no program run: everything the app does, it does in Node, through its declared packages',
          actual: [...called.map((c) => `ran: ${[c.tool, ...c.args].join(' ')}`), ...notFound.map((line) => `printed: ${line}`)].join('\n') + (started.up ? '' : `\nThe app: ${app.crash()?.error ?? app.lastOutput(2)}`),
          hints: [
            called.some((c) => c.tool === 'redis-cli') ? 'Ask Redis through the client the app already has: `await redis.ping()` instead of running redis-cli ping.' : 'Do in Node what the program did, with a declared package or Node’s own modules.',
            'Wrapping the call in try/catch hides the failure, not the dependency: remove the call.',
          ],
          summary: 'the app runs programs that a fresh machine does not have',
        });
      }
      if (!started.up) throw new AppExited(app, `with PATH holding only Node, before listening on port ${started.port}`);
      if (visitError) throw visitError;
      // Second line: a program started by its full path never goes through PATH.
      const direct = appSources(t.workspace).flatMap((file) => {
        const text = readFileSync(join(t.workspace, file), 'utf8');
        return /\bchild_process\b/.test(text) ? [`${file}: ${text.split('\n').find((line) => /child_process|exec|spawn/.test(line) && !/^\s*\/\//.test(line))?.trim() ?? 'imports node:child_process'}`] : [];
      });
      if (direct.length) {
        throw t.fail({
          message: 'With PATH holding only Node, the app ran no program the checker could see; but its source loads node:child_process, which runs programs, for instance by a full path such as /usr/bin/redis-cli that no PATH can catch. This app needs no other program.',
          expected: 'no use of node:child_process in the app',
          actual: direct.join('\n'),
          hints: ['Ask Redis through the client the app already has: `await redis.ping()`; then remove the node:child_process import.'],
          summary: 'the app loads node:child_process',
        });
      }
      return `Started the app with PATH holding only Node and ${FAKE_TOOLS.length} fake tools (${FAKE_TOOLS.slice(0, 4).join(', ')}, …) that record every call: it counted ${seed + 1} and ${seed + 2} and called none of them, and its source starts no program by a full path.`;
    } finally {
      await app?.stop();
      rmSync(machine, { recursive: true, force: true });
    }
  },
});
