// Checks for factor VIII, Concurrency: slow work gets a process type of its own. The checker acts as the
// process manager: it reads the Procfile, starts each type as many times as a scenario needs (each process
// named in DYNO, e.g. worker.2, and each on its own copy of the app folder, as on separate machines), and
// judges by what happens: HTTP answers and their times, the jobs left in Redis, the thank-you notes that
// thanks.js records in the Redis list thanks:sent (who sent which visitor's note, and when), exit codes.
//
// Random everywhere a fixed answer could fit: the count starts at a random number (so visitor numbers, and
// the jobs carrying them, are unpredictable), each scenario's note takes a random time, greetings are random.
// Bounds are idle-machine figures the kit scales (t.budget / t.bound); job times are real sleeps, so
// comparisons between them (how many notes were sent at once) do not depend on the machine's speed.
//
// Why this lab's checks need more time than the course's usual 3 s (3.5–4.5 s on a quiet 2-core machine,
// start-up included): the four scenarios need eleven Node processes, each a web or a worker loading ioredis,
// and two cores start them about two at a time; and parts of the scenarios are real time that no machine
// shortens. The SIGTERM scenario must catch a worker in the middle of a note (0.4–0.5 s, so the signal lands
// inside it), let it finish, then have a new worker start and send the other two notes; the no-worker scenario
// must watch for a while to prove that nothing sends a note, long enough for a worker forked by web to start
// (0.7 s, stretched on a slower machine). The runs therefore go side by side (the kit's together), each with a Redis
// of its own, and the longest runs start their processes first.
import { runLab, request, describe, describeExit, parseProcfile, randomWord, seconds, sleep, together, AppExited } from '../_kit/index.mjs';

/** The Redis list thanks.js appends each sent note to. */
const SENT = 'thanks:sent';
/** How quickly web must answer a visit while the work is queued, idle machine. */
const ANSWER_MS = 300;
/** How long a worker may keep its processor for loading, idle machine, when nothing shows it has loaded. */
const WORKER_LOAD_MS = 1000;
/** Each check's run may take this long (idle machine) before it is reported as hanging, on its own. */
const RUN_LIMITS = { 'process-types': 10_000, 'web-answers-at-once': 10_000, 'workers-share-backlog': 10_000, 'worker-stops-cleanly': 10_000 };
/**
 * The order in which the runs start their processes: those that take longest once their processes are up
 * first (a 0.4–0.5 s note, then a new worker and two more notes; a watch for notes web sends on the side,
 * which stretches with the machine), the one that is over soonest last.
 */
const ORDER = ['worker-stops-cleanly', 'web-answers-at-once', 'workers-share-backlog', 'process-types'];
/** The first check waits for every run, and each run ends within its own limit: this is only a backstop. */
const TIME_LIMIT = 15_000;

const between = (low, high) => Math.round(low + Math.random() * (high - low));
const list = (values) => (values.length ? values.join(', ') : 'none');

/** The Procfile's types; fails unless it declares both web and worker. */
async function processTypes(t) {
  const text = await t.read('Procfile');
  if (text === undefined) throw t.fail({
    message: 'The checker looked for a Procfile to learn the app\'s process types, and there is none.',
    expected: 'a file named Procfile with a "web" and a "worker" line', actual: 'no Procfile',
    hints: ['Create Procfile with two lines: "web: node app.js" and "worker: node worker.js".'], summary: 'the app has no Procfile',
  });
  const types = parseProcfile(text);
  const missing = ['web', 'worker'].filter((type) => !types.has(type));
  if (missing.length) throw t.fail({
    message: `The Procfile declares ${types.size ? [...types.keys()].map((k) => `"${k}"`).join(' and ') : 'no process types'}, so the checker cannot start ${missing.map((m) => `a ${m} process`).join(' or ')}.`,
    expected: 'a "web" type (answers HTTP) and a "worker" type (does the slow jobs)', actual: text.trim() || '(an empty Procfile)',
    hints: ['Add the line "worker: node worker.js" to the Procfile, and write worker.js to take thank-you jobs from Redis.'],
    summary: `the Procfile has no ${missing.join(' or ')} type`,
  });
  return types;
}

/**
 * One scenario's setting: the count starts at a random number, notes take `noteMs`, a random greeting.
 * Returns the environment every process gets (no PORT; web processes get their own).
 */
async function setting(t, noteMs) {
  const start = between(10_000, 89_999);
  await t.redis.client.set('hits', start);
  const env = await t.env({ THANK_YOU_MS: noteMs, GREETING: randomWord('Hi'), PORT: undefined });
  t.log(`the count starts at ${start}; a thank-you note takes ${noteMs} ms (THANK_YOU_MS)`);
  return env;
}

/**
 * Starts process `type.n` from the Procfile, named in DYNO; web gets a port and must answer /health. It
 * starts when the run's gate has a processor free (`next` goes ahead of starts still waiting) and keeps it
 * while Node loads the app: a web process until it answers, a worker until it prints, opens a Redis
 * connection (on `watcher`) or exits, for at most WORKER_LOAD_MS.
 * @param {any} t @param {Map<string, string>} types @param {Record<string, string>} env @param {string} type @param {number} n
 * @param {{ instance?: boolean, watcher?: { connections: unknown[] }, next?: boolean }} [options]
 */
async function startProcess(t, types, env, type, n, { instance = true, watcher, next = false } = {}) {
  const name = `${type}.${n}`;
  const own = { ...env, DYNO: name };
  const options = { label: name, command: types.get(type), ...(instance ? { instance: name } : {}) };
  return t.gate(async () => {
    if (type === 'web') return (await t.startReady({ ...options, env: { ...own, PORT: String(await t.port()) }, path: '/health' })).app;
    const connections = watcher?.connections.length ?? 0;
    const app = t.start({ ...options, env: own });
    const deadline = performance.now() + t.wait(WORKER_LOAD_MS);
    while (app.running && !app.ownLines().length && (watcher?.connections.length ?? 0) <= connections && performance.now() < deadline) await sleep(20);
    return app;
  }, { next });
}

/** Visits web once; resolves with the answer, its time, and the visitor number it names. */
async function visit(t, app) {
  const started = performance.now();
  const response = await request(app.port, '/', { timeout: t.budget(8000) });
  const ms = Math.round(performance.now() - started);
  const number = Number(response.body.match(/visitor number (\d+)/i)?.[1] ?? response.body.match(/\d+/)?.[0] ?? NaN);
  return { app, response, ms, visitor: number };
}

/** Visits all at once (`count` visits spread over `webs`); fails unless every one is counted. */
async function visitAll(t, webs, count) {
  const visits = await Promise.all(Array.from({ length: count }, (_, i) => visit(t, webs[i % webs.length])));
  const bad = visits.find((v) => v.response.status !== 200 || !Number.isInteger(v.visitor));
  if (bad) throw t.fail({
    message: `Sent ${count} visits at once to ${webs.map((w) => w.label).join(' and ')}; one to ${bad.app.label} got ${describe(bad.response)}.`,
    expected: '200 with "You are visitor number N" for every visit', actual: `${describe(bad.response)}\n${bad.app.label} printed:\n${bad.app.lastOutput(4) || '(nothing)'}`,
    hints: ['Press Run and visit the app: the error it logs says what broke. The page must still count the visit and name the number.'],
    summary: `${bad.app.label} did not answer a visit with 200`,
  });
  t.log(`${count} visits at once: visitors ${visits.map((v) => v.visitor).sort((a, b) => a - b).join(', ')}, answered in ${visits.map((v) => v.ms).join(', ')} ms`);
  return visits;
}

/** The notes thanks.js recorded: [{ visitor, by, started, finished }]. */
async function sentNotes(t) {
  const raw = await t.redis.client.lrange(SENT, 0, -1);
  return raw.map((text) => {
    try {
      return JSON.parse(text);
    } catch {
      return { visitor: NaN, by: `unreadable entry ${JSON.stringify(text).slice(0, 60)}` };
    }
  });
}

/**
 * Polls thanks:sent until every visitor in `wanted` has a note, `within` ms (already scaled) pass, or
 * `stop()` says waiting is pointless. With `quiet`, it also ends once no job of `wanted` is left anywhere
 * in Redis and no note has come for `quiet` ms: the rest are lost, and waiting longer would not find them.
 * @param {any} t @param {number[]} wanted
 * @param {{ within: number, quiet?: number, stop?: () => boolean, count?: number | undefined }} options `count`: the visit count, which is not a job
 */
async function waitForNotes(t, wanted, { within, quiet = Infinity, stop = () => false, count }) {
  const deadline = performance.now() + within;
  let seen = -1, changed = performance.now();
  for (;;) {
    const notes = await sentNotes(t);
    if (notes.length !== seen) [seen, changed] = [notes.length, performance.now()];
    const done = new Set(notes.map((n) => n.visitor));
    const open = wanted.filter((v) => !done.has(v));
    if (!open.length || performance.now() > deadline || stop()) return notes;
    if (performance.now() - changed > quiet) {
      const items = await redisItems(t, count);
      if (!open.some((v) => items.some((item) => mentions(item.text, v)))) return notes;
    }
    await sleep(50);
  }
}

/**
 * Once every wanted note is in: waits `settle` ms (already scaled) for a job taken twice to start again (a
 * second taker starts its copy just after the first one's note is recorded), then until every note that a
 * running process among `apps` said it was sending ("sending thank-you", which thanks.js prints) has been
 * recorded, for at most `within` ms (already scaled). When a process's output does not account for the notes
 * it recorded (its output is hidden), that cannot be told, and it waits all of `within`. Returns the notes.
 */
async function settleNotes(t, apps, wanted, { settle, within }) {
  await sleep(settle);
  const deadline = performance.now() + within;
  for (;;) {
    const notes = (await sentNotes(t)).filter((n) => wanted.includes(n.visitor));
    const accounted = apps.map((app) => {
      const started = app.jsonLines().filter((line) => line.msg === 'sending thank-you' && wanted.includes(Number(line.visitor))).length;
      const recorded = notes.filter((n) => n.by === app.label).length;
      return { app, open: started - recorded };
    });
    const unknown = accounted.some((a) => a.open < 0);
    if ((!unknown && accounted.every((a) => a.open === 0 || !a.app.running)) || performance.now() > deadline) return notes;
    await sleep(25);
  }
}

/** Real work on a Redis connection: anything but the handshake a client does when it connects. */
const REAL = (cmd) => !/^(INFO|CLIENT|SELECT|AUTH|HELLO|PING|READONLY)$/.test(cmd.name);

/**
 * Waits (up to the kit's wait of `ms`) until `n` connections opened since `since` (performance.now()) have
 * sent real work: the workers started and looked at the queue. `watchedAt` puts the watcher's clock on ours.
 */
async function workersLooking(t, watcher, watchedAt, n, since, apps, ms = 3000) {
  const count = () => watcher.connections.filter((c) => watchedAt + c.openedAt >= since - 50 && c.commands.some(REAL)).length;
  const deadline = performance.now() + t.wait(ms);
  while (count() < n && performance.now() < deadline && apps.every((a) => a.running)) await sleep(25);
  return count() >= n;
}

/** Visitors noted more than once, and those never noted, among `wanted`. */
function tally(notes, wanted) {
  const times = new Map(wanted.map((v) => [v, 0]));
  for (const note of notes) if (times.has(note.visitor)) times.set(note.visitor, times.get(note.visitor) + 1);
  return { twice: wanted.filter((v) => times.get(v) > 1), lost: wanted.filter((v) => times.get(v) === 0) };
}

const whoSent = (notes, visitor) => notes.filter((n) => n.visitor === visitor).map((n) => n.by).join(' and ');
const bySender = (notes) => [...Map.groupBy(notes, (n) => n.by)].map(([by, all]) => `${by}: ${all.length}`).join(', ');

/**
 * Everything in Redis except the count and the sent notes, as text items (key names included), so a job
 * can be found whatever structure holds it: a list, a set, a sorted set, a hash, a stream or string keys.
 */
async function redisItems(t, countValue) {
  const redis = t.redis.client;
  const items = [];
  for (const key of await t.redis.keys('*')) {
    if (key === SENT) continue;
    const type = await redis.type(key);
    let values = [];
    if (type === 'string') {
      const value = await redis.get(key);
      if (value === String(countValue)) continue; // the visit counter itself
      values = [value];
    } else if (type === 'list') values = await redis.lrange(key, 0, -1);
    else if (type === 'set') values = await redis.smembers(key);
    else if (type === 'zset') values = await redis.zrange(key, 0, -1);
    else if (type === 'hash') values = Object.entries(await redis.hgetall(key)).map(([f, v]) => `${f}=${v}`);
    else if (type === 'stream') values = (await redis.xrange(key, '-', '+')).map(([, fields]) => fields.join(' '));
    items.push(...values.map((value) => ({ key, type, text: `${key} ${value}` })));
  }
  return items;
}

const mentions = (text, number) => new RegExp(`(?<!\\d)${number}(?!\\d)`).test(text);

/** Most notes being sent at the same moment. */
function peakAtOnce(notes) {
  const edges = notes.flatMap((n) => [[n.started, 1], [n.finished, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0, peak = 0;
  for (const [, step] of edges) peak = Math.max(peak, (now += step));
  return peak;
}

/** Fails when `app` is gone: a crash is an error with its report, a clean exit is a process type that does not stay up. */
function mustBeRunning(t, app, command, doing) {
  if (app.running) return;
  if (app.crash() || (app.exit?.code ?? 0) !== 0) throw new AppExited(app, doing);
  throw t.fail({
    message: `${app.label} (${command}) ${describeExit(app.exit)} ${seconds(app.exit.ms)} after it started, ${doing}. A process type's command must keep running in the foreground for as long as the process manager wants that process.`,
    expected: `${app.label} still running`, actual: `${describeExit(app.exit)}; it printed:\n${app.lastOutput(4) || '(nothing)'}`,
    hints: [
      'Keep the process alive: a worker loops, waiting for the next job, until it is told to stop.',
      'Do not start the real work in a detached child process and exit; the process manager can only watch, restart and stop the process it started.',
    ],
    summary: `${app.label} exited while it should have kept running`,
  });
}

/** Each check's run: what it does and judges. They run side by side (the kit's together). */
const RUNS = {
  'process-types': async (t) => {
    const types = await processTypes(t);
    const before = t.snapshot();
    const watchedAt = performance.now();
    const watcher = await t.redis.watch();
    const env = { ...(await setting(t, between(120, 200))), REDIS_URL: watcher.url };
    // In the workspace itself, not a copy: files a process leaves behind (a PID file) show up in the snapshot.
    // Both start at once, as a process manager starts a formation.
    const [web, worker] = await Promise.all([startProcess(t, types, env, 'web', 1, { instance: false, watcher }), startProcess(t, types, env, 'worker', 1, { instance: false, watcher })]);
    // The worker looks at the queue before there is anything in it, as it would on a quiet day.
    await workersLooking(t, watcher, watchedAt, 1, worker.started, [worker]);
    mustBeRunning(t, worker, types.get('worker'), 'while the queue was empty');
    const visitedAt = performance.now();
    const visitor = /** @type {number} */ ((await visitAll(t, [web], 1))[0]?.visitor);
    const notes = await waitForNotes(t, [visitor], { within: t.budget(4000), stop: () => !worker.running || !web.running });
    // Both must still be there a moment after the job: a worker that exits once the queue is empty, or after
    // one job, has done so by now.
    await sleep(300);
    for (const app of [worker, web]) {
      const exitedEarly = app.exit && app.started + app.exit.ms < visitedAt;
      mustBeRunning(t, app, types.get(app.label.split('.')[0]), exitedEarly ? 'while the queue was empty' : 'while the checker expected it to keep running');
    }
    const pidFiles = t.changedSince(before).created.filter((path) => /(^|[/._-])pid($|[/._-])|\.pid$/i.test(path));
    if (pidFiles.length) throw t.fail({
      message: `Started web.1 and worker.1 from the Procfile; they wrote ${list(pidFiles)}. A PID file is how a program that puts itself in the background tells others where it went; under a process manager nobody reads it, and a stale one can stop the next start.`,
      expected: 'no PID files', actual: list(pidFiles),
      hints: ['Remove the code that writes the PID file: the process manager already knows every process it started.'],
    });
    if (!notes.some((n) => n.visitor === visitor)) throw t.fail({
      message: `Started web.1 and worker.1 from the Procfile and visited once (visitor ${visitor}); no thank-you note for that visitor was sent within ${t.bound(4000)}.`,
      expected: `a note for visitor ${visitor} in ${SENT}`, actual: `notes sent: ${list(notes.map((n) => `${n.visitor} by ${n.by}`))}\nworker.1 printed:\n${worker.lastOutput(4) || '(nothing)'}`,
      hints: ['web must put each job in Redis (e.g. RPUSH thanks:queue <visitor>), and worker.js must take jobs from that same key and call sendThankYou(visitor).'],
      summary: 'web and worker did not send a note together', timing: { observedMs: t.budget(4000), idleMs: 4000 },
    });
    return `The Procfile declares web (${types.get('web')}) and worker (${types.get('worker')}); both stayed in the foreground, left no PID file, and visitor ${visitor}'s note was sent by ${whoSent(notes, visitor)}.`;
  },

  'web-answers-at-once': async (t) => {
    const types = await processTypes(t);
    // Short notes: a note web sends on the side shows up sooner, so the watch for one is shorter.
    const noteMs = between(150, 250);
    const watchedAt = performance.now();
    const watcher = await t.redis.watch();
    const env = { ...(await setting(t, noteMs)), REDIS_URL: watcher.url };
    const webs = await Promise.all([1, 2].map((n) => startProcess(t, types, env, 'web', n, { watcher })));
    const visits = await visitAll(t, webs, 6);
    const visitors = visits.map((v) => v.visitor).sort((a, b) => a - b);
    const slowest = visits.reduce((a, b) => (b.ms > a.ms ? b : a));
    // Long enough for a note sent on the side (not awaited, or by a worker web started, which on a busy
    // machine may take seconds to start) to be recorded, and until no new Redis connection has opened for a
    // moment. Capped, so work web puts off for longer is left to the workers-share-backlog check.
    const until = performance.now() + noteMs + Math.min(t.wait(700), 6000);
    const settled = () => watcher.connections.every((c) => performance.now() - (watchedAt + c.openedAt) > Math.min(t.wait(300), 2000));
    const takers = () => watcher.commands().filter((cmd) => /^(BLPOP|BRPOP|BLMOVE|BRPOPLPUSH|BZPOPMIN|BZPOPMAX|XREADGROUP)$/.test(cmd.name) || (cmd.name === 'XREAD' && cmd.args.some((a) => /^block$/i.test(a))));
    let notes = [];
    while (!notes.length && !takers().length && (performance.now() < until || (!settled() && performance.now() < until + 2000))) {
      await sleep(50);
      notes = await sentNotes(t);
    }
    const taking = takers();
    if (!notes.length && taking.length) throw t.fail({
      message: `Started web=2, worker=0 and sent 6 visits at once; no note was sent yet, but something in the web processes waits for jobs (${taking[0].name} ${taking[0].args.slice(0, 2).join(' ')}): a worker running inside web.`,
      expected: 'with worker=0, nothing takes jobs from the queue', actual: `${taking.length} ${taking[0].name} command${taking.length > 1 ? 's' : ''} from the web processes`,
      hints: ['Do not start a worker from the web process (fork, a worker thread, a loop in app.js): run it as the Procfile\'s worker type, so the process manager decides how many run.'],
    });
    if (notes.length) throw t.fail({
      message: `Started web=2, worker=0 and sent 6 visits at once; with no worker running, ${notes.length} thank-you notes were sent anyway, by ${list([...new Set(notes.map((n) => n.by))])}: the web processes (or processes they started) do the job work. ${slowest.ms >= noteMs ? `The slowest visit took ${seconds(slowest.ms)}, as a note takes ${noteMs} ms and the visitor waited for it.` : `The visits were quick (at most ${seconds(slowest.ms)}), but each note still went out from web's side, where a deploy or a crash loses it.`}`,
      expected: 'no notes sent while worker=0: the jobs wait in Redis for a worker', actual: `notes sent: ${notes.map((n) => `${n.visitor} by ${n.by}`).join(', ')}`,
      hints: [
        'In server.js, do not call sendThankYou: put a job in Redis instead (e.g. await redis.rpush("thanks:queue", count)) and answer.',
        'Not awaiting sendThankYou, or starting a worker from inside the web process, still does the job in web\'s process (or one it owns): the Procfile\'s worker type is what should do it.',
      ],
    });
    const items = await redisItems(t, visitors.at(-1));
    const missing = visitors.filter((v) => !items.some((item) => mentions(item.text, v)));
    if (missing.length) throw t.fail({
      message: `Started web=2, worker=0 and sent 6 visits at once (visitors ${visitors.join(', ')}). With no worker running, every job should wait in Redis; the checker found no trace of ${missing.length === visitors.length ? 'any of them' : `visitors ${missing.join(', ')}`} in any key.`,
      expected: `each visitor number (${visitors.join(', ')}) in a job in Redis, e.g. a list thanks:queue`,
      actual: items.length ? `Redis holds: ${[...new Set(items.map((i) => `${i.key} (${i.type})`))].join(', ')}` : 'Redis holds only the count',
      hints: ['A job kept in the web process\'s memory (an array, a timer) is lost when the process stops, and no other process can take it. Push it to Redis: await redis.rpush("thanks:queue", count).'],
    });
    if (slowest.ms > t.budget(ANSWER_MS)) throw t.fail({
      message: `Started web=2, worker=0 and sent 6 visits at once. The jobs were queued in Redis, but the slowest visit (to ${slowest.app.label}) took ${seconds(slowest.ms)}; queuing a job takes one Redis command.`,
      expected: `every visit answered within ${t.bound(ANSWER_MS)}`, actual: `answer times ${visits.map((v) => v.ms).join(', ')} ms`,
      hints: ['Answer as soon as the job is queued; do not wait for anything the job does.'],
      timing: { observedMs: slowest.ms, idleMs: ANSWER_MS },
    });
    const keys = [...new Set(items.filter((item) => visitors.some((v) => mentions(item.text, v))).map((item) => item.key))];
    return `With web=2 and worker=0, 6 visits at once were answered in at most ${seconds(slowest.ms)}, no note was sent, and all 6 jobs (visitors ${visitors[0]}…${visitors.at(-1)}) waited in Redis (${keys.join(', ')}).`;
  },

  'workers-share-backlog': async (t) => {
    const types = await processTypes(t);
    const noteMs = between(200, 260);
    const jobs = 6;
    const watchedAt = performance.now();
    const watcher = await t.redis.watch();
    const env = { ...(await setting(t, noteMs)), REDIS_URL: watcher.url };
    const [web, ...workers] = await Promise.all([startProcess(t, types, env, 'web', 1, { watcher }), ...[1, 2, 3].map((n) => startProcess(t, types, env, 'worker', n, { watcher }))]);
    // Let the workers reach their first look at the queue, so the burst meets all three ready (as a backlog
    // would on a running system) and slow starts on a busy machine do not count against them.
    await workersLooking(t, watcher, watchedAt, 3, Math.min(...workers.map((w) => w.started)), workers);
    for (const worker of workers) mustBeRunning(t, worker, types.get('worker'), 'before any job was queued');
    const visitors = (await visitAll(t, [web], jobs)).map((v) => v.visitor).sort((a, b) => a - b);
    const waitMs = t.budget(jobs * noteMs + 3000);
    let notes = await waitForNotes(t, visitors, { within: waitMs, quiet: 2 * noteMs + t.budget(150), count: visitors.at(-1), stop: () => workers.every((w) => !w.running) });
    // A worker that takes a job another one has also taken sends it again soon after: wait for every note
    // a worker has started.
    notes = await settleNotes(t, workers, visitors, { settle: t.budget(200), within: noteMs + t.budget(200) });
    const { twice, lost } = tally(notes, visitors);
    if (twice.length) throw t.fail({
      message: `Queued ${jobs} jobs (visitors ${visitors[0]}…${visitors.at(-1)}) with three workers running; ${twice.length} were done more than once: ${twice.map((v) => `${v} by ${whoSent(notes, v)}`).join('; ')}. Two workers read the same job before either removed it.`,
      expected: 'every job done exactly once', actual: `${notes.length} notes for ${jobs} jobs (${bySender(notes)})`,
      hints: ['Take a job and remove it from the queue in one Redis command, so no other worker can see it: BLPOP (or LPOP, or LMOVE to a list of jobs in progress).', 'Reading the job (LINDEX, LRANGE) and deleting it afterwards (LREM) leaves a gap that every other worker falls into.'],
    });
    if (lost.length) throw t.fail({
      message: `Queued ${jobs} jobs (visitors ${visitors[0]}…${visitors.at(-1)}) with three workers running; ${lost.length} were never done within ${t.bound(jobs * noteMs + 3000)}: visitors ${lost.join(', ')}.`,
      expected: 'every job done exactly once', actual: `notes for ${list(visitors.filter((v) => !lost.includes(v)))}; ${bySender(notes) || 'no notes at all'}\nworker.1 printed:\n${workers[0].lastOutput(3) || '(nothing)'}`,
      hints: ['Each worker should loop: wait for a job, send its note with sendThankYou, take the next.', 'Check that web and worker use the same Redis key for the queue.'],
      timing: { observedMs: waitMs, idleMs: jobs * noteMs + 3000 },
    });
    const span = Math.max(...notes.map((n) => n.finished)) - Math.min(...notes.map((n) => n.started));
    const serial = notes.reduce((sum, n) => sum + (n.finished - n.started), 0);
    const senders = new Set(notes.map((n) => n.by));
    const peak = peakAtOnce(notes);
    const worked = `${seconds(span)} for ${jobs} notes of ${noteMs} ms, which one worker would send one after another in ${seconds(serial)}; at most ${peak} were being sent at the same moment (${bySender(notes)})`;
    t.log(`three workers: ${worked}`);
    if (senders.size < 2 || peak < 2 || span > 0.8 * serial) throw t.fail({
      message: `Queued ${jobs} jobs with three workers running; every job was done once, but the backlog took ${worked}. Three workers were no faster than one.`,
      expected: `the jobs shared out, several at a time: well under ${seconds(0.8 * serial)}`, actual: `${seconds(span)}; ${bySender(notes)}`,
      hints: [
        'Let each worker take one job at a time and come back for the next, so every idle worker gets one; taking the whole backlog at once (LRANGE + DEL) leaves the others idle.',
        'A lock that lets only one worker work at a time (SET … NX) undoes the point of running three.',
      ],
    });
    return `Three workers sent the ${jobs} queued notes exactly once in ${seconds(span)}, against ${seconds(serial)} for one worker; up to ${peak} at once (${bySender(notes)}).`;
  },

  'worker-stops-cleanly': async (t) => {
    const types = await processTypes(t);
    const noteMs = between(400, 500);
    const watchedAt = performance.now();
    const watcher = await t.redis.watch();
    const env = { ...(await setting(t, noteMs)), REDIS_URL: watcher.url };
    const [web, worker] = await Promise.all([startProcess(t, types, env, 'web', 1, { watcher }), startProcess(t, types, env, 'worker', 1, { watcher })]);
    const visitors = (await visitAll(t, [web], 3)).map((v) => v.visitor).sort((a, b) => a - b);
    // Until worker.1 starts a note (thanks.js prints "sending thank-you"), or it cannot any more.
    const deadline = performance.now() + t.wait(3000);
    let said;
    while (!(said = worker.said(/sending thank-you/)) && worker.running && performance.now() < deadline) {
      const notes = await sentNotes(t);
      if (visitors.every((v) => notes.some((n) => n.visitor === v))) break;
      await sleep(25);
    }
    const line = said && { text: said };
    mustBeRunning(t, worker, types.get('worker'), 'before the checker could stop it');
    if (!line) throw t.fail({
      message: `Queued 3 jobs (visitors ${visitors.join(', ')}) with worker.1 running; it did not start sending a note within ${t.bound(3000)}, so there was no job in hand to stop it in the middle of.`,
      expected: 'worker.1 prints "sending thank-you" (thanks.js does) for the first job', actual: worker.lastOutput(4) || '(nothing)',
      hints: ['worker.js should loop: take a job from the queue web fills, and call sendThankYou(visitor).'],
      summary: 'worker.1 never took a job', timing: { observedMs: t.wait(3000), idleMs: 3000 },
    });
    const current = Number(line.text.match(/"visitor":(\d+)/)?.[1]);
    const signalledAt = Date.now();
    const signalled = performance.now();
    worker.signal('SIGTERM');
    // A deploy starts the new worker while the old one stops; it takes what is left.
    const exitBound = noteMs + 1500;
    const [next, exit] = await Promise.all([startProcess(t, types, env, 'worker', 2, { watcher, next: true }), worker.waitForExit(exitBound)]);
    await workersLooking(t, watcher, watchedAt, 1, next.started, [next]);
    await waitForNotes(t, visitors, { within: t.budget(3 * noteMs + 3000), quiet: 2 * noteMs + t.budget(150), count: visitors.at(-1), stop: () => !next.running });
    // A job both finished and given back is sent again by worker.2: wait for every note a worker has started.
    const all = await settleNotes(t, [worker, next], visitors, { settle: t.budget(100), within: noteMs + t.budget(100) });
    const { twice, lost } = tally(all, visitors);
    const story = `Queued 3 jobs (visitors ${visitors.join(', ')}); worker.1 was sending visitor ${current}'s note when it got SIGTERM, and worker.2 started`;
    t.log(`${story}; worker.1 ${exit ? describeExit(exit) : 'kept running'}; notes: ${all.map((n) => `${n.visitor} by ${n.by}`).join(', ') || 'none'}`);
    if (!exit) throw t.fail({
      message: `${story}. worker.1 was still running ${t.bound(exitBound)} later, though its note takes ${noteMs} ms.`,
      expected: `worker.1 finishes visitor ${current}'s note, takes no new job, and exits`, actual: `still running; it printed:\n${worker.lastOutput(3)}`,
      hints: ['Handle SIGTERM: set a flag the loop checks before taking the next job, and let the loop end (close Redis with redis.quit()).', 'A blocking wait for the next job needs a timeout (BLPOP key 1), or the flag is only looked at when a job arrives.'],
      timing: { observedMs: t.budget(exitBound), idleMs: exitBound },
    });
    if (lost.includes(current)) throw t.fail({
      message: `${story}. worker.1 ${describeExit(exit)} ${seconds(Math.max(0, worker.started + exit.ms - signalled))} after SIGTERM, and visitor ${current}'s job is gone: not sent, and not back in the queue for worker.2.`,
      expected: `visitor ${current}'s note sent (worker.1 finishes it) or its job back in the queue`, actual: `notes sent: ${list(all.map((n) => `${n.visitor} by ${n.by}`))}`,
      hints: ['On SIGTERM, do not exit at once: let the job in hand finish (or push it back onto the queue), then exit.', 'Closing Redis (quit, disconnect) before the job in hand has recorded its note loses it too.'],
    });
    if (exit.code !== 0) throw t.fail({
      message: `${story}. No job was lost, but worker.1 ${describeExit(exit)}; a process that stops because it was asked to exits with code 0.`,
      expected: 'exit code 0', actual: `${describeExit(exit)}; it printed:\n${worker.lastOutput(3)}`,
      hints: ['Handle SIGTERM yourself (process.once("SIGTERM", …)); without a handler Node dies by the signal. Once the loop ends and Redis is closed, Node exits with 0 by itself.'],
    });
    // A new job after the one in hand, when the signal had time to arrive (100 ms) before that one ended.
    const inHand = all.find((n) => n.visitor === current && n.by === 'worker.1');
    const late = inHand && inHand.finished > signalledAt + 100 ? all.filter((n) => n.by === 'worker.1' && n.visitor !== current && n.started >= inHand.finished) : [];
    if (late.length) throw t.fail({
      message: `${story}. worker.1 finished that note, but then started ${late.length} more (visitors ${late.map((n) => n.visitor).join(', ')}) before exiting. A worker told to stop finishes what it holds and takes nothing new: the platform kills it after a grace period, and the new worker is there for the rest.`,
      expected: 'no new job after SIGTERM', actual: `worker.1 sent: ${all.filter((n) => n.by === 'worker.1').map((n) => n.visitor).join(', ')}`,
      hints: ['Check a "stopping" flag before taking each job, not only when the queue is empty.'],
    });
    if (twice.length || lost.length) throw t.fail({
      message: `${story}. worker.1 exited cleanly, but ${lost.length ? `visitors ${lost.join(', ')} never got a note` : ''}${lost.length && twice.length ? ' and ' : ''}${twice.length ? `visitors ${twice.join(', ')} got two` : ''}.`,
      expected: 'each of the 3 jobs done exactly once', actual: `notes sent: ${list(all.map((n) => `${n.visitor} by ${n.by}`))}\nworker.2 printed:\n${next.lastOutput(3) || '(nothing)'}`,
      hints: ['A job a stopping worker gives back must go back exactly once; one it finished must not also be returned.'],
    });
    return `worker.1 got SIGTERM while sending visitor ${current}'s note, finished it, ${describeExit(exit)}; worker.2 sent the rest: every job done exactly once (${all.map((n) => `${n.visitor} by ${n.by}`).join(', ')}).`;
  },
};

await runLab(new URL('./lab.json', import.meta.url), together(RUNS, { order: ORDER, limits: RUN_LIMITS, timeLimit: TIME_LIMIT, secured: true }));
