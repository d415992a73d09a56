// @ts-check
// The checks of lab 01-codebase (Codebase). The workspace holds two apps, web/ and report/, and the
// library visit-counter/. Every app is started the way a deploy gets it (install.mjs): its folder, with
// the packages its package.json declares installed into its node_modules.
//   one-source     both apps agree on the count; the checker then changes the Redis key where it is
//                  written (in the library both declare, else in web's own file) and both must follow.
//   own-codebase   each app folder, copied alone with its declared dependencies, starts and works; no
//                  import in it (or in a library it installs) leaves its folder.
//   many-deploys   two deploys of the same web folder, differing only in DEPLOY_NAME and their Redis,
//                  each report their own name; no file in the workspace is made for one deploy.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { AppExited, describe, randomHex, randomWord, request, runLab } from '../_kit/index.mjs';
import { copyApp, installDependencies, localDependencies, removeModules } from './install.mjs';
import { deployFiles, findKey, leavingImports, sourceFiles, webCopies } from './files.mjs';

const APPS = ['web', 'report'];
/** Commands that name no key of the app's (connection set-up, health). */
const NO_KEY = new Set(['PING', 'INFO', 'SELECT', 'AUTH', 'CLIENT', 'QUIT', 'HELLO', 'COMMAND', 'READONLY', 'CONFIG', 'ECHO']);
const WRITES = /^(INCR|INCRBY|INCRBYFLOAT|DECR|DECRBY|HINCRBY|HINCRBYFLOAT|SET|ZINCRBY|HSET|PFADD|SADD|LPUSH|RPUSH|XADD)$/;

/** @typedef {import('../_kit/index.d.ts').CheckContext} T */
/** @typedef {import('../_kit/index.d.ts').Watcher} Watcher */

/** Keys a watched app used, in order of first use. @param {Watcher} watcher */
const keysOf = (watcher) => [...new Set(watcher.commands().flatMap((c) => (!NO_KEY.has(c.name) && c.args[0] !== undefined ? [c.args[0]] : [])))];
/** The key of the first write a watched app sent. @param {Watcher} watcher */
const writeKey = (watcher) => watcher.commands().find((c) => WRITES.test(c.name))?.args[0];
/** The whole numbers in a text. @param {string} text */
const numbers = (text) => (text.match(/\d+/g) ?? []).map(Number);
const quoted = (/** @type {string[]} */ keys) => (keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no key');

/**
 * An instance of the whole workspace (every folder where it is) with each app's declared dependencies
 * installed into its own node_modules. `edit` may change the copy first.
 * @param {T} t @param {string} name @param {(dir: string) => void} [edit]
 */
function workspaceInstance(t, name, edit) {
  const { dir } = t.instance(name);
  edit?.(dir);
  for (const app of APPS) {
    const { problems } = installDependencies({ workspace: dir, source: join(dir, app), target: join(dir, app) });
    if (problems.length) throw installFailed(t, app, problems);
  }
  return name;
}

/** @param {T} t @param {string} app @param {string[]} problems */
function installFailed(t, app, problems) {
  return t.fail({
    message: `Installed what ${app}/package.json declares under "dependencies", as a deploy of ${app} would: ${problems.join(' ')}`,
    expected: `every dependency of ${app} installable: a version range of a package the workspace has (ioredis), or "file:../<folder>" for a library in the workspace`,
    actual: problems.join('\n'),
    hints: [`Declare the shared library in ${app}/package.json as "visit-counter": "file:../visit-counter", and check the folder name.`],
    summary: `${app}'s dependencies could not be installed`,
  });
}

/**
 * Starts an app from its folder (`npm start`) and waits until it answers; a crash or an early exit is the
 * learner's to fix here, so it fails the check with the app's own error.
 * @param {T} t @param {{ app: string, instance: string, env: Record<string, string>, label: string, doing: string, hints: string[] }} o
 */
async function startApp(t, { app, instance, env, label, doing, hints }) {
  try {
    return await t.startReady({ instance, cwd: app, command: 'npm start', env, label, path: '/health' });
  } catch (error) {
    const exited = error instanceof AppExited ? error.app : undefined;
    if (!exited && !(error instanceof Error && error.name === 'CommandError')) throw error;
    const why = exited ? exited.errorLine() ?? exited.lastOutput(1) : /** @type {Error} */ (error).message;
    throw t.fail({
      message: `${doing} ${label} stopped before it answered: ${why}`,
      expected: `${label} answering on the port given in PORT`,
      actual: exited ? `${exited.exit ? `exited (${exited.exit.signal ?? `code ${exited.exit.code}`})` : 'exited'}; its last output:\n${exited.lastOutput(6) || '(nothing)'}` : why,
      hints,
      summary: `${label} did not start`,
    });
  }
}

/** GET / with a budgeted timeout. @param {T} t @param {number} port */
const visit = (t, port) => request(port, '/', { timeout: t.budget(3000) });

/**
 * Runs web and report side by side on one Redis (each behind its own watcher), visits web a random number
 * of times, then asks report.
 * @param {T} t @param {string} instance @param {string} doing
 */
async function visitBoth(t, instance, doing) {
  const [webWatch, reportWatch] = await Promise.all([t.redis.watch(), t.redis.watch()]);
  const hints = ['Press Run and read what the app prints as it starts: the error names the file and line.'];
  const [web, report] = await Promise.all([
    startApp(t, { app: 'web', instance, label: 'web', doing, hints, env: await t.env({ REDIS_URL: webWatch.url, DEPLOY_NAME: randomWord('deploy-'), NODE_ENV: 'production' }) }),
    startApp(t, { app: 'report', instance, label: 'report', doing, hints, env: await t.env({ REDIS_URL: reportWatch.url, NODE_ENV: 'production' }) }),
  ]);
  const visits = randomInt(3, 7);
  let last;
  for (let i = 0; i < visits; i++) {
    last = await visit(t, web.port);
    if (last.status !== 200) {
      throw t.fail({
        message: `${doing} sent GET / to web (visit ${i + 1} of ${visits}); it answered ${describe(last)}.`,
        expected: '200 with the visitor count',
        actual: `${describe(last)}; web printed:\n${web.app.lastOutput(4) || '(nothing)'}`,
        hints: ['Press Run, open the page, and read what web prints when a visit fails.'],
        summary: 'web did not count visits',
      });
    }
  }
  const answer = await visit(t, report.port);
  return { visits, web: /** @type {import('../_kit/index.d.ts').Response} */ (last), answer, webKey: writeKey(webWatch), reportKeys: keysOf(reportWatch), apps: [web.app, report.app] };
}

/** @param {{ visits: number, answer: import('../_kit/index.d.ts').Response }} run */
const reportAgrees = (run) => run.answer.status === 200 && numbers(run.answer.body).includes(run.visits);

await runLab(new URL('./lab.json', import.meta.url), {
  'one-source': Object.assign(
    async (/** @type {T} */ t) => {
      // 1. Today: do the two apps agree at all?
      const before = await visitBoth(t, workspaceInstance(t, 'today'), 'Started web and report on one Redis and');
      if (!reportAgrees(before)) {
        throw t.fail({
          message: `Visited web ${before.visits} times (it answered ${describe(before.web)}), then asked report for the count: it answered ${describe(before.answer)}. web counts in the Redis key ${quoted(before.webKey ? [before.webKey] : [])}; report read ${quoted(before.reportKeys)}. The two copies of the counter code have drifted apart.`,
          expected: `report showing ${before.visits}, the count web just made`,
          actual: describe(before.answer),
          hints: [
            'Compare web/counter.js with report/counter.js: a change made in one copy never reached the other.',
            'Put the counter code in the visit-counter package once, and make both apps use it from there.',
          ],
          summary: 'web and report disagree on the count',
        });
      }
      if (!before.webKey) throw t.fail({ message: `Visited web ${before.visits} times; it answered, but the checker saw no write to Redis (INCR or the like).`, expected: 'each visit counted in Redis', actual: `commands seen: ${quoted(before.reportKeys)}`, hints: ['Count each visit in Redis through the visit-counter package.'] });
      const key = before.webKey;

      // An app installed as another app's dependency brings its server and config along: that is not a library.
      const appAsDependency = APPS.flatMap((app) => localDependencies(t.workspace, app).filter((dep) => APPS.some((other) => other !== app && dep.dir === join(t.workspace, other))).map((dep) => `${app}/package.json declares "${dep.name}": "${dep.spec}"`));
      if (appAsDependency.length) {
        throw t.fail({
          message: `Visited web ${before.visits} times and report showed ${before.visits}, but ${appAsDependency.join(' and ')}: one app installs the other whole, with its server and its settings, to reach the counter code.`,
          expected: 'both apps depending on a library of their own (visit-counter), neither on the other app',
          actual: appAsDependency.join('\n'),
          hints: ['Move the code both apps need into visit-counter/ and declare that package in both apps instead.'],
        });
      }

      // 2. Where is the key written? In the library both apps declare, if there is one; else in web's own files.
      // Without a shared library, wherever the key is spelled: one file both apps import is one source too
      // (own-codebase judges how they reach it); two copies get the change in web's copy only.
      const shared = localDependencies(t.workspace, 'web').filter((dep) => localDependencies(t.workspace, 'report').some((other) => other.dir === dep.dir));
      const place = shared.length ? shared.map((dep) => ({ dir: dep.dir, what: `the library ${dep.name} (${dep.spec}) that both apps declare` })) : [{ dir: t.workspace, what: 'the workspace (the apps declare no library in common)' }];
      const found = place.map((p) => ({ ...p, hit: findKey(sourceFiles(t.workspace, p.dir), key) })).find((p) => p.hit);
      if (found?.hit && !shared.length) {
        const inWeb = found.hit.files.filter((f) => f.path.startsWith('web/'));
        const copies = inWeb.length > 0 && inWeb.length < found.hit.files.length;
        if (copies) found.hit.files = inWeb;
        found.what = copies ? "web's own copy; the apps declare no library in common" : 'the apps declare no library in common';
      }
      if (!found?.hit) {
        throw t.fail({
          message: `Both apps agree: web counts in the Redis key "${key}" and report reads it. But the checker found no string in ${place.map((p) => p.what).join(' or ')} that spells that key, so there is no one place to change it.`,
          expected: `the key "${key}" (or the prefix it is built from) written once, in the library both apps declare`,
          actual: `no string literal that is part of "${key}" in ${place.map((p) => p.what).join(', ')}`,
          hints: ['Name the key in the visit-counter package, e.g. const KEY = \'visits:total\', and let both apps count through it.'],
        });
      }
      const hit = found.hit;
      const suffix = `-${randomHex(3)}`;
      // The first pair stays up, idle on the old key, until the check ends: stopping it first only costs time.

      // 3. Change it there, once, reinstall both apps, and see whether both follow.
      const changed = workspaceInstance(t, 'changed', (dir) => {
        for (const file of hit.files) {
          const path = join(dir, file.path);
          writeFileSync(path, file.change(readFileSync(path, 'utf8'), suffix));
        }
      });
      const where = hit.files.map((f) => f.path).join(', ');
      t.log(`changed "${hit.piece}" to "${hit.piece}${suffix}" in ${where}`);
      const after = await visitBoth(t, changed, `Changed the key's "${hit.piece}" to "${hit.piece}${suffix}" in ${where} (${found.what}), reinstalled both apps, started them on one Redis and`);
      const followed = { web: !!after.webKey && after.webKey !== key, report: after.webKey !== undefined && after.reportKeys.includes(after.webKey) && !after.reportKeys.includes(key) };
      if (!followed.web || !followed.report || !reportAgrees(after)) {
        const stuck = !followed.web ? 'web' : 'report';
        throw t.fail({
          message: `Changed "${hit.piece}" to "${hit.piece}${suffix}" in ${where} (${found.what}), reinstalled both apps and visited web ${after.visits} times: web now counts in ${quoted(after.webKey ? [after.webKey] : [])}, report reads ${quoted(after.reportKeys)} and answered ${describe(after.answer)}. ${stuck} did not follow the change: it still has ${stuck === 'web' ? 'the key written somewhere of its own' : 'a copy of the counter code of its own'}.`,
          expected: `both apps following one change: web counting in a key with "${hit.piece}${suffix}", report reading that key and showing ${after.visits}`,
          actual: `web: ${quoted(after.webKey ? [after.webKey] : [])}; report: ${quoted(after.reportKeys)}, ${describe(after.answer)}`,
          hints: shared.length
            ? [`Make ${stuck} count through the visit-counter package: import createCounter from 'visit-counter' and remove its own copy of the code.`]
            : ['Two copies agree only until the next change. Move the counter code into visit-counter/, declare it in both package.json files ("visit-counter": "file:../visit-counter"), and import it by its package name.'],
        });
      }
      return `Visited web ${before.visits} times; report showed ${before.visits} (key "${key}"). Changed the key once, in ${where} (${found.what}): after reinstalling, web counted ${after.visits} visits in "${after.webKey}" and report read the same key and showed ${after.visits}.`;
    },
    { timeLimit: 20_000 },
  ),

  'own-codebase': Object.assign(
    async (/** @type {T} */ t) => {
      const doing = (/** @type {string} */ app) => `Copied ${app}/ alone (nothing of the workspace beside it), installed what its package.json declares, ran npm start there, and`;
      const hints = (/** @type {string} */ app) => [
        `Everything ${app} runs must come from its own folder or from a package its package.json declares: no import may start with ../ out of ${app}/.`,
        app === 'report' ? 'report can read PORT and REDIS_URL from process.env itself, and get the counter from the visit-counter package.' : 'Import shared code by its package name (\'visit-counter\'), declared in package.json as "file:../visit-counter".',
      ];
      const started = await Promise.all(
        APPS.map(async (app) => {
          const name = `${app}-alone`;
          const { dir } = t.instance(name);
          for (const entry of readdirSync(dir)) {
            if (entry === 'node_modules') removeModules(join(dir, entry));
            else rmSync(join(dir, entry), { recursive: true, force: true });
          }
          const { problems, installed } = copyApp({ workspace: t.workspace, app, into: join(dir, app) });
          if (problems.length) throw installFailed(t, app, problems);
          t.log(`${app} alone: installed ${installed.map((i) => `${i.name} (${i.spec})`).join(', ') || 'nothing'}`);
          const env = await t.env({ NODE_ENV: 'production', ...(app === 'web' ? { DEPLOY_NAME: randomWord('deploy-') } : {}) });
          const leaving = [join(t.workspace, app), ...installed.filter((i) => i.local).map((i) => join(t.workspace, i.from))].flatMap((d) => leavingImports(t.workspace, d));
          const label = `${app} (alone)`;
          return { folder: app, installed, ...(await startApp(t, { app, instance: name, env, label, doing: doing(app), hints: leaving.length ? [`${leaving.join('; ')}: on a server that holds only ${app}, that path leads nowhere.`, ...hints(app)] : hints(app) })) };
        }),
      );
      const [web, report] = started;
      if (!web || !report) throw new Error('unreachable');
      const first = await visit(t, web.port);
      const shown = await visit(t, report.port);
      if (first.status !== 200 || !numbers(first.body).includes(1) || shown.status !== 200 || !numbers(shown.body).includes(1)) {
        throw t.fail({
          message: `Started web and report each from its own folder alone, on an empty Redis; visited web once (${describe(first)}) and asked report (${describe(shown)}).`,
          expected: 'web counting visitor 1, and report showing 1',
          actual: `web: ${describe(first)}; report: ${describe(shown)}`,
          hints: ['Each app must work on its own: press Run, visit web, then open report, and read what they print.'],
        });
      }
      // Behaviour passed. A second line: no import in either app, or in a library it installs, leaves its folder
      // (an absolute path or a ../ path that happens to exist on this machine would not exist on a server).
      const leaving = [];
      for (const { folder, installed } of started) {
        leaving.push(...leavingImports(t.workspace, join(t.workspace, folder)));
        for (const dep of installed.filter((i) => i.local)) leaving.push(...leavingImports(t.workspace, join(t.workspace, dep.from)));
      }
      if (leaving.length) {
        throw t.fail({
          message: `Both apps started from their own folders alone, but their code reaches outside its folder: ${leaving.join('; ')}. On a server that holds only this app, that path leads nowhere.`,
          expected: 'every import inside the folder of the app (or library) that makes it, or a package by its name',
          actual: leaving.join('\n'),
          hints: ['Import shared code by its package name, declared in package.json; read settings from process.env.'],
        });
      }
      return `Copied web/ and report/ each alone and installed what each declares (${started.map((s) => `${s.folder}: ${s.installed.map((i) => i.name).join(', ') || 'nothing'}`).join('; ')}); both started, web counted visitor 1 and report showed 1, and no import leaves its folder.`;
    },
    { timeLimit: 15_000 },
  ),

  'many-deploys': Object.assign(
    async (/** @type {T} */ t) => {
      const names = [randomWord('staging-'), randomWord('production-')];
      const secured = await t.redis.secured();
      const urls = [t.redis.url, secured.url];
      const doing = `Installed web/ twice from the same files and started two deploys of it with DEPLOY_NAME=${names[0]} and DEPLOY_NAME=${names[1]} (each with its own Redis, both NODE_ENV=production);`;
      const deploys = await Promise.all(
        names.map(async (name, i) => {
          const instance = workspaceInstance(t, `deploy-${i + 1}`);
          const env = await t.env({ REDIS_URL: urls[i], DEPLOY_NAME: name, NODE_ENV: 'production' });
          return { name, ...(await startApp(t, { app: 'web', instance, env, label: `deploy ${name}`, doing, hints: ['Read the deploy name from process.env.DEPLOY_NAME: every deploy runs the same code and sets its own environment.'] })) };
        }),
      );
      const [a, b] = /** @type {[typeof deploys[0], typeof deploys[0]]} */ (deploys);
      const answers = [await visit(t, a.port), await visit(t, a.port), await visit(t, b.port)];
      const [a1, a2, b1] = /** @type {[any, any, any]} */ (answers);
      const shows = (/** @type {import('../_kit/index.d.ts').Response} */ r, /** @type {string} */ own, /** @type {string} */ other, /** @type {number} */ count) => r.status === 200 && r.body.includes(own) && !r.body.includes(other) && numbers(r.body).includes(count);
      if (!shows(a1, a.name, b.name, 1) || !shows(a2, a.name, b.name, 2) || !shows(b1, b.name, a.name, 1)) {
        const fromEnv = answers.every((r) => !r.body.includes(a.name) && !r.body.includes(b.name));
        throw t.fail({
          message: `${doing} visited the first twice and the second once. They answered ${describe(a1)}, ${describe(a2)} and ${describe(b1)}.${fromEnv ? ' Neither says the name its environment gave it: the deploy name comes from somewhere else (a value in the code, NODE_ENV, a file per deploy).' : ''}`,
          expected: `"${a.name}" with visitor 1 then 2 from the first, "${b.name}" with visitor 1 from the second`,
          actual: answers.map(describe).join('\n'),
          hints: [
            'Read the deploy name from process.env.DEPLOY_NAME in web/config.js. Staging and production run the same folder; only their environments differ.',
            'A value per deploy written in a file (or picked by NODE_ENV) means a different codebase per deploy.',
          ],
        });
      }
      // Behaviour passed. A second line: nothing in the workspace is made for one deploy.
      const perDeploy = [...deployFiles(join(t.workspace, 'web')).map((f) => `web/${f}`), ...webCopies(t.workspace)];
      if (perDeploy.length) {
        throw t.fail({
          message: `Both deploys report their own names, but the workspace keeps files for particular deploys: ${perDeploy.join(', ')}. Every deploy must run the same files; what differs between deploys belongs in their environments.`,
          expected: 'no file or folder named after a deploy (staging, production, …)',
          actual: perDeploy.join('\n'),
          hints: ['Move what such a file holds into environment variables the app reads, and empty or rename the file.'],
        });
      }
      return `Started two deploys of the same web files with DEPLOY_NAME=${a.name} and ${b.name}, each on its own Redis: the first greeted visitors 1 and 2 as ${a.name}, the second visitor 1 as ${b.name}; no file is kept for one deploy.`;
    },
    { timeLimit: 15_000 },
  ),
});

