// @ts-check
// Checks whose runs go side by side. A lab whose checks each spend most of their time waiting (for Node to
// start a process, for work that takes real time) runs them all at once, in the first check's turn; each
// check then reports its own run's verdict and replays its steps into its own transcript. The kit's own
// lines (processes started, their output) stay in the transcript of the check whose turn it was.
// Types and documentation: index.d.ts.
import os from 'node:os';
import { seconds } from './calibrate.mjs';

/**
 * `promise`'s value, or undefined once `ms` have passed. The timer is cleared either way, so a process
 * that exits early does not leave the checker waiting out the rest of the time before it can end.
 * @template T @param {Promise<T>} promise @param {number} ms @returns {Promise<T | undefined>}
 */
export function unlessLater(promise, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms, undefined)))]).finally(() => clearTimeout(timer));
}

/**
 * A start gate of `size` slots: `gate(fn, options)` runs `fn` once `slots` (default 1, at most `size`) are
 * free and gives them back when it settles. Waiting starts go in order of `rank` (lower first; equal ranks
 * in the order they asked), strictly: one that needs more slots than are free holds back those behind it.
 * `next: true` goes ahead of every waiting start of its own or a higher rank.
 * @param {number} size
 * @returns {import('./index.d.ts').Gate}
 */
export function startGate(size) {
  if (!Number.isInteger(size) || size < 1) throw new Error(`startGate: size must be a whole number of at least 1, got ${size}`);
  let free = size;
  /** @type {{ key: number, slots: number, go: () => void }[]} */
  const queue = [];
  const pump = () => {
    for (let first = queue[0]; first && first.slots <= free; first = queue[0]) {
      queue.shift();
      free -= first.slots;
      first.go();
    }
  };
  return async (fn, { slots = 1, rank = 0, next = false } = {}) => {
    const taken = Math.max(1, Math.min(slots, size));
    await new Promise((go) => {
      const key = next ? rank - 0.5 : rank;
      const at = queue.findIndex((q) => q.key > key);
      queue.splice(at === -1 ? queue.length : at, 0, { key, slots: taken, go: () => go(undefined) });
      pump();
    });
    try {
      return await fn();
    } finally {
      free += taken;
      pump();
    }
  };
}

/** One start per core (at most 4): starting Node is work for a processor. */
const cores = () => Math.min(4, Math.max(1, os.availableParallelism?.() ?? os.cpus().length));

/**
 * The implementations for runLab: check `id` is `runs[id](t)`, all of them started in the first check's
 * turn. See index.d.ts.
 * @param {Record<string, (t: any) => Promise<string>>} runs
 * @param {import('./index.d.ts').TogetherOptions} [options]
 * @returns {Record<string, import('./index.d.ts').CheckImplementation>}
 */
export function together(runs, { order, limits = {}, timeLimit, secured = false, own = secured ? 'a Redis of its own' : 'its own ports and processes' } = {}) {
  const unknown = [...(order ?? []), ...Object.keys(limits)].filter((id) => !(id in runs));
  if (unknown.length) throw new Error(`together: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among the runs (${Object.keys(runs).join(', ')})`);
  /** @param {any} t @param {string} id */
  const all = (t, id) => t.once('runs', async () => {
    const asked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
    const ids = [...new Set([...(order ?? []), ...Object.keys(runs)])].filter((c) => asked.length === 0 || asked.includes(c));
    if (ids.length > 1) t.log(`started the runs of ${ids.length} checks at once, each with ${own}; every process they start, and its output, is logged here`);
    const gate = startGate(cores());
    const started = ids.map((c, index) => {
      /** @type {string[]} */
      const logs = [];
      const log = c === id ? t.log : (/** @type {string} */ text) => void logs.push(text);
      const rank = order ? index : 0;
      /** @type {import('./index.d.ts').Gate} */
      const ranked = (fn, options) => gate(fn, { rank, ...options });
      const limit = t.wait(limits[c] ?? 10_000);
      /** @type {Promise<any>} */
      const redis = secured ? t.redis.secured() : Promise.resolve(t.redis);
      const run = redis
        .then((/** @type {any} */ redis) => /** @type {(t: any) => Promise<string>} */ (runs[c])({ ...t, redis, gate: ranked, log }))
        .then((/** @type {string} */ message) => ({ message }), (/** @type {unknown} */ error) => ({ error }));
      const hung = { error: t.notRun(`its run did not finish within ${seconds(limit)}; the app seems to hang (look for a request handler that never answers or an await that never resolves)`) };
      return { id: c, logs, outcome: unlessLater(run, limit).then((outcome) => outcome ?? hung) };
    });
    const done = await Promise.all(started.map(async (run) => ({ ...run, ...(await run.outcome), owner: id })));
    return new Map(done.map((run) => [run.id, run]));
  });

  /** A check: its run's verdict, with its steps replayed into its own transcript. @param {string} id */
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
