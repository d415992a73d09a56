// @ts-check
// Starts the learner's app as a child process and watches it: output as lines, readiness on a port,
// exit. Spawning, signals and kills go through a process supervisor (process.mjs); every app belongs to
// the check that started it and is killed, with whatever it started, when the check ends.
import { resolveCommand } from './commands.mjs';
import { findCrash, isNodeNoise, ownLines, relativeTo } from './crash.mjs';
import { addressInUse } from './ports.mjs';
import { createSupervisor } from './process.mjs';
import { canConnect, eachLine, sleep } from './util.mjs';

/** The app ended while the check needed it; the checker reports this as `error` with its last output. */
export class AppExited extends Error {
  /** @param {App} app @param {string} during */
  constructor(app, during) {
    super(`${app.label} ${describeExit(app.exit)} ${during}.`);
    this.name = 'AppExited';
    this.app = app;
    this.during = during;
  }

  /**
   * What happened, as a clause: "the app crashed with Error: boom (app.js:1) before listening on port 3000".
   * Read it after `app.exited` has settled: the error may still be in the pipe when the exit is seen.
   */
  clause() {
    const crash = this.app.crash();
    const what = crash ? `crashed with ${this.app.errorLine()}` : describeExit(this.app.exit);
    return `${this.app.label} ${what} ${this.during}`;
  }
}

/** @param {{ code: number | null, signal: string | null } | undefined} exit */
export function describeExit(exit) {
  if (!exit) return 'is still running';
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

// The app gets only what a process needs to run plus what the check chooses, so variables in the
// learner's own shell (PORT, REDIS_URL, …) can neither help nor break a check.
const PASS_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'SystemRoot', 'ComSpec', 'USERPROFILE', 'NODE_OPTIONS'];

export function baseEnv() {
  /** @type {Record<string, string>} */
  const env = {};
  for (const name of PASS_THROUGH) if (process.env[name] !== undefined) env[name] = /** @type {string} */ (process.env[name]);
  return env;
}

/**
 * Splits a command into the executable and its arguments (npm scripts resolved, `node` meaning this very
 * Node; see commands.mjs). Kept for the launcher.
 * @param {string} command
 * @param {string} [cwd]
 */
export function parseCommand(command, cwd = process.cwd()) {
  const { program, args } = resolveCommand(command, cwd);
  return { program, args };
}

/** @type {ReturnType<typeof createSupervisor> | undefined} */
let fallbackSupervisor;

/**
 * @typedef {import('./index.d.ts').App} App
 * @typedef {{ wait: string, observedMs: number, idleMs: number, boundMs: number }} WaitRecord
 *   A wait that was met: what it waited for, how long that took, its idle figure and its scaled deadline.
 * @param {{ command: string, cwd: string, env?: Record<string, string | undefined>, label?: string,
 *   onLine?: (app: App, stream: 'stdout' | 'stderr', text: string) => void,
 *   onWait?: (record: WaitRecord) => void,
 *   supervisor?: ReturnType<typeof createSupervisor>, factor?: number, shownRoot?: string }} options
 *   `factor` scales every wait (see calibrate.mjs); `shownRoot` is the folder paths in messages are relative to;
 *   `onWait` hears of every wait that was met before its deadline (how close a passing app came to a bound).
 * @returns {App}
 */
export function startApp({ command, cwd, env = {}, label = 'the app', onLine, onWait, supervisor, factor = 1, shownRoot = cwd }) {
  supervisor ??= fallbackSupervisor ??= createSupervisor();
  const resolved = resolveCommand(command, cwd, { ...process.env, ...env });
  /** @type {Record<string, string>} */
  const fullEnv = { ...baseEnv(), ...resolved.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete fullEnv[name];
    else fullEnv[name] = value;
  }
  const started = performance.now();
  const rewrite = relativeTo(shownRoot);
  const proc = supervisor.spawn(resolved.program, resolved.args, { cwd, env: fullEnv });
  const { child } = proc;
  const scaled = (/** @type {number} */ ms) => Math.round(ms * factor);
  /** @param {string} wait @param {number} idleMs @param {number} from when the wait began */
  const met = (wait, idleMs, from, at = performance.now()) => onWait?.({ wait: `${label}: ${wait}`, observedMs: Math.max(0, Math.round(at - from)), idleMs, boundMs: scaled(idleMs) });

  /** @type {App} */
  const app = {
    label,
    command: resolved.shown,
    pid: proc.pid,
    port: fullEnv.PORT !== undefined && /^\d+$/.test(fullEnv.PORT) ? Number(fullEnv.PORT) : undefined,
    env: fullEnv,
    process: proc,
    lines: [],
    exit: undefined,
    started,
    exited: /** @type {any} */ (undefined),
    get running() {
      return app.exit === undefined;
    },
    lastOutput(n = 8) {
      const texts = app.lines.map((l) => l.text);
      const crash = app.crash();
      const shown = crash
        ? [...texts.slice(0, crash.start).filter((t) => !isNodeNoise(t)).map(rewrite), ...crash.lines, ...texts.slice(crash.end + 1).map(rewrite)]
        : texts.filter((t) => !isNodeNoise(t)).map(rewrite);
      /** @type {{ text: string, times: number }[]} */
      const runs = [];
      for (const text of shown) {
        const last = runs.at(-1);
        if (last && last.text === text) last.times++;
        else runs.push({ text, times: 1 });
      }
      while (runs.length && runs.at(-1)?.text.trim() === '') runs.pop();
      // Never cut a crash report in half: its first line is the one that matters.
      const keep = crash ? Math.max(n, crash.lines.length + (texts.length - 1 - crash.end)) : n;
      return runs.slice(-keep).map((r) => (r.times > 1 ? `${r.text}  (${r.times} times)` : r.text)).join('\n');
    },
    tidy(text) {
      return isNodeNoise(text) || text.trim() === '' ? undefined : rewrite(text);
    },
    crash() {
      return findCrash(app.lines.map((l) => l.text), rewrite);
    },
    errorLine() {
      const crash = app.crash();
      if (crash) return crash.location ? `${crash.error} (${crash.location})` : crash.error;
      const line = app.lines.find((l) => /^\s*(?:Uncaught )?(?:[A-Z]\w*)?Error\b.*:|"level"\s*:\s*"(?:error|fatal)"/.test(l.text));
      return line && rewrite(line.text.trim());
    },
    ownLines() {
      return ownLines(app.lines.map((l) => l.text)).map(rewrite);
    },
    said(pattern) {
      return app.ownLines().find((text) => pattern.test(text));
    },
    jsonLines() {
      return ownLines(app.lines.map((l) => l.text)).flatMap((text) => {
        if (!text.trimStart().startsWith('{')) return [];
        try {
          const value = JSON.parse(text);
          return value && typeof value === 'object' && !Array.isArray(value) ? [value] : [];
        } catch {
          return [];
        }
      });
    },
    json() {
      return app.jsonLines();
    },
    addressInUse() {
      return addressInUse(app.lines.map((l) => l.text));
    },
    async waitForPort(port, ms = 3000) {
      const from = performance.now();
      const deadline = from + scaled(ms);
      while (performance.now() < deadline) {
        if (!app.running) throw new AppExited(app, `before listening on port ${port}`);
        if (await canConnect(port)) {
          met(`waitForPort(${port}, ${ms})`, ms, from);
          return true;
        }
        await sleep(25);
      }
      if (!app.running) throw new AppExited(app, `before listening on port ${port}`);
      return false;
    },
    async waitForLine(pattern, ms = 3000) {
      const from = performance.now();
      const deadline = from + scaled(ms);
      for (;;) {
        const text = app.said(pattern);
        if (text !== undefined) {
          met(`waitForLine(${pattern}, ${ms})`, ms, from);
          return { stream: app.lines.find((l) => l.text === text)?.stream ?? 'stdout', text };
        }
        if (!app.running || performance.now() >= deadline) return undefined;
        await sleep(20);
      }
    },
    waitForExit(ms) {
      return waitExit(ms, `waitForExit(${ms})`);
    },
    signal(name) {
      return supervisor.signal(proc, name);
    },
    async stop(graceMs = 2000) {
      if (app.running) {
        app.signal('SIGTERM');
        if (!(await waitExit(graceMs, `stop(${graceMs}) after SIGTERM`))) supervisor.kill(proc);
      }
      await app.exited;
      supervisor.kill(proc); // anything the app started and left behind
    },
    async kill() {
      supervisor.kill(proc);
      await app.exited;
    },
  };

  /** @param {number} ms @param {string} wait @returns {Promise<import('./index.d.ts').Exit | undefined>} */
  async function waitExit(ms, wait) {
    const from = performance.now();
    const alreadyOver = !app.running;
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, scaled(ms), undefined)));
    const exit = await Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
    if (exit && !alreadyOver) met(wait, ms, from, started + exit.ms);
    return /** @type {import('./index.d.ts').Exit | undefined} */ (exit);
  }

  for (const stream of /** @type {const} */ (['stdout', 'stderr'])) {
    const readable = child[stream];
    if (readable) eachLine(readable, (/** @type {string} */ text) => push(stream, text));
  }
  /** @param {'stdout' | 'stderr'} stream @param {string} text */
  function push(stream, text) {
    if (app.lines.length < 2000) app.lines.push({ stream, text });
    onLine?.(app, stream, text);
  }
  child.on('error', (error) => push('stderr', `could not start "${command}": ${error.message}`));
  const exited = proc.exited.then((exit) => (app.exit = { ...exit, ms: performance.now() - started }));
  // Output may still be in the pipes when 'exit' fires; 'close' means every line has arrived. Some
  // runtimes never close a finished process's output (WebContainer), hence the short drain after 'exit'.
  const closed = new Promise((resolve) => child.on('close', resolve));
  /** @type {NodeJS.Timeout | undefined} */
  let drain;
  let settled = false;
  const drained = exited.then(() => new Promise((resolve) => (settled ? resolve(undefined) : (drain = setTimeout(resolve, 300)))));
  // The drain timer is cleared as soon as the output closes, so it never keeps the checker alive.
  app.exited = Promise.race([closed, drained]).then(() => {
    settled = true;
    clearTimeout(drain);
    return exited;
  });
  return app;
}
