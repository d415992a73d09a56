// The four checks' runs go side by side, in the first check's turn. Each run has a Redis of its own (so the
// fixed key names the app uses, hits, thanks:queue and thanks:sent, never meet another run's), its own ports
// and processes, so none depends on another; most of a run is spent waiting for notes that take real time,
// and two cores start other runs' processes meanwhile. Each check then reports its own run's verdict and
// replays its steps; the kit's own lines (processes started, their output) stay in the transcript of the check
// whose turn it was.
import os from 'node:os';
import { seconds } from '../_kit/index.mjs';

/**
 * Runs `fn` once a processor is free: starts waiting go in order of `rank` (the run that takes longest after
 * its processes start goes first), and `next: true` goes ahead of every start of a lower or equal rank. Starting
 * Node and loading the app is work for a processor: one start per core at a time keeps each start about as
 * long as the kit's calibration measured, so the bounds judged by keep their meaning however many runs go
 * at once.
 * @param {number} size
 */
function slots(size) {
  let free = size;
  /** @type {{ key: number, go: () => void }[]} */
  const queue = [];
  const pump = () => {
    while (free > 0 && queue.length) {
      free--;
      /** @type {{ go: () => void }} */ (queue.shift()).go();
    }
  };
  /** @type {<T>(fn: () => Promise<T>, options?: { rank?: number, next?: boolean }) => Promise<T>} */
  return async (fn, { rank = 0, next = false } = {}) => {
    await new Promise((go) => {
      const key = next ? rank - 0.5 : rank;
      const at = queue.findIndex((q) => q.key > key);
      queue.splice(at === -1 ? queue.length : at, 0, { key, go: () => go(undefined) });
      pump();
    });
    try {
      return await fn();
    } finally {
      free++;
      pump();
    }
  };
}

/** `promise`'s value, or undefined once `ms` have passed; the timer is cleared either way. */
function unlessLater(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms, undefined)))]).finally(() => clearTimeout(timer));
}

/**
 * The checks for runLab: each check's run is `runs[id](t)`, where `t` is the check's context with its own
 * Redis in `t.redis` (a secured one: a server, or a borrowed database, of its own) and `t.gate` (see slots).
 * Runs start their processes in the order of `order` (the one that takes longest once its processes are up
 * first). Only the checks this checker run was asked for are run. A run that takes longer than its idle-machine
 * limit in `limits` (scaled like any wait) is reported as hanging, alone: the others keep their verdicts.
 * @param {Record<string, (t: any) => Promise<string>>} runs
 * @param {{ order: string[], limits: Record<string, number>, timeLimit: number }} options
 */
export function together(runs, { order, limits, timeLimit }) {
  /** @param {any} t @param {string} id */
  const all = (t, id) => t.once('runs', async () => {
    const asked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
    const ids = [...new Set([...order, ...Object.keys(runs)])].filter((c) => asked.length === 0 || asked.includes(c));
    if (ids.length > 1) t.log(`started the runs of ${ids.length} checks at once, each with a Redis of its own; every process they start, and its output, is logged here`);
    const gate = slots(Math.min(4, Math.max(1, os.availableParallelism?.() ?? os.cpus().length)));
    const started = ids.map((c, rank) => {
      /** @type {string[]} */
      const logs = [];
      const log = c === id ? t.log : (/** @type {string} */ text) => void logs.push(text);
      const limit = t.wait(limits[c] ?? 10_000);
      const run = t.redis.secured()
        .then((redis) => /** @type {(t: any) => Promise<string>} */ (runs[c])({ ...t, redis, gate: (/** @type {() => Promise<any>} */ fn, /** @type {{ next?: boolean }} */ options) => gate(fn, { rank, ...options }), log }))
        .then((message) => ({ message }), (error) => ({ error }));
      const hung = { error: t.notRun(`its run did not finish within ${seconds(limit)}; the app seems to hang (look for a request handler that never answers or an await that never resolves)`) };
      return { id: c, logs, outcome: unlessLater(run, limit).then((outcome) => outcome ?? hung) };
    });
    const done = await Promise.all(started.map(async (run) => ({ ...run, ...(await run.outcome), owner: id })));
    return new Map(done.map((run) => [run.id, run]));
  });

  /** @param {string} id */
  const check = (id) => Object.assign(async (/** @type {any} */ t) => {
    const run = (await all(t, id)).get(id);
    if (!run) throw new Error(`no run for ${id}`);
    if (run.owner !== id) t.log(`ran at the same time as the other checks' runs, in the turn of “${t.manifest.checks.find((/** @type {{ id: string }} */ c) => c.id === run.owner)?.title}”, whose transcript shows the processes it started and their output`);
    for (const line of run.logs) t.log(line);
    if ('error' in run) throw run.error;
    return run.message;
  }, { timeLimit });

  return Object.fromEntries(Object.keys(runs).map((id) => [id, check(id)]));
}
