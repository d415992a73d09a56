// @ts-check
// Checks for factor V, Build, release, run: `npm run build` makes dist/ named by its content,
// `npm run release` turns that build and the environment's config into a new releases/<id>/ that never
// changes again, and `npm start` runs a release as it is, without building anything.
//
// Everything happens on the checker's own copies of the app folder (instances), never in the learner's:
// builds on two "machines" and two days, releases hashed file by file, and starts with the source edited
// after the release, dist/ gone and fake npm/npx/tsc on PATH that record any call, as a release machine
// has neither the build's output nor build tools. The files the checker reads: dist/build.json (the
// build ID) and the folders under releases/ (one per release, its name the release ID); the app's
// /version (body or headers) must name both IDs.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { AppExited, describe, randomHex, randomWord, request, runLab } from '../_kit/index.mjs';
import { filesUnder, listChanges, releaseFolders, tokensOf } from './files.mjs';

/** @typedef {import('../_kit/index.d.ts').CheckContext} T */
/** @typedef {{ name: string, dir: string, env: Record<string, string> }} Where  an instance: its name and folder */

const CLOCK_SHIFT = new URL('./clock-shift.mjs', import.meta.url);
const BUILD_TOOLS = ['npm', 'npx', 'yarn', 'pnpm', 'tsc', 'esbuild', 'webpack', 'rollup', 'vite'];
const HINT_BUILD_ID = 'Make the ID in build.mjs from the content only: hash each file of dist/ (path and bytes, in sorted order) with node:crypto, and write { "id": … } to dist/build.json. No clock, no random, no folder path.';

/** A clean instance: the learner's files without any dist/, release/ or releases/ they made by hand. @param {T} t @param {string} name @returns {Where} */
function fresh(t, name) {
  const { dir, env } = t.instance(name);
  for (const made of ['dist', 'release', 'releases']) rmSync(join(dir, made), { recursive: true, force: true });
  return { name, dir, env };
}

/** The ID in dist/build.json, or why there is none. @param {string} dir @returns {{ id?: string, reason?: string }} */
function buildIdOf(dir) {
  const file = join(dir, 'dist', 'build.json');
  if (!existsSync(file)) return { reason: 'there is no dist/build.json' };
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { reason: `dist/build.json is not JSON (${/** @type {Error} */ (error).message})` };
  }
  const id = parsed?.id;
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id).trim() === '') return { reason: `dist/build.json has no "id" (it holds ${JSON.stringify(parsed).slice(0, 120)})` };
  return { id: String(id) };
}

/**
 * Runs one stage command on an instance and fails, with its output, when it does not succeed.
 * @param {T} t @param {Where} where @param {string} command @param {import('../_kit/index.d.ts').EnvOverrides} [overrides]
 */
async function stage(t, where, command, overrides = {}) {
  const result = await t.exec(command, { instance: where.name, env: await t.env({ PORT: undefined, GREETING: undefined, ...overrides }), timeout: 10_000 });
  if (result.code !== 0) {
    const out = result.app.lastOutput(6) || '(no output)';
    throw t.fail({
      message: `Ran "${command}" on a fresh copy of the app folder; it ${result.timedOut ? `was still running after ${t.bound(10_000)}` : `exited with code ${result.code}`}.`,
      expected: `"${command}" to finish with exit code 0`,
      actual: out,
      hints: [`Run "${command}" from the Run menu (or a terminal) and read the error it prints.`],
      summary: `"${command}" failed`,
    });
  }
  return result;
}

/** Adds a line of code to the source, as a developer keeps working after a release. @param {string} dir @param {string} code */
function editSource(dir, code) {
  const src = join(dir, 'src');
  const files = existsSync(src) ? readdirSync(src).filter((f) => f.endsWith('.js')).sort() : [];
  const file = files.includes('app.js') ? 'app.js' : files[0];
  if (!file) return undefined;
  appendFileSync(join(src, file), `\n${code}\n`);
  return `src/${file}`;
}

/**
 * Fake build tools in a folder put first on PATH: each records its call in calls.log and exits 127, as
 * on a machine that runs releases and has no build tools.
 * @param {Where} where
 */
function fakeTools(where) {
  const bin = join(dirname(where.dir), 'no-build-tools');
  const log = join(bin, 'calls.log');
  if (!existsSync(bin)) {
    mkdirSync(bin, { recursive: true });
    for (const tool of BUILD_TOOLS) {
      const path = join(bin, tool);
      writeFileSync(path, `#!/bin/sh\necho "${tool} $*" >> '${log}'\necho "${tool}: not installed where releases run" >&2\nexit 127\n`);
      chmodSync(path, 0o755);
    }
  }
  return {
    path: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
    clear: () => rmSync(log, { force: true }),
  };
}

/**
 * The release folders a release command made, and what it changed in older ones.
 * @param {Where} where @param {{ folders: string[], files: import('./files.mjs').Files }} before
 */
function releaseStep(where, before) {
  const after = filesUnder(where.dir, 'releases');
  const folders = releaseFolders(where.dir);
  const created = folders.filter((f) => !before.folders.includes(f));
  const older = listChanges(before.files, after).filter((path) => !created.some((f) => path.startsWith(`releases/${f}/`)));
  return { folders, created, older, files: after };
}

/**
 * The release story on one instance, shared by every check (so the checker starts as few processes as it
 * can): build (kept for the determinism check), release with
 * GREETING g1, release the same build again with g2, edit the source (a line that logs a probe), build,
 * release with g3. Each step records the folders it made and the files of older releases it changed.
 * @param {T} t
 */
const releaseStory = (t) => t.once('release-story', async () => {
  const where = fresh(t, 'releases');
  const greetings = /** @type {const} */ ([randomWord('Hi-'), randomWord('Salut-'), randomWord('Hola-')]);
  const probe = randomWord('probe-');
  /** @type {(ReturnType<typeof releaseStep> & { greeting: string, build: string | undefined, code: number | null, timedOut: boolean, output: string, legacy: import('./files.mjs').Files })[]} */
  const steps = [];
  /** @param {string} greeting @param {string | undefined} build */
  const release = async (greeting, build) => {
    const before = { folders: releaseFolders(where.dir), files: filesUnder(where.dir, 'releases') };
    // A release that fails is recorded, not fatal: the immutability check says which one and why.
    const result = await t.exec('npm run release', { instance: where.name, env: await t.env({ PORT: undefined, GREETING: greeting }), timeout: 10_000 });
    steps.push({ greeting, build, code: result.code, timedOut: result.timedOut, ...releaseStep(where, before), output: result.app.lastOutput(4), legacy: filesUnder(where.dir, 'release') });
  };
  const builtWith = randomWord('Built-with-');
  await stage(t, where, 'npm run build', { GREETING: builtWith });
  const first = buildIdOf(where.dir);
  // The build-deterministic check compares this build with one made on another copy.
  const firstBuild = { ...first, dist: filesUnder(where.dir, 'dist'), greeting: builtWith };
  await release(greetings[0], first.id);
  await release(greetings[1], first.id);
  const edited = editSource(where.dir, `console.log(JSON.stringify({ level: 'info', msg: 'new code', probe: '${probe}' }));`);
  await stage(t, where, 'npm run build', { GREETING: randomWord('Built-with-') });
  const second = buildIdOf(where.dir);
  await release(greetings[2], second.id);
  return { where, steps, probe, edited, builds: [first, second], firstBuild };
});

/**
 * Starts a release the way a release machine would: fake build tools first on PATH, no GREETING of its own.
 * @param {T} t @param {Where} where @param {string | undefined} release @param {string} label
 */
async function startRelease(t, where, release, label) {
  const tools = fakeTools(where);
  tools.clear();
  const env = await t.env({ RELEASE: release, GREETING: undefined, PATH: tools.path });
  try {
    const ready = await t.startReady({ cwd: where.dir, env, label, path: '/version' });
    return { ...ready, tools, crashed: undefined };
  } catch (error) {
    if (error instanceof AppExited) return { app: error.app, port: undefined, tools, crashed: error };
    throw error;
  }
}

/**
 * GET / as a visitor: asked again (within a budget) while it answers 5xx or not at all, since a Redis
 * connection still being made on a busy machine is not what these checks judge.
 * @param {T} t @param {number} port
 */
async function visit(t, port) {
  const deadline = performance.now() + t.budget(8000);
  for (;;) {
    const response = await request(port, '/', { timeout: t.budget(5000) });
    if ((response.status !== undefined && response.status < 500) || performance.now() > deadline) return response;
    t.log(`GET / answered ${describe(response)}; asking again`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** What a start called that it should not have, as a sentence, or ''. @param {ReturnType<typeof fakeTools>} tools */
const toolCalls = (tools) => {
  const calls = tools.calls();
  return calls.length ? `It called ${calls.map((c) => `"${c}"`).join(', ')}: a build tool, at start.` : '';
};

/** @type {Record<string, import('../_kit/index.d.ts').CheckImplementation>} */
const checks = {
  'build-deterministic': async (t) => {
    const { firstBuild } = await releaseStory(t);
    const two = fresh(t, 'build-2');
    const g2 = randomWord('Hola-');
    const a = firstBuild;
    const dist1 = firstBuild.dist;
    // The same source on another machine (another folder), a day later, with other file times and GREETING.
    const day = (1 + Math.floor(Math.random() * 300)) * 86_400_000;
    const past = new Date(Date.now() - day);
    for (const file of filesUnder(two.dir, 'src').keys()) utimesSync(join(two.dir, file), past, past);
    await stage(t, two, 'npm run build', { GREETING: g2, LAB_CLOCK_SHIFT_MS: String(day), NODE_OPTIONS: `--import=${CLOCK_SHIFT.href}` });
    const b = buildIdOf(two.dir);
    const dist2 = filesUnder(two.dir, 'dist');
    const differ = listChanges(dist1, dist2);
    const baked = [...dist2.keys()].filter((path) => readFileSync(join(two.dir, path), 'utf8').includes(g2));
    const bakedNote = baked.length ? `${baked.join(', ')} holds the GREETING the build found in its environment: config baked into the build, so one build cannot serve two deploys.` : '';
    const bakedHint = 'Leave config out of the build: the release stage reads GREETING from its environment and stores it with the release.';
    if (!a.id) throw t.fail({
      message: `Ran "npm run build" on a fresh copy of the app folder; it finished, but ${a.reason}, so the build has no ID.${bakedNote ? ` Also, built again with another GREETING, ${bakedNote}` : ''}`,
      expected: 'dist/build.json with { "id": "<a hash of the build\'s content>" }',
      actual: a.reason,
      hints: [HINT_BUILD_ID, ...(bakedNote ? [bakedHint] : [])],
      summary: 'the build wrote no build ID',
    });
    const what = 'Built the same source twice: on one copy of the app folder, then on another copy (another folder, file times moved back, the clock a day ahead, another GREETING in the environment)';
    if (a.id !== b.id || differ.length) throw t.fail({
      message: `${what}. ${a.id !== b.id ? `The build IDs differ: ${a.id}, then ${b.id ?? `none (${b.reason})`}` : `The build IDs match (${a.id}), but the builds do not`}; ${differ.length ? `files that differ: ${differ.slice(0, 6).join(', ')}` : 'every file of dist/ is the same'}. ${bakedNote || 'The build depends on when or where it ran, not only on the source.'}`,
      expected: `the same dist/, byte for byte, and the same ID both times (${a.id})`,
      actual: a.id !== b.id ? `${a.id}, then ${b.id ?? b.reason}` : `same ID, different files: ${differ.slice(0, 6).join(', ')}`,
      hints: bakedNote ? [bakedHint, HINT_BUILD_ID] : [HINT_BUILD_ID, 'Keep times (Date, file mtimes) and absolute paths out of dist/ and out of the ID.'],
    });
    const changed = editSource(two.dir, `export const checkerEdit = '${randomHex(6)}';`);
    if (!changed) throw t.fail({ message: 'There is no .js file in src/, so the checker has no source to change.', expected: 'the app\'s source in src/', actual: 'no src/*.js', hints: ['Keep the app\'s source in src/: the build turns src/ into dist/.'] });
    await stage(t, two, 'npm run build', { GREETING: g2 });
    const c = buildIdOf(two.dir);
    if (!c.id || c.id === b.id) throw t.fail({
      message: `${what}: both gave build ${a.id}. Then changed ${changed} (one line of code added) and built again: the build ID is ${c.id ?? `missing (${c.reason})`}, the same as before the change. The ID does not follow the content, so two different builds would share it.`,
      expected: `a new build ID after the change (not ${b.id})`,
      actual: c.id ?? c.reason,
      hints: [HINT_BUILD_ID, 'A fixed ID or the package version stays the same when the code changes; a hash of the files does not.'],
    });
    return `Built the same source on two copies of the app folder, a day apart, with other file times and another GREETING: the same ${dist1.size} files byte for byte, build ${a.id} both times. After a one-line change to ${changed}, the build became ${c.id}.`;
  },

  'run-does-not-build': async (t) => {
    // The releases of the story, after the rollback check has run them.
    const { where, steps } = await releaseStory(t);
    const newest = steps.findLast((step) => step.created.length === 1);
    const id = newest?.created[0];
    const greeting = newest?.greeting ?? steps[0]?.greeting ?? '';
    // What a release machine has: the releases, without dist/ and build tools; and the source moved on.
    rmSync(join(where.dir, 'dist'), { recursive: true, force: true });
    const marker = randomWord('edited-');
    const src = join(where.dir, 'src');
    const edited = existsSync(src) ? readdirSync(src).filter((f) => f.endsWith('.js')) : [];
    for (const file of edited) {
      const path = join(src, file);
      writeFileSync(path, `throw new Error('${marker}: src/${file} changed after the release; whatever runs this is not the release');\n${readFileSync(path, 'utf8')}`);
    }
    const watched = new Map([...filesUnder(where.dir, 'releases'), ...filesUnder(where.dir, 'release')]);
    const setup = `Built and released${id ? ` (the newest release, ${id}, has GREETING=${greeting})` : ''}, then removed dist/, put a line that throws at the top of every file in src/, and put fake npm, npx, tsc and other build tools first on PATH, as on a machine that runs releases`;
    const { app, port, tools, crashed } = await startRelease(t, where, id, 'the release');
    const calls = toolCalls(tools);
    const ranSource = app.said(new RegExp(marker));
    const wrote = listChanges(watched, new Map([...filesUnder(where.dir, 'releases'), ...filesUnder(where.dir, 'release')]), { mtimes: true });
    const made = [...filesUnder(where.dir, 'dist').keys()];
    const hints = ['npm start must only start what the release stage made: read releases/<id>/, set its config, and import its app. No build.mjs, no npm, no copying.', 'Build once with npm run build, before the release; the release folder holds the whole build, so nothing else is needed to run it.'];
    if (calls || ranSource || made.length || wrote.length) {
      const found = [
        calls,
        ranSource ? `The app ran the edited source (it threw "${ranSource.slice(0, 90)}…"): start built it again, or ran src/ directly.` : '',
        made.length ? `Start recreated ${made.slice(0, 4).join(', ')}${made.length > 4 ? ', …' : ''}: it ran the build.` : '',
        wrote.length ? `Start wrote ${wrote.slice(0, 4).join(', ')}: a release is never written after it is made.` : '',
      ].filter(Boolean).join(' ');
      throw t.fail({
        message: `${setup}. Started ${id ? `RELEASE=${id} ` : ''}npm start. ${found}`,
        expected: 'the release starting as it is: no build tool called, no source run, no file written',
        actual: app.lastOutput(4) || '(no output)',
        hints,
      });
    }
    if (!id) throw t.fail({
      message: `${setup}. "npm run release" made no folder under releases/, so there was no release to start${watched.size ? ` (it wrote ${[...watched.keys()].slice(0, 3).join(', ')}: one folder that every release overwrites)` : ''}.`,
      expected: 'a new folder releases/<id>/ that npm start can run',
      actual: releaseFolders(where.dir).length ? `releases/ holds ${releaseFolders(where.dir).join(', ')}, all there before` : 'no releases/ folder',
      hints: ['In release.mjs, copy dist/ into a new folder releases/<id>/ with a new ID each time, and store the config there too.'],
    });
    if (crashed) throw t.fail({
      message: `${setup}. Started RELEASE=${id} npm start; ${crashed.clause()}. A release must hold everything it needs to run except the platform's PORT and REDIS_URL.`,
      expected: `release ${id} answering on port ${app.port}`,
      actual: app.lastOutput(4) || '(no output)',
      hints: ['Copy the whole build (dist/) into the release folder, and start the app from there, not from dist/ or src/.', ...hints.slice(0, 1)],
    });
    const home = await visit(t, /** @type {number} */ (port));
    if (home.status !== 200 || !home.body.includes(greeting)) throw t.fail({
      message: `${setup}. Started RELEASE=${id} npm start, without GREETING in its environment; GET / got ${describe(home)}, not the greeting ${greeting} that release ${id} was made with.`,
      expected: `an answer with "${greeting}"`,
      actual: home.status === 200 ? describe(home) : `${describe(home)}; the app printed:\n${app.lastOutput(4) || '(nothing)'}`,
      hints: ['Store the environment\'s GREETING in the release (release.mjs), and give it to the app when the release starts (start.mjs).'],
    });
    return `${setup}. RELEASE=${id} npm start answered with ${greeting}, called no build tool, and wrote no file.`;
  },

  'releases-immutable': async (t) => {
    const { steps } = await releaseStory(t);
    /** @type {string[]} */
    const seen = [];
    for (const [i, step] of steps.entries()) {
      const n = i + 1;
      const story = `Ran "npm run build", then "npm run release" ${steps.length} times (the second with the same build, the third after a source change)`;
      if (step.code !== 0) throw t.fail({
        message: `${story}. Release ${n} ${step.timedOut ? `was still running after ${t.bound(10_000)}` : `failed (exit code ${step.code})`}${seen.length ? `, after ${seen.join(', ')}` : ''}${n === 2 ? ': it released the same build as release 1, which must still give a new release with a new ID' : ''}.`,
        expected: 'exit code 0 and a new folder under releases/, every time',
        actual: step.output || '(no output)',
        hints: ['Give every release a new ID that does not depend on the build: the next number, or a precise timestamp.', 'Run "npm run release" twice in a row from the Run menu and read the error.'],
      });
      if (step.created.length !== 1) throw t.fail({
        message: `${story}. Release ${n} ${step.created.length ? `made ${step.created.length} folders under releases/ (${step.created.join(', ')})` : 'made no new folder under releases/'}${step.legacy.size && !step.created.length ? `; it wrote ${[...step.legacy.keys()].slice(0, 3).join(', ')}, the single release/ folder that each release overwrites, so there is nothing to roll back to` : ''}${step.older.length && !step.created.length ? `; it changed ${step.older.slice(0, 3).join(', ')}, a release that was already made` : ''}.`,
        expected: 'exactly one new folder, releases/<release id>/, per release',
        actual: `releases/: ${step.folders.join(', ') || '(none)'}`,
        hints: ['In release.mjs, make a new folder releases/<id>/ for every release (mkdirSync fails if it exists: good), with a new ID even when the build is the same.', 'Copy dist/ into it and write the release\'s config next to the build.'],
      });
      const id = /** @type {string} */ (step.created[0]);
      const clash = seen.find((old) => old === id);
      const before = seen.find((old) => old.localeCompare(id, 'en', { numeric: true }) >= 0);
      if (clash || before) throw t.fail({
        message: `${story}. Release ${n} is ${id}, after ${seen.join(', ')}: ${clash ? 'an ID already used' : `it sorts before ${before}, so "the newest release" and "the one before" cannot be told from the IDs`}.`,
        expected: 'a new ID each time, sorting after every earlier one (v1, v2, … or a timestamp)',
        actual: [...seen, id].join(', '),
        hints: ['Number the releases (the highest number under releases/ plus one) or use a precise timestamp; not the build ID, which repeats when the build does.'],
      });
      if (step.older.length) throw t.fail({
        message: `${story}. Release ${n} (${id}) also changed ${step.older.slice(0, 4).join(', ')}: files of a release made before. The checker hashes every file of every release; once made, a release must stay exactly as it was, or a rollback does not bring back what ran.`,
        expected: 'every file of the earlier releases byte for byte unchanged',
        actual: step.older.slice(0, 6).join(', '),
        hints: ['Write only inside the new release\'s folder. Keep "which release is current" out of the releases, e.g. in the RELEASE the platform gives npm start.'],
      });
      const size = [...step.files.keys()].filter((p) => p.startsWith(`releases/${id}/`)).length;
      if (!size) throw t.fail({
        message: `${story}. Release ${n} made releases/${id}/, but left it empty.`,
        expected: 'the build and the release\'s config in the folder',
        actual: 'an empty folder',
        hints: ['Copy dist/ into releases/<id>/ and write the config (e.g. release.json) there.'],
      });
      seen.push(id);
    }
    const files = steps.at(-1)?.files.size ?? 0;
    return `Ran "npm run release" three times (twice on one build, once after a source change): releases ${seen.join(', ')}, one new folder each, in order; the ${files} files of the releases hashed after each step, and none made earlier changed.`;
  },

  'rollback': async (t) => {
    const { where, steps, probe, edited, builds } = await releaseStory(t);
    const first = steps[0]?.created.length === 1 ? steps[0] : undefined;
    const last = steps[2]?.created.length === 1 ? steps[2] : undefined;
    if (!first || !last || first.created[0] === last.created[0]) throw t.notRun('the releases did not each get a folder of their own under releases/, so there is none to roll back to', 'releases-immutable');
    const [v1, v3] = [/** @type {string} */ (first.created[0]), /** @type {string} */ (last.created[0])];
    const story = `Released ${v1} (GREETING=${first.greeting}${builds[0]?.id ? `, build ${builds[0].id}` : ''}), then, after a line was added to ${edited} and a new build, ${v3} (GREETING=${last.greeting}${builds[1]?.id ? `, build ${builds[1].id}` : ''})`;
    const hints = ['start.mjs: run the release named in RELEASE: its own copy of the build, with the config stored in it, and set its IDs for /version.'];
    const runs = [];
    for (const [release, step, build, newCode] of /** @type {const} */ ([[v3, last, builds[1], true], [v1, first, builds[0], false]])) {
      const { app, port, tools, crashed } = await startRelease(t, where, release, `release ${release}`);
      const calls = toolCalls(tools);
      if (crashed || calls) throw t.fail({
        message: `${story}. Started RELEASE=${release} npm start (without GREETING); ${calls || crashed?.clause()}.`,
        expected: `release ${release} answering`,
        actual: app.lastOutput(4) || '(no output)',
        hints: calls ? ['npm start only runs a release; the build happened before.'] : hints,
      });
      const home = await visit(t, /** @type {number} */ (port));
      const version = await request(/** @type {number} */ (port), '/version', { timeout: t.budget(5000) });
      await app.stop(2000);
      const tokens = tokensOf(version);
      const ran = app.said(new RegExp(probe)) !== undefined;
      const problems = [];
      if (home.status !== 200 || !home.body.includes(step.greeting)) problems.push(`GET / got ${describe(home)}, not ${release}'s greeting ${step.greeting}${[first, steps[1], last].some((s) => s && s !== step && home.body.includes(s.greeting)) ? ' but another release\'s' : ''}`);
      if (ran !== newCode) problems.push(newCode ? `it did not run the line added to ${edited} before its build: ${release} holds older code` : `it ran the line added to ${edited} after ${release} was made: it runs newer code than the release holds`);
      if (!tokens.has(release)) problems.push(`GET /version got ${describe(version)}, which does not name release ${release}`);
      else if (build?.id && !tokens.has(build.id)) problems.push(`GET /version got ${describe(version)}, which does not name build ${build.id}`);
      if (problems.length) throw t.fail({
        message: `${story}. ${runs.length ? `${runs[0]} Then rolled back: started` : 'Started'} RELEASE=${release} npm start, without GREETING: ${problems.join('; ')}.`,
        expected: `${release}'s greeting (${step.greeting}), ${newCode ? 'the new' : 'the old'} code, and /version naming ${release}${build?.id ? ` and ${build.id}` : ''}`,
        actual: `${describe(home)}; /version: ${describe(version)}${home.status === 200 ? '' : `; the app printed:\n${app.lastOutput(4) || '(nothing)'}`}`,
        hints: [...hints, 'The release ID and build ID can travel in the environment start.mjs gives the app (e.g. RELEASE_ID, BUILD_ID) and come back in /version as JSON.'],
      });
      runs.push(`RELEASE=${release} served ${step.greeting} and ${describe(version)}.`);
    }
    return `${story}. ${runs[0]} Rolled back to ${v1}: ${runs[1]} Neither start had GREETING in its environment.`;
  },
};

// A build, up to five stage commands and two starts, each a Node process: room for a loaded machine.
for (const check of Object.values(checks)) check.timeLimit = 20_000;

await runLab(new URL('./lab.json', import.meta.url), checks);
