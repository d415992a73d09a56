// @ts-check
// `t`, what each check receives: the environment to give the app, starting it (ready or not), one-off
// commands, a formation from the Procfile, workspace snapshots, the check's Redis, budgets scaled to the
// machine, and the standard failures so every lab words them the same way.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { AppExited, startApp } from './app.mjs';
import { describeBound, seconds, waitFactor } from './calibrate.mjs';
import { CommandError } from './commands.mjs';
import { request } from './http.mjs';
import { describeHolder, whoHolds } from './ports.mjs';
import { freePort, sleep } from './util.mjs';
import { changedSince, makeInstance, snapshot } from './workspace.mjs';

const MAX_APP_LOG_LINES = 60;
const DELIVERY = { group: 'to its process group', process: 'to the process', shim: "in-process, through the kit's SIGTERM shim (this runtime does not deliver signals to handlers)" };

/**
 * A check's verdict that the learner's app does not do what the factor asks. `summary` is a short
 * clause ("the app never listened on PORT") that checks sharing the same run quote when they cannot run.
 */
export class CheckFailed extends Error {
  /** @param {import('./index.d.ts').Failure} details */
  constructor({ message, expected, actual, hints = [], summary, timing }) {
    super(message);
    this.name = 'CheckFailed';
    this.timing = timing;
    this.expected = expected;
    this.actual = actual;
    this.hints = hints;
    this.summary = summary;
  }
}

/**
 * A check that could not judge: the run it needs failed in another check (which tells the story), or
 * the app was already gone when the check's moment came. Reported as `error`, never as a pass.
 */
export class NotRun extends Error {
  /** @param {string} reason @param {string} [ownerTitle] */
  constructor(reason, ownerTitle) {
    super(`Not run: ${reason}${ownerTitle ? ` (see “${ownerTitle}”)` : ''}.`);
    this.name = 'NotRun';
  }
}

/**
 * @param {{ manifest: any, check: { id: string, title: string }, workspace: string, scratch: string,
 *   backing: any, supervisor: any, calibration: import('./calibrate.mjs').Calibration,
 *   emit: (event: object) => void, shared: Map<string, any>, apps: any[], live: Set<any>,
 *   waits?: import('./app.mjs').WaitRecord[], cleanups?: (() => Promise<void> | void)[] }} run
 *   `waits` collects the kit's waits that were met (reported with the result, see checker.mjs);
 *   `cleanups` run when the check ends, whatever its verdict.
 * @returns {import('./index.d.ts').CheckContext}
 */
export function createContext({ manifest, check, workspace, scratch, backing, supervisor, calibration, emit, shared, apps, live, waits: met = [], cleanups = [] }) {
  let appLines = 0;
  const { factor } = calibration;
  /** Waits stretch with the machine as measured, beyond the capped factor bounds are judged by. */
  const waits = waitFactor(calibration);
  const log = (/** @type {string} */ text, source = 'checker') => emit({ type: 'log', check: check.id, source, text });
  const instances = new Map();
  const instance = (/** @type {string} */ name) => {
    if (!instances.has(name)) instances.set(name, makeInstance(workspace, join(scratch, check.id), name));
    return instances.get(name);
  };
  const budget = (/** @type {number} */ ms) => Math.round(ms * factor);

  /** @type {import('./index.d.ts').CheckContext} */
  const t = {
    manifest,
    workspace,
    redis: backing,
    calibration,
    log,
    port: freePort,
    async holdPort({ port: wanted } = {}) {
      // Like another program on the machine: every address (so the app's listen fails however it binds),
      // connections accepted and closed at once. Released when the check ends, whatever its verdict.
      const server = createServer((socket) => socket.destroy());
      await new Promise((resolve, reject) => {
        server.once('error', (error) => reject(new Error(`t.holdPort could not hold port ${wanted ?? '(any)'}: ${error.message}`)));
        server.listen(wanted ?? 0, () => resolve(undefined));
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : Number(wanted);
      /** @type {Promise<void> | undefined} */
      let released;
      const release = () => (released ??= new Promise((resolve) => {
        server.close(() => resolve());
        log(`released port ${port}`);
      }));
      cleanups.push(release);
      log(`holding port ${port} itself, as another program on the machine would`);
      return { port, release };
    },
    budget,
    wait: (ms) => Math.round(ms * waits),
    bound: (ms) => describeBound(ms, calibration),

    async env(overrides = {}) {
      /** @type {Record<string, string>} */
      const env = { ...(manifest.env ?? {}), PORT: String(await freePort()), REDIS_URL: backing.url };
      for (const [name, value] of Object.entries(overrides)) {
        if (value === undefined) delete env[name];
        else env[name] = String(value);
      }
      return env;
    },

    instance(name) {
      const own = instance(name);
      return { dir: own.dir, env: { ...own.env } };
    },

    start({ env, label = 'the app', command = manifest.commands.start, instance: name, cwd } = {}) {
      const chosen = env ?? { ...(manifest.env ?? {}), REDIS_URL: backing.url };
      const own = name ? instance(name) : undefined;
      const dir = own ? resolve(own.dir, cwd ?? '.') : resolve(workspace, cwd ?? '.');
      const shown = Object.entries(chosen).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ');
      const app = startApp({
        command,
        cwd: dir,
        env: own ? { ...own.env, ...stringEnv(chosen) } : stringEnv(chosen),
        label,
        supervisor,
        factor: waits,
        shownRoot: own ? own.dir : workspace,
        onWait: (record) => met.push(record),
        onLine: (a, _stream, text) => {
          const tidy = a.tidy(text);
          if (tidy !== undefined && ++appLines <= MAX_APP_LOG_LINES) log(`${a.label}: ${tidy}`, 'app');
        },
      });
      log(`started ${label}${own ? ` on its own instance ${name} (own copy of the app folder, TMPDIR and HOME)` : ''}: ${shown ? `${shown} ` : ''}${app.command}`);
      const signal = app.signal;
      app.signal = (sig) => {
        const how = signal(sig);
        log(how ? `sent ${sig} to ${label} ${DELIVERY[how]}` : `${sig} not sent: ${label} had already exited`);
        return how;
      };
      apps.push(app);
      live.add(app);
      app.exited.then(() => live.delete(app));
      return app;
    },

    async startReady({ env, label = 'the app', path = '/', within = 3000, instance: name, command, cwd } = {}) {
      env ??= await t.env();
      const port = Number(env.PORT);
      if (!Number.isInteger(port)) throw new Error(`startReady needs env.PORT to be a port number, not ${env.PORT}`);
      const app = t.start({ env, label, instance: name, command, cwd });
      const deadline = app.started + Math.round(within * waits);
      while (performance.now() < deadline && app.running) {
        const response = await request(port, path, { timeout: Math.max(250, deadline - performance.now()) });
        if (response.status !== undefined) {
          const ms = performance.now() - app.started;
          log(`${label} answered GET ${path} with ${response.status} after ${Math.round(ms)} ms`);
          met.push({ wait: `${label}: startReady within ${within}`, observedMs: Math.round(ms), idleMs: within, boundMs: Math.round(within * waits) });
          return { app, port, url: `http://127.0.0.1:${port}`, response, ms };
        }
        await sleep(25);
      }
      if (!app.running) await app.exited;
      const held = app.addressInUse();
      if (held !== undefined) throw portHeld(t, app, held, port);
      if (!app.running) throw new AppExited(app, `before answering on port ${port}`);
      const claimed = app.ownLines().join('\n').match(/port\W{0,3}(\d{2,5})/i)?.[1];
      const elsewhere = claimed && claimed !== String(port) ? claimed : undefined;
      throw t.fail({
        message: `Started ${label} with PORT=${port}; nothing answered GET ${path} there within ${waits > factor ? seconds(within * waits) : t.bound(within)}${elsewhere ? `, and the app says it listens on ${elsewhere}: a port written into the code` : ''}.`,
        expected: `an HTTP answer on port ${port}`,
        actual: `nothing on ${port}; ${label} printed:\n${app.lastOutput(4) || '(nothing)'}`,
        hints: elsewhere
          ? ['Read the port from process.env.PORT: a platform assigns it, and the app must listen where it is told to.']
          : ['Press Run and watch what the app prints while it starts: it must listen on process.env.PORT, and soon.'],
        summary: `${label} never answered on the port given in PORT`,
        // Silence is about time, unless the app says where it listens instead: that is decisive on any machine.
        ...(elsewhere ? {} : { timing: { observedMs: within * waits, idleMs: within } }),
      });
    },

    async exec(command, { env, timeout = 10_000, cwd, instance: name, label } = {}) {
      env ??= await t.env();
      const app = t.start({ env, label: label ?? `"${command}"`, command, instance: name, cwd });
      const exit = await app.waitForExit(timeout);
      if (!exit) {
        log(`${app.label} was still running after ${seconds(timeout * waits)}; stopped it`);
        await app.kill();
      }
      await app.exited;
      const finished = /** @type {NonNullable<typeof app.exit>} */ (app.exit);
      const stream = (/** @type {string} */ s) => app.lines.filter((l) => l.stream === s).map((l) => l.text);
      const crash = app.crash();
      log(`${app.label} ${exit ? (finished.signal ? `was killed by ${finished.signal}` : `exited with code ${finished.code}`) : 'timed out'} after ${Math.round(finished.ms)} ms`);
      return { code: exit ? finished.code : null, signal: exit ? finished.signal : null, ms: finished.ms, stdout: stream('stdout'), stderr: stream('stderr'), json: app.jsonLines(), timedOut: !exit, ...(crash ? { crash } : {}), app };
    },

    async scale(formation, { env, separate = true } = {}) {
      const procfile = await t.read('Procfile');
      if (procfile === undefined) {
        throw t.fail({ message: 'The app has no Procfile, so the checker cannot tell which process types it has.', expected: 'a Procfile in the app folder, e.g. "web: node web.js"', actual: 'no Procfile', hints: ['Add a file named Procfile with one "type: command" line per process type.'], summary: 'the app has no Procfile' });
      }
      const types = parseProcfile(procfile);
      const base = env ?? (await t.env());
      /** @type {Record<string, import('./index.d.ts').App[]>} */
      const started = {};
      for (const [type, count] of Object.entries(formation)) {
        const command = types.get(type);
        if (command === undefined) {
          throw t.fail({ message: `The Procfile has no "${type}" process type${types.size ? `; it declares ${[...types.keys()].join(', ')}` : ''}.`, expected: `a line "${type}: <command>" in the Procfile`, actual: procfile.trim() || '(an empty Procfile)', hints: [`Add "${type}: node <file>.js" to the Procfile.`], summary: `the Procfile has no "${type}" type` });
        }
        started[type] = [];
        for (let i = 1; i <= count; i++) {
          const name = `${type}.${i}`;
          // DYNO names the process as a platform's process manager does (web.1, worker.2), as Run's --formation does.
          const own = { ...base, PORT: String(await freePort()), DYNO: name };
          started[type].push(t.start({ env: own, label: name, command, instance: separate ? name : undefined }));
        }
      }
      return started;
    },

    snapshot: () => snapshot(workspace),
    changedSince,

    once(key, fn) {
      let run = shared.get(key);
      if (!run) {
        run = { owner: check, promise: Promise.resolve().then(fn) };
        run.promise.then(() => (run.ok = true), (/** @type {unknown} */ error) => (run.error = error));
        shared.set(key, run);
        return run.promise;
      }
      if (run.owner === check || run.ok) return run.promise;
      const notRun = (/** @type {unknown} */ error) => new NotRun(reasonOf(error), run.owner.title);
      // The check that started the run gave up on it (it timed out, say) before the run settled.
      if (run.error === undefined && run.abandoned !== undefined) return Promise.reject(notRun(run.abandoned));
      return run.promise.catch((/** @type {unknown} */ error) => Promise.reject(notRun(error)));
    },
    fail: (details) => new CheckFailed(details),
    notRun: (reason, seeCheck) => new NotRun(reason, manifest.checks.find((/** @type {{ id: string }} */ c) => c.id === seeCheck)?.title),
    read: (path) => readFile(join(workspace, path), 'utf8').catch(() => undefined),
  };
  return t;
}

/** @param {import('./index.d.ts').EnvOverrides} env @returns {Record<string, string | undefined>} */
const stringEnv = (env) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));

/**
 * A Procfile's process types: `web: node web.js` → web → "node web.js". Comments and blank lines are skipped.
 * @param {string} text
 */
export function parseProcfile(text) {
  const types = new Map();
  for (const line of text.split(/\r?\n/)) {
    const match = line.match(/^\s*([A-Za-z0-9_-]+)\s*:\s*(.+?)\s*$/);
    if (match && !line.trimStart().startsWith('#')) types.set(match[1], match[2]);
  }
  return types;
}

/**
 * The app could not listen because another process holds the port: when it is the port the checker
 * chose, the check could not run (error); when the app chose it itself, say who holds it and that the
 * app ignored PORT.
 * @param {import('./index.d.ts').CheckContext} t @param {import('./index.d.ts').App} app @param {number} held @param {number} given
 */
function portHeld(t, app, held, given) {
  const holder = describeHolder(held, whoHolds(held));
  if (held === given) {
    return new NotRun(`${holder}: another program took port ${held} after the checker picked it for ${app.label}; run the checks again`);
  }
  return t.fail({
    message: `Started ${app.label} with PORT=${given}; it tried to listen on port ${held} instead, and ${holder} — stop Run (or that program) and check again. Whatever holds it, the app must listen on the port given in PORT.`,
    expected: `a server on port ${given} (from PORT)`,
    actual: `listen EADDRINUSE on port ${held}`,
    hints: [`Stop Run (or the program holding port ${held}) so the port is free.`, 'Read the port from process.env.PORT rather than writing a number into the code.'],
    summary: `${app.label} listened on port ${held}, not on PORT, and that port was taken`,
  });
}

/** The short clause a dependent check quotes for why the run it needed failed. @param {unknown} error */
export function reasonOf(error) {
  if (error instanceof CheckFailed) return error.summary ?? 'the run it shares with that check failed';
  if (error instanceof AppExited) return error.clause();
  if (error instanceof NotRun) return error.message.replace(/^Not run: /, '').replace(/\.$/, '');
  if (error instanceof CommandError) return error.message.replace(/\.$/, '');
  if (error instanceof Error && error.name === 'CheckTimeout') return error.message.replace(/\.$/, '');
  return 'the checker ran into a problem';
}
