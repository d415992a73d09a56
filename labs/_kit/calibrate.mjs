// @ts-check
// Time budgets relative to the machine. Once per checker run the kit measures how long a minimal Node
// HTTP app takes, here and now, from spawn to its first 200 — the same path a learner's app takes (the
// same Node, the same process model, the same loopback) — and compares it with what that takes on an
// idle machine. Every bound a check uses is its idle-machine figure times that factor (never less), so a
// loaded laptop or Node emulated in a browser gets the time it needs, while a deliberately slow app,
// many times slower than the bound, still fails: the factor that bounds are judged by is capped at
// MAX_FACTOR. A machine slower than that is *overloaded*: waits (start-up deadlines, grace periods, time
// limits) then stretch to the full measured factor, so nothing is given up on too early, and an app that
// is slower than the capped bound but within what the machine explains is reported "could not judge"
// (error), never as the learner's fault (see `Failure.timing`).
//
//   node labs/_kit/calibrate.mjs    prints the measurement (to set REFERENCE_MS on a new reference machine)
import { createSupervisor, nodeProgram } from './process.mjs';
import { request } from './http.mjs';
import { pathToFileURL } from 'node:url';
import { eachLine } from './util.mjs';

/** Spawn-to-first-200 of the minimal app on an idle reference machine (2 cores, Node 24, Linux): median of 20. */
export const REFERENCE_MS = 90;
/** No bound grows beyond this multiple of its idle figure, however slow the machine measures. */
export const MAX_FACTOR = 10;
const SAMPLES = 2;

const MINIMAL_APP = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

/**
 * One spawn-to-first-200 of the minimal app, in ms.
 * @param {ReturnType<typeof createSupervisor>} supervisor
 */
async function sample(supervisor) {
  const started = performance.now();
  const proc = supervisor.spawn(nodeProgram(), ['-e', MINIMAL_APP], { env: { PATH: process.env.PATH ?? '' } });
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the minimal app did not start within 10 s')), 10_000);
      if (proc.child.stdout) eachLine(proc.child.stdout, (/** @type {string} */ line) => {
        clearTimeout(timer);
        resolve(Number(line));
      });
      proc.exited.then(() => reject(new Error('the minimal app exited')));
    });
    const response = await request(/** @type {number} */ (port), '/', { timeout: 10_000 });
    if (response.status !== 200) throw new Error(`the minimal app answered ${response.status ?? response.error}`);
    return performance.now() - started;
  } finally {
    supervisor.kill(proc);
  }
}

/**
 * @typedef {{ factor: number, measured: number, baselineMs: number, referenceMs: number, overloaded?: boolean, forced?: boolean }} Calibration
 *   `factor`: what bounds are judged by (1…MAX_FACTOR); `measured`: how much slower than idle the machine is,
 *   what waits stretch by; `overloaded`: measured > MAX_FACTOR.
 *   `baselineMs`: what the minimal app took here and now; `referenceMs`: what it takes on an idle machine.
 * @param {ReturnType<typeof createSupervisor>} supervisor
 * @param {NodeJS.ProcessEnv} [env] LAB_CALIBRATION_FACTOR=<n> skips the measurement (tests, known-slow runtimes)
 * @returns {Promise<Calibration>}
 */
export async function calibrate(supervisor, env = process.env) {
  const forced = env.LAB_CALIBRATION_FACTOR;
  if (forced !== undefined && forced !== '') {
    const factor = Number(forced);
    if (!(factor >= 1)) throw new Error(`LAB_CALIBRATION_FACTOR is "${forced}"; give a number of at least 1, or unset it to measure.`);
    return { factor: Math.min(factor, MAX_FACTOR), measured: factor, baselineMs: Math.round(REFERENCE_MS * factor), referenceMs: REFERENCE_MS, forced: true, ...(factor > MAX_FACTOR ? { overloaded: true } : {}) };
  }
  const times = [];
  for (let i = 0; i < SAMPLES; i++) times.push(await sample(supervisor));
  // The mean of two: one unlucky sample neither doubles nor hides the machine's state.
  const baselineMs = Math.round(times.reduce((a, b) => a + b, 0) / times.length);
  const measured = Math.max(1, Math.round((baselineMs / REFERENCE_MS) * 10) / 10);
  return { factor: Math.min(MAX_FACTOR, measured), measured, baselineMs, referenceMs: REFERENCE_MS, ...(measured > MAX_FACTOR ? { overloaded: true } : {}) };
}

/**
 * A bound for messages: "2 s" on an idle machine; "4.4 s on this machine right now (2 s × 2.2: a minimal
 * app took 165 ms to start and answer here, 75 ms on an idle machine)" otherwise.
 * @param {number} idleMs @param {Calibration} calibration
 */
export function describeBound(idleMs, calibration) {
  const scaled = Math.round(idleMs * calibration.factor);
  if (calibration.factor === 1) return seconds(scaled);
  const capped = calibration.overloaded ? `, the most the checker allows` : '';
  return `${seconds(scaled)} on this machine right now (${seconds(idleMs)} × ${calibration.factor}${capped}: a minimal app took ${calibration.baselineMs} ms to start and answer here, ${calibration.referenceMs} ms on an idle machine)`;
}

/** Waits stretch beyond the judged factor, with the machine, up to this multiple of their idle figure. */
export const MAX_WAIT_FACTOR = 15;

/** What the kit's own waits (deadlines, grace periods, time limits) are multiplied by. @param {Calibration} c */
export const waitFactor = (c) => Math.min(MAX_WAIT_FACTOR, Math.max(c.factor, c.measured ?? c.factor));

/**
 * Why a failure about time cannot be trusted right now, for an overloaded machine.
 * @param {Calibration} calibration
 */
export const tooBusy = (calibration) =>
  `this machine is too busy right now to tell a slow app from a slow machine: a minimal app took ${seconds(calibration.baselineMs)} to start and answer, ${Math.round(calibration.baselineMs / calibration.referenceMs)}× what it takes on an idle machine. Run the checks again when the machine is less busy`;

/** @param {number} ms */
export const seconds = (ms) => (ms < 100 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const supervisor = createSupervisor();
  const times = [];
  for (let i = 0; i < 20; i++) times.push(Math.round(await sample(supervisor)));
  const sorted = [...times].sort((a, b) => a - b);
  console.log(JSON.stringify({ median: sorted[10], min: sorted[0], max: sorted.at(-1), times }));
  console.log(JSON.stringify(await calibrate(supervisor, {})));
  await supervisor.close();
}
