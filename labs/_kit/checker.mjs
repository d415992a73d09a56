// Runs a lab's checks and reports them with the NDJSON protocol (or readably with --human / a TTY).
//
//   await runLab(new URL('./lab.json', import.meta.url), {
//     'reads-port': async (t) => { …; return 'what was verified'; },   // throw t.fail({...}) otherwise
//   });
//
// Check ids and titles come from lab.json, so the page, the plan and the results can never disagree.
// Each check gets a fresh, empty Redis, a time limit, and its apps are killed when it ends.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppExited, startApp } from './app.mjs';
import { openBacking } from './backing.mjs';
import { createReporter } from './report.mjs';
import { killTree } from './signals.mjs';
import { freePort, withTimeout } from './util.mjs';

const DEFAULT_TIME_LIMIT = 10_000;
const MAX_APP_LOG_LINES = 60;

/**
 * A check's verdict that the learner's app does not do what the factor asks. `summary` is a short
 * clause ("the app never listened on PORT") that checks sharing the same run quote when they cannot run.
 */
export class CheckFailed extends Error {
  constructor({ message, expected, actual, hints = [], summary }) {
    super(message);
    this.name = 'CheckFailed';
    Object.assign(this, { expected, actual, hints, summary });
  }
}

class CheckTimeout extends Error {
  constructor(limit) {
    super(`the run did not finish within ${limit / 1000} s`);
    this.limit = limit;
  }
}

/**
 * A check that could not judge: the run it needs failed in another check (which tells the story), or
 * the app was already gone when the check's moment came. Reported as `error`, never as a pass.
 */
class NotRun extends Error {
  constructor(reason, ownerTitle) {
    super(`Not run: ${reason}${ownerTitle ? ` (see “${ownerTitle}”)` : ''}.`);
  }
}

/** The short clause a dependent check quotes for why the run it needed failed. */
function reasonOf(error) {
  if (error instanceof CheckFailed) return error.summary ?? 'the run it shares with that check failed';
  if (error instanceof AppExited) return error.clause();
  if (error instanceof CheckTimeout) return error.message.replace(/\.$/, '');
  return 'the checker ran into a problem';
}

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function lastOutputOf(apps) {
  const parts = apps.filter((a) => a.lines.length).map((a) => `${capitalise(a.label)}'s last output:\n${a.lastOutput(6)}`);
  return parts.length ? parts.join('\n') : 'The app printed nothing.';
}

export async function runLab(manifestUrl, implementations, { argv = process.argv.slice(2), cwd = process.cwd() } = {}) {
  const human = argv.includes('--human') || (process.stdout.isTTY && !argv.includes('--json'));
  const reporter = createReporter(human);
  const manifest = JSON.parse(await readFile(manifestUrl, 'utf8'));
  const only = argv.filter((a) => !a.startsWith('--'));
  const checks = manifest.checks.filter((c) => only.length === 0 || only.includes(c.id));
  const live = new Set();
  const emergencyStop = () => live.forEach((app) => killTree(app.child));
  process.once('exit', emergencyStop);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => process.exit(130));

  const missing = checks.filter((c) => typeof implementations[c.id] !== 'function').map((c) => c.id);
  const extra = Object.keys(implementations).filter((id) => !manifest.checks.some((c) => c.id === id));
  reporter.emit({ type: 'plan', lab: manifest.id, checks: checks.map(({ id, title }) => ({ id, title })) });

  let backing;
  let setupError;
  if (missing.length || extra.length) setupError = `check.mjs and lab.json disagree: ${missing.length ? `no implementation for ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `not in lab.json: ${extra.join(', ')}` : ''}.`;
  else {
    try {
      backing = await openBacking();
    } catch (error) {
      setupError = error.message;
    }
  }

  const shared = new Map();
  const counts = { passed: 0, failed: 0, errored: 0 };
  for (const check of checks) {
    const started = performance.now();
    const apps = [];
    let appLines = 0;
    const log = (text, source = 'checker') => reporter.emit({ type: 'log', check: check.id, source, text });
    const t = {
      manifest,
      workspace: cwd,
      redis: backing,
      log,
      port: freePort,
      /** Starts the learner's app (manifest `commands.start`) with exactly this environment. */
      start({ env = {}, label = 'the app' } = {}) {
        const shown = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ');
        log(`started ${label}: ${shown ? `${shown} ` : ''}${manifest.commands.start}`);
        const app = startApp({
          command: manifest.commands.start,
          cwd,
          env,
          label,
          onLine: (a, _stream, text) => {
            const shown = a.tidy(text);
            if (shown !== undefined && ++appLines <= MAX_APP_LOG_LINES) log(`${a.label}: ${shown}`, 'app');
          },
        });
        apps.push(app);
        live.add(app);
        app.exited.then(() => live.delete(app));
        return app;
      },
      /**
       * Runs `fn` once per checker run and shares its result between checks. If it fails, the check
       * that ran it reports the failure in full; the others report briefly that they could not run.
       */
      once(key, fn) {
        let run = shared.get(key);
        if (!run) {
          run = { owner: check, promise: Promise.resolve().then(fn) };
          run.promise.then(() => (run.ok = true), (error) => (run.error = error));
          shared.set(key, run);
          return run.promise;
        }
        if (run.owner === check || run.ok) return run.promise;
        const notRun = (error) => new NotRun(reasonOf(error), run.owner.title);
        // The check that started the run gave up on it (it timed out, say) before the run settled.
        if (run.error === undefined && run.abandoned !== undefined) return Promise.reject(notRun(run.abandoned));
        return run.promise.catch((error) => Promise.reject(notRun(error)));
      },
      fail: (details) => new CheckFailed(details),
      /**
       * A check that cannot judge, for a reason the learner should know: `throw t.notRun('the app had
       * already exited', 'finishes-in-flight')` reports `error` with "Not run: … (see “<title>”)."
       */
      notRun(reason, seeCheck) {
        return new NotRun(reason, manifest.checks.find((c) => c.id === seeCheck)?.title);
      },
      /** Reads a learner file from the workspace, or undefined if it does not exist. */
      read: (path) => readFile(join(cwd, path), 'utf8').catch(() => undefined),
    };

    let result;
    if (setupError) {
      result = { status: 'error', message: `The checks could not start: ${setupError}`, hints: [] };
    } else {
      const limit = implementations[check.id].timeLimit ?? DEFAULT_TIME_LIMIT;
      try {
        await backing.reset();
        const message = await withTimeout(Promise.resolve(implementations[check.id](t)), limit, () => new CheckTimeout(limit));
        result = { status: 'pass', message: message || 'Passed.', hints: [] };
      } catch (error) {
        result = await classify(error, apps, limit);
        for (const run of shared.values()) if (run.owner === check && !run.ok) run.abandoned ??= error;
      }
    }
    await Promise.all(apps.map((app) => app.kill()));
    const { status, message, expected, actual, hints } = result;
    counts[status === 'pass' ? 'passed' : status === 'fail' ? 'failed' : 'errored']++;
    reporter.emit({ type: 'result', check: check.id, status, message, ...(expected ? { expected } : {}), ...(actual ? { actual } : {}), hints, ms: Math.round(performance.now() - started) });
  }

  await backing?.close().catch(() => {});
  const status = counts.failed ? 'fail' : counts.errored ? 'error' : 'pass';
  reporter.emit({ type: 'done', status, ...counts });
  process.removeListener('exit', emergencyStop);
  process.exitCode = status === 'pass' ? 0 : status === 'fail' ? 1 : 2;
}

async function classify(error, apps, limit) {
  if (error instanceof NotRun) return { status: 'error', message: error.message, hints: [] };
  if (error instanceof CheckFailed) {
    return { status: 'fail', message: error.message, expected: error.expected, actual: error.actual, hints: error.hints };
  }
  if (error instanceof AppExited) {
    await error.app.exited; // the last lines (the error itself, often) arrive after the exit
    const crash = error.app.crash();
    if (crash) {
      // The report goes in `actual`, shown in monospace, so the caret stays under the spot it marks.
      return {
        status: 'error',
        message: `${capitalise(error.clause())}. The check could not go on.`,
        actual: error.app.lastOutput(6),
        hints: [`Open ${crash.location?.replace(/:\d+(?::\d+)?$/, '') ?? 'the file the error names'} and fix the error${crash.location ? ` at line ${crash.location.match(/:(\d+)/)?.[1]}` : ''}, then check again; Run shows the app's whole output.`],
      };
    }
    return {
      status: 'error',
      message: `${capitalise(error.message)} The check could not go on.\n${lastOutputOf([error.app])}`,
      hints: ['Press Run and read the error the app prints; fix it, then check again.'],
    };
  }
  if (error instanceof CheckTimeout) {
    return {
      status: 'error',
      message: `The check did not finish within ${limit / 1000} s; the app seems to hang.\n${lastOutputOf(apps)}`,
      hints: ['Look for a request handler that never answers or an await that never resolves.'],
    };
  }
  return { status: 'error', message: `The checker itself ran into a problem: ${error?.stack ?? error}`, hints: ['Run the checks again; if this repeats, report it with this message.'] };
}
