// @ts-check
// Runs a lab's checks and reports them with the NDJSON protocol (or readably with --human / a TTY).
//
//   await runLab(new URL('./lab.json', import.meta.url), {
//     'reads-port': async (t) => { …; return 'what was verified'; },   // throw t.fail({...}) otherwise
//   });
//
// Check ids and titles come from lab.json, so the page, the plan and the results can never disagree.
// Before the first check the run calibrates its time budgets (calibrate.mjs) and, in the portable process
// model, probes how SIGTERM reaches an app (process.mjs); the plan event carries both. Each check gets a
// fresh, empty Redis, a time limit, and its apps are killed when it ends.
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { AppExited } from './app.mjs';
import { openBacking } from './backing.mjs';
import { calibrate, seconds, tooBusy, waitFactor } from './calibrate.mjs';
import { CommandError } from './commands.mjs';
import { CheckFailed, NotRun, createContext } from './context.mjs';
import { createSupervisor, killLeftovers, newSession, processModel } from './process.mjs';
import { createReporter } from './report.mjs';
import { withTimeout } from './util.mjs';
import { removeQuietly } from './workspace.mjs';

export { CheckFailed, NotRun };

const DEFAULT_TIME_LIMIT = 10_000;

class CheckTimeout extends Error {
  /** @param {number} limit */
  constructor(limit) {
    super(`the run did not finish within ${seconds(limit)}`);
    this.name = 'CheckTimeout';
    this.limit = limit;
  }
}

const capitalise = (/** @type {string} */ text) => text.charAt(0).toUpperCase() + text.slice(1);

/** @param {any[]} apps */
function lastOutputOf(apps) {
  const parts = apps.filter((a) => a.lines.length).map((a) => `${capitalise(a.label)}'s last output:\n${a.lastOutput(6)}`);
  return parts.length ? parts.join('\n') : 'The app printed nothing.';
}

/** Where a workspace's kit keeps its run files: `.lab/` when the workspace has one, else the temp folder. @param {string} cwd */
function runFiles(cwd) {
  const lab = join(cwd, '.lab');
  const dir = existsSync(lab) ? lab : join(tmpdir(), `twelve-factor-lab-${createHash('sha1').update(cwd).digest('hex').slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  return { pidFile: join(dir, 'pids.ndjson'), scratchRoot: dir };
}

/**
 * @param {URL | string} manifestUrl
 * @param {Record<string, import('./index.d.ts').CheckImplementation>} implementations
 * @param {{ argv?: string[], cwd?: string }} [options]
 */
export async function runLab(manifestUrl, implementations, { argv = process.argv.slice(2), cwd = process.cwd() } = {}) {
  const human = argv.includes('--human') || (process.stdout.isTTY && !argv.includes('--json'));
  const reporter = createReporter(human);
  const manifest = JSON.parse(await readFile(manifestUrl, 'utf8'));
  const only = argv.filter((a) => !a.startsWith('--'));
  const checks = manifest.checks.filter((/** @type {{ id: string }} */ c) => only.length === 0 || only.includes(c.id));
  /** @type {Set<any>} */
  const live = new Set();

  let setupError;
  const missing = checks.filter((/** @type {{ id: string }} */ c) => typeof implementations[c.id] !== 'function').map((/** @type {{ id: string }} */ c) => c.id);
  const extra = Object.keys(implementations).filter((id) => !manifest.checks.some((/** @type {{ id: string }} */ c) => c.id === id));
  if (missing.length || extra.length) setupError = `check.mjs and lab.json disagree: ${missing.length ? `no implementation for ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `not in lab.json: ${extra.join(', ')}` : ''}.`;

  const session = newSession();
  const { pidFile, scratchRoot } = runFiles(cwd);
  const scratch = join(scratchRoot, `run-${session}`);
  /** @type {ReturnType<typeof createSupervisor> | undefined} */
  let supervisor;
  /** @type {import('./calibrate.mjs').Calibration} */
  let calibration = { factor: 1, measured: 1, baselineMs: 0, referenceMs: 0 };
  /** @type {any} */
  let backing;
  try {
    const model = processModel();
    killLeftovers(pidFile, { model });
    supervisor = createSupervisor({ model, session, pidFile });
    await supervisor.probe();
    // Measured before the backing Redis loads, so the kit's own start-up work does not count as the machine's.
    if (!setupError) calibration = await calibrate(supervisor);
  } catch (error) {
    setupError ??= /** @type {Error} */ (error).message;
  }
  const emergencyStop = () => supervisor?.killAll();
  process.once('exit', emergencyStop);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => process.exit(130));

  reporter.emit({
    type: 'plan',
    lab: manifest.id,
    checks: checks.map((/** @type {{ id: string, title: string }} */ { id, title }) => ({ id, title })),
    calibration: { factor: calibration.factor, baselineMs: calibration.baselineMs, referenceMs: calibration.referenceMs, ...(calibration.overloaded ? { overloaded: true, measured: calibration.measured } : {}) },
    ...(supervisor ? { process: { model: supervisor.model, signals: supervisor.delivery } } : {}),
  });

  if (!setupError) {
    try {
      backing = await openBacking();
    } catch (error) {
      setupError = /** @type {Error} */ (error).message;
    }
  }

  const shared = new Map();
  const counts = { passed: 0, failed: 0, errored: 0 };
  for (const check of checks) {
    const started = performance.now();
    /** @type {any[]} */
    const apps = [];
    /** @type {import('./app.mjs').WaitRecord[]} */
    const waits = [];
    /** @type {(() => Promise<void> | void)[]} */
    const cleanups = [];
    let limitRecord;
    let result;
    if (setupError || !supervisor) {
      result = { status: 'error', message: `The checks could not start: ${setupError}`, hints: [] };
    } else {
      const t = createContext({ manifest, check, workspace: cwd, scratch, backing, supervisor, calibration, emit: (e) => reporter.emit(e), shared, apps, live, waits, cleanups });
      const implementation = /** @type {import('./index.d.ts').CheckImplementation} */ (implementations[check.id]);
      const idleLimit = implementation.timeLimit ?? DEFAULT_TIME_LIMIT;
      const limit = Math.round(idleLimit * waitFactor(calibration));
      try {
        await backing.reset();
        const message = await withTimeout(Promise.resolve(implementation(t)), limit, () => new CheckTimeout(limit));
        result = { status: 'pass', message: message || 'Passed.', hints: [] };
        limitRecord = { wait: `the check's time limit (${idleLimit})`, observedMs: Math.round(performance.now() - started), idleMs: idleLimit, boundMs: limit };
      } catch (error) {
        result = await classify(error, apps, limit, calibration);
        for (const run of shared.values()) if (run.owner === check && !run.ok) run.abandoned ??= error;
      }
    }
    await Promise.all(apps.map((app) => app.kill()));
    for (const cleanup of cleanups) await Promise.resolve().then(cleanup).catch(() => {});
    const { status, message, expected, actual, hints } = result;
    counts[status === 'pass' ? 'passed' : status === 'fail' ? 'failed' : 'errored']++;
    const timing = closest(limitRecord ? [...waits, limitRecord] : waits);
    reporter.emit({ type: 'result', check: check.id, status, message, ...(expected ? { expected } : {}), ...(actual ? { actual } : {}), hints, ms: Math.round(performance.now() - started), ...(timing ? { timing } : {}) });
  }

  await backing?.close().catch(() => {});
  await supervisor?.close();
  removeQuietly(scratch);
  const status = counts.failed ? 'fail' : counts.errored ? 'error' : 'pass';
  reporter.emit({ type: 'done', status, ...counts });
  process.removeListener('exit', emergencyStop);
  process.exitCode = status === 'pass' ? 0 : status === 'fail' ? 1 : 2;
}

/**
 * Of the bounds a check met, the one it came closest to (the largest share of its idle figure): reported
 * with the result so labs:verify can warn when a passing answer only passed because the machine was slow.
 * @param {import('./app.mjs').WaitRecord[]} records
 */
function closest(records) {
  return records.filter((r) => r.idleMs > 0).reduce((/** @type {import('./app.mjs').WaitRecord | undefined} */ best, r) => (!best || r.observedMs / r.idleMs > best.observedMs / best.idleMs ? r : best), undefined);
}

/**
 * @param {unknown} error @param {any[]} apps @param {number} limit @param {import('./calibrate.mjs').Calibration} calibration
 * @returns {Promise<{ status: 'fail' | 'error', message: string, expected?: string, actual?: string, hints: string[] }>}
 */
async function classify(error, apps, limit, calibration) {
  if (error instanceof NotRun) return { status: 'error', message: error.message, hints: [] };
  const timing = error instanceof CheckFailed ? error.timing : undefined;
  // Slower than the (capped) bound, but no slower than this overloaded machine explains: cannot judge.
  if (timing && calibration.overloaded && (timing === true || timing.observedMs <= timing.idleMs * calibration.measured)) {
    return { status: 'error', message: `Could not judge: ${/** @type {CheckFailed} */ (error).message.replace(/\.$/, '')} — but ${tooBusy(calibration)}.`, hints: [] };
  }
  if (error instanceof CheckFailed) {
    return { status: 'fail', message: error.message, ...(error.expected ? { expected: error.expected } : {}), ...(error.actual ? { actual: error.actual } : {}), hints: error.hints };
  }
  if (error instanceof CommandError) {
    return { status: 'error', message: `Could not run the app's command: ${error.message}`, hints: ['Check the scripts in package.json (and the Procfile) name commands that exist.'] };
  }
  if (error instanceof AppExited) {
    await error.app.exited; // the last lines (the error itself, often) arrive after the exit
    const crash = error.app.crash();
    if (crash) {
      // The report goes in `actual`, shown in monospace, so the caret stays under the spot it marks.
      return {
        status: 'error',
        message: `${capitalise(error.clause())}. The check could not run.`,
        actual: error.app.lastOutput(6),
        hints: [`Open ${crash.location?.replace(/:\d+(?::\d+)?$/, '') ?? 'the file the error names'} and fix the error${crash.location ? ` at line ${crash.location.match(/:(\d+)/)?.[1]}` : ''}, then check again; Run shows the app's whole output.`],
      };
    }
    return {
      status: 'error',
      message: `${capitalise(error.message)} The check could not run.\n${lastOutputOf([error.app])}`,
      hints: ['Press Run and read the error the app prints; fix it, then check again.'],
    };
  }
  if (error instanceof CheckTimeout) {
    return {
      status: 'error',
      message: `The check did not finish within ${seconds(limit)}; the app seems to hang.\n${lastOutputOf(apps)}`,
      hints: ['Look for a request handler that never answers or an await that never resolves.'],
    };
  }
  return { status: 'error', message: `The checker itself ran into a problem: ${/** @type {Error} */ (error)?.stack ?? error}`, hints: ['Run the checks again; if this repeats, report it with this message.'] };
}
