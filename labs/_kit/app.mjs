// Starts the learner's app as a child process and watches it: output as lines, readiness on a port,
// exit. Every app belongs to the check that started it and is killed, with its whole tree, when the
// check ends.
import { spawn } from 'node:child_process';
import { sendSignal, killTree, spawnOptions } from './signals.mjs';
import { canConnect, eachLine, sleep } from './util.mjs';
import { findCrash, isNodeNoise, relativeTo } from './crash.mjs';

/** The app ended while the check needed it; the checker reports this as `error` with its last output. */
export class AppExited extends Error {
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

export function describeExit(exit) {
  if (!exit) return 'is still running';
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

// The app gets only what a process needs to run plus what the check chooses, so variables in the
// learner's own shell (PORT, REDIS_URL, …) can neither help nor break a check.
const PASS_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'SystemRoot', 'USERPROFILE', 'NODE_OPTIONS'];

function baseEnv() {
  const env = {};
  for (const name of PASS_THROUGH) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

/** Splits `node app.js --flag` into the executable and its arguments; `node` means this very Node. */
export function parseCommand(command) {
  const [program, ...args] = command.trim().split(/\s+/);
  return { program: program === 'node' ? process.execPath : program, args };
}

/**
 * @param {{ command: string, cwd: string, env?: Record<string,string|undefined>, label?: string, onLine?: (app, stream, text) => void }} options
 */
export function startApp({ command, cwd, env = {}, label = 'the app', onLine }) {
  const { program, args } = parseCommand(command);
  const fullEnv = { ...baseEnv() };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) fullEnv[name] = value;
  const started = performance.now();
  const rewrite = relativeTo(cwd);
  const child = spawn(program, args, { cwd, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions() });

  const app = {
    label,
    child,
    pid: child.pid,
    env: fullEnv,
    /** Every output line, in arrival order. */
    lines: [],
    exit: undefined,
    started,
    get running() {
      return app.exit === undefined;
    },
    /**
     * The last `n` lines of output, for messages: a line repeated in a row shows once, with a count;
     * a crash shows as its error and location (see crash.mjs), and workspace paths read as in the editor.
     */
    lastOutput(n = 8) {
      const texts = app.lines.map((l) => l.text);
      const crash = app.crash();
      const shown = crash
        ? [...texts.slice(0, crash.start).filter((t) => !isNodeNoise(t)).map(rewrite), ...crash.lines, ...texts.slice(crash.end + 1).map(rewrite)]
        : texts.filter((t) => !isNodeNoise(t)).map(rewrite);
      const runs = [];
      for (const text of shown) {
        const last = runs.at(-1);
        if (last?.text === text) last.times++;
        else runs.push({ text, times: 1 });
      }
      while (runs.length && runs.at(-1).text.trim() === '') runs.pop();
      // Never cut a crash report in half: its first line is the one that matters.
      const keep = crash ? Math.max(n, crash.lines.length + (texts.length - 1 - crash.end)) : n;
      return runs.slice(-keep).map((r) => (r.times > 1 ? `${r.text}  (${r.times} times)` : r.text)).join('\n');
    },
    /** One output line as a learner should read it in a transcript: undefined for blanks and Node's own noise. */
    tidy(text) {
      return isNodeNoise(text) || text.trim() === '' ? undefined : rewrite(text);
    },
    /** The app's uncaught error, if it crashed with one: `{ error, location, lines, … }` (see crash.mjs). */
    crash() {
      return findCrash(app.lines.map((l) => l.text), rewrite);
    },
    /**
     * The line that names the error, with where it happened when known: a crash's error
     * (`SyntaxError: Unexpected identifier 'x' (app.js:1)`), else the first line that reads as an error
     * (a printed `…Error: …`, or a JSON log at level error).
     */
    errorLine() {
      const crash = app.crash();
      if (crash) return crash.location ? `${crash.error} (${crash.location})` : crash.error;
      const line = app.lines.find((l) => /^\s*(?:Uncaught )?(?:[A-Z]\w*)?Error\b.*:|"level"\s*:\s*"(?:error|fatal)"/.test(l.text));
      return line && rewrite(line.text.trim());
    },
    /** Lines that parse as JSON objects (structured logs). */
    json() {
      return app.lines.flatMap((l) => {
        try {
          const value = JSON.parse(l.text);
          return value && typeof value === 'object' ? [value] : [];
        } catch {
          return [];
        }
      });
    },
    /** Resolves true when something accepts TCP connections on `port`; false at the deadline. Rejects with AppExited. */
    async waitForPort(port, ms = 3000) {
      const deadline = performance.now() + ms;
      while (performance.now() < deadline) {
        if (!app.running) throw new AppExited(app, `before listening on port ${port}`);
        if (await canConnect(port)) return true;
        await sleep(25);
      }
      if (!app.running) throw new AppExited(app, `before listening on port ${port}`);
      return false;
    },
    /** Resolves with the first line matching `pattern`, or undefined at the deadline. */
    async waitForLine(pattern, ms = 3000) {
      const deadline = performance.now() + ms;
      while (performance.now() < deadline) {
        const line = app.lines.find((l) => pattern.test(l.text));
        if (line) return line;
        if (!app.running) return undefined;
        await sleep(20);
      }
      return undefined;
    },
    /** Resolves with the exit ({code, signal, ms}), or undefined if the app is still running after `ms`. */
    async waitForExit(ms) {
      let timer;
      const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms, undefined)));
      return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
    },
    /** Sends a signal to the app's process tree. */
    signal(name) {
      return sendSignal(child, name);
    },
    /** SIGTERM, then SIGKILL for the whole tree after `graceMs`. Resolves once it has exited. */
    async stop(graceMs = 2000) {
      if (app.running) {
        app.signal('SIGTERM');
        if (!(await app.waitForExit(graceMs))) killTree(child);
      }
      await exited;
      killTree(child); // anything the app started and left behind
    },
    async kill() {
      killTree(child);
      await exited;
    },
  };

  for (const stream of ['stdout', 'stderr']) eachLine(child[stream], (text) => push(stream, text));
  function push(stream, text) {
    if (app.lines.length < 2000) app.lines.push({ stream, text });
    onLine?.(app, stream, text);
  }

  const exited = new Promise((resolve) => {
    child.on('error', (error) => {
      push('stderr', `could not start "${command}": ${error.message}`);
      app.exit ??= { code: null, signal: null, ms: performance.now() - started };
      resolve(app.exit);
    });
    child.on('exit', (code, signal) => {
      app.exit = { code, signal, ms: performance.now() - started };
      resolve(app.exit);
    });
  });
  // Output may still be in the pipes when 'exit' fires; 'close' means every line has arrived.
  // A child that failed to spawn may never emit 'close', hence the short fallback after 'exit'.
  const closed = new Promise((resolve) => child.on('close', resolve));
  app.exited = Promise.race([closed, exited.then(() => sleep(300))]).then(() => exited);
  return app;
}
