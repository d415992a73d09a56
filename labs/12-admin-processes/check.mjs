// Checks for factor XII, Admin processes: resetting the count and migrating the data are one-off
// processes (`npm run reset`, `npm run migrate`) that run from the app's own code and config and then
// exit; the web process offers no admin door and changes no data as it starts. Every check gives the app
// a Redis with a random password and database behind a watcher that records each command, and a random
// KEY_PREFIX, beside another deploy's keys and another app's session that must survive.
import { randomInt } from 'node:crypto';
import { runLab, request, describe, describeExit, randomWord, randomHex, seconds, sleep, together, unlessLater } from '../_kit/index.mjs';
import { FLUSHES, changes, describeEntry, entry, isWrite, mark, shown } from './data.mjs';

/** Idle-machine bounds (ms); the kit scales what it waits itself, t.budget() the rest. */
const ONEOFF_MS = 4000; // a one-off: start Node, connect, do a few commands, close, exit
const READY_MS = 3000;
const REQUEST_MS = 2000;
const VERSION = '2';
/**
 * Idle-machine time limit of each check's run (scaled like any wait). A run that takes longer is stopped
 * and reported as hanging, on its own: the other checks keep their verdicts.
 */
const RUN_LIMITS = { 'no-admin-route': 10_000, 'reset-one-off': 20_000, 'migrate-one-off': 20_000, 'web-writes-no-data': 15_000, 'same-config': 15_000 };
/** The first check waits for every run, and the runs end within their own limits: this is only a backstop. */
const TIME_LIMIT = 25_000;
/** How long a one-off may stay alive, idle, after Redis answered its last command (idle machine). */
const LINGER_MS = 1000;
/**
 * Pointed at no Redis, how long a one-off may keep trying after its first failed connection, however busy
 * the machine. A bound scaled to the machine could reach ioredis' defaults (a command retried 20 times:
 * about 10 s of wall-clock timers that no calibration slows down); the app's client gives up after two
 * retries, well under a second. Timed from the first failure, so a slow start does not count.
 */
const GIVE_UP_MS = 5000;

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const countIn = (response) => Number(response.body?.match(/visitor number (\d+)/)?.[1]);
const list = (lines, max = 8) => (lines.length > max ? [...lines.slice(0, max), `… and ${lines.length - max} more`] : lines).join('\n');

/**
 * A Redis of the check's own (random password and database, behind a watcher), a random KEY_PREFIX for
 * the app, and neighbours: another deploy of the counter sharing the Redis (one migrated, one not yet)
 * and another app's session. `env` is what the web process and the one-offs get.
 */
async function setup(t) {
  const redis = await t.redis.secured();
  const watcher = await redis.watch();
  const prefix = `${randomWord('tfl-')}:`;
  const staging = `${randomWord('staging-')}:`;
  const review = `${randomWord('review-')}:`;
  const neighbours = [
    [`${staging}visits`, 'hash', { total: String(randomInt(10, 900)) }],
    [`${staging}schema-version`, 'string', VERSION],
    [`${review}hits`, 'string', String(randomInt(10, 900))],
    [`session:${randomHex(6)}`, 'string', JSON.stringify({ user: randomWord(), cart: randomInt(1, 9) })],
  ];
  for (const [key, type, value] of neighbours) {
    if (type === 'hash') await redis.client.hset(key, value);
    else await redis.client.set(key, value);
  }
  const env = await t.env({ REDIS_URL: watcher.url, KEY_PREFIX: prefix });
  t.log(`KEY_PREFIX=${prefix}; other data in the same Redis: ${neighbours.map(([k]) => k).join(', ')}`);
  return { redis, watcher, prefix, env, key: (name) => `${prefix}${name}`, neighbours: neighbours.map(([k]) => k) };
}

/** The app's data in the current format: `n` visits so far. */
async function seedCurrent(s, n) {
  await s.redis.client.hset(s.key('visits'), { total: String(n) });
  await s.redis.client.set(s.key('schema-version'), VERSION);
}

/** Starts `npm run <name>`; a missing script is the learner's to add, so it fails. */
function startTask(t, name, env, label) {
  try {
    return t.start({ env, label, command: `npm run ${name}` });
  } catch (caught) {
    const error = /** @type {any} */ (caught);
    if (error?.name !== 'CommandError') throw error;
    throw t.fail({
      message: `Ran \`npm run ${name}\`, as whoever operates the app would: ${error.message}`,
      expected: `a "${name}" script in package.json that runs the task as a one-off process`,
      actual: error.message,
      hints: [`Add "${name}": "node admin.js ${name}" to "scripts" in package.json, and make admin.js run the task its command line names.`],
      summary: `package.json has no "${name}" script`,
    });
  }
}

/**
 * Runs `npm run <name>` as a one-off against the watched Redis and waits for it to end. A process that
 * keeps running with its connection open after Redis answered everything it sent (its work is done) is
 * stopped after LINGER_MS rather than the whole wait: `lingered` says so.
 */
async function runTask(t, name, env, watcher, label = `npm run ${name}`) {
  const before = watcher.connections.length;
  const app = startTask(t, name, env, label);
  const deadline = performance.now() + t.wait(ONEOFF_MS);
  let quiet = { signature: '', since: performance.now() };
  let lingered = false;
  while (app.running && performance.now() < deadline) {
    const own = watcher.connections.slice(before);
    const commands = own.flatMap((c) => c.commands);
    const idle = own.some((c) => c.closedAt === undefined) && commands.length > 0 && commands.every((c) => c.answeredAt !== undefined);
    const signature = `${commands.length}/${commands.filter((c) => c.answeredAt !== undefined).length}/${own.length}`;
    if (!idle || signature !== quiet.signature) quiet = { signature, since: performance.now() };
    else if (performance.now() - quiet.since > t.wait(LINGER_MS)) {
      lingered = true;
      break;
    }
    await unlessLater(app.exited, 50); // looks again in 50 ms, or as soon as it exits
  }
  const timedOut = app.running;
  if (timedOut) {
    t.log(`${label} was still running ${lingered ? `${seconds(t.wait(LINGER_MS))} after Redis answered its last command` : `after ${seconds(t.wait(ONEOFF_MS))}`}; stopped it`);
    await app.kill();
  }
  const exit = await app.exited;
  if (!timedOut) t.log(`${label} ${describeExit(exit)} after ${Math.round(exit.ms)} ms`);
  return { app, code: timedOut ? null : exit.code, ms: exit.ms, timedOut, lingered };
}

/** Fails unless the one-off exited 0 by itself in time and emptied no whole database. */
function judgeExit(t, name, run, sent, what) {
  const flushes = sent.filter((c) => FLUSHES.has(c.name));
  if (flushes.length) {
    throw t.fail({
      message: `Ran \`npm run ${name}\` ${what}; it sent ${flushes.map(shown).join(' and ')}, which empties the whole database (FLUSHALL: every database) — another deploy's counts and another app's sessions live in the same Redis.`,
      expected: 'commands on the app\'s own keys (those starting with KEY_PREFIX) only',
      actual: list(sent.map(shown)),
      hints: ['Change only the keys the task is about, through the client from counter.js (it adds KEY_PREFIX): `redis.hdel(\'visits\', \'total\')` resets the count and leaves every other key alone.'],
    });
  }
  if (run.timedOut) {
    throw t.fail({
      message: `Ran \`npm run ${name}\` ${what}; ${run.lingered ? `Redis had answered every command it sent, yet ${seconds(t.wait(LINGER_MS))} later it was still running with its connection open` : `it was still running after ${seconds(t.wait(ONEOFF_MS))}`}, so the checker stopped it. A one-off process must end by itself when its work is done: a scheduler or a deploy step waits for its exit code. An open Redis connection keeps Node's event loop alive.`,
      expected: `the process to exit with code 0 ${run.lingered ? `within ${t.bound(LINGER_MS)} of its last answer from Redis` : `within ${t.bound(ONEOFF_MS)}`}`,
      actual: `still running; it printed:\n${run.app.lastOutput(4) || '(nothing)'}`,
      hints: ['Close the connection when the task is done: `await redis.quit()` (in a finally block, so it also happens when the task fails).'],
    });
  }
  if (run.code !== 0) {
    throw t.fail({
      message: `Ran \`npm run ${name}\` ${what}; it ${describeExit(run.app.exit)}, so whoever ran it would take the task as failed.`,
      expected: 'exit code 0',
      actual: run.app.lastOutput(6) || `${describeExit(run.app.exit)}, printing nothing`,
      hints: [`Run "npm run ${name}" from the Run menu and read its output.`, 'A one-off reuses the app\'s modules: import the client from counter.js instead of building another.'],
    });
  }
}

/** Visits / once and returns the count the page shows. */
async function visit(t, port, app) {
  let response = await request(port, '/', { timeout: t.budget(REQUEST_MS) });
  // A connection cut while the app still runs is the network's doing, not an answer: ask once more.
  if (response.error === 'ECONNRESET' && app.running) {
    t.log(`GET / → ${describe(response)}; asking again`);
    response = await request(port, '/', { timeout: t.budget(REQUEST_MS) });
  }
  const count = countIn(response);
  t.log(`GET / → ${describe(response)}`);
  if (response.status !== 200 || !Number.isInteger(count)) {
    throw t.fail({
      message: `Visited / on the web process; it answered ${describe(response)} instead of counting the visit.`,
      expected: '200 "… You are visitor number N."',
      actual: app.lastOutput(4) || describe(response),
      hints: ['Press Run and visit the app: counting a visit must keep working.'],
      summary: 'the web process did not count visits',
    });
  }
  return count;
}

/** Only data under the app's prefix may change; another deploy's or app's keys never. */
function strayChanges(s, diff) {
  return diff.filter((d) => !d.key.startsWith(s.prefix));
}

/**
 * Runs a one-off whose config points nowhere: `namedAt` is when its output first named `names`, `tries`
 * how long it kept going after that (ms), `timedOut` when the checker had to stop it.
 */
async function giveUp(t, name, env, label, names, what, given) {
  const app = startTask(t, name, env, label);
  const named = await app.waitForLine(names, ONEOFF_MS);
  const namedAt = named ? performance.now() : undefined;
  // Silent and still running at the end of the wait: stopped. Named it: judged by how long it keeps trying.
  const exit = namedAt === undefined ? await app.waitForExit(250) : await unlessLater(app.exited, GIVE_UP_MS + 1000);
  const timedOut = !exit;
  if (timedOut) await app.kill();
  const final = await app.exited;
  const tries = namedAt === undefined ? 0 : app.started + final.ms - namedAt;
  t.log(`${label} ${timedOut ? 'was stopped' : describeExit(final)} after ${Math.round(final.ms)} ms${namedAt === undefined ? '' : `, ${Math.round(tries)} ms after naming ${what}`}`);
  return { name, app, exit: final, timedOut, namedAt, tries, what, given };
}

/** What each check does, with its verdict: run side by side (see the end of this file), each against its own Redis; `t.gate` holds a processor while a process starts. */
const PARTS = {
  'no-admin-route': async (t) => {
    const s = await setup(t);
    const n = randomInt(20, 500);
    await seedCurrent(s, n);
    const { app, port } = await t.gate(() => t.startReady({ env: s.env, path: '/health', within: READY_MS, label: 'the web process' }));
    const before = await s.redis.entries();
    const other = `/admin/${randomWord()}`;
    const probes = [
      ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => ({ method, path: '/admin/reset' })),
      { method: 'GET', path: `/admin/reset?confirm=${randomWord()}` },
      { method: 'GET', path: '/admin/migrate' },
      { method: 'POST', path: '/admin/migrate' },
      { method: 'POST', path: other },
    ];
    const answered = [];
    const wrote = [];
    for (const probe of probes) {
      const since = mark(s.watcher);
      const response = await request(port, probe.path, { method: probe.method, body: probe.method === 'GET' || probe.method === 'DELETE' ? undefined : `confirm=${randomHex(3)}`, headers: probe.method === 'GET' || probe.method === 'DELETE' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }, timeout: t.budget(REQUEST_MS) });
      const label = `${probe.method} ${probe.path}`;
      t.log(`${label} → ${describe(response)}`);
      answered.push({ label, response });
      const writes = since().filter(isWrite);
      if (writes.length) wrote.push(`${label}: ${writes.map(shown).join(', ')}`);
    }
    await sleep(t.budget(100)); // a write the app starts after answering still shows
    const diff = changes(before, await s.redis.entries());
    const open = answered.filter((a) => a.response.status !== 404);
    if (open.length || wrote.length || diff.length) {
      const doors = open.map((a) => `${a.label} → ${describe(a.response)}`);
      throw t.fail({
        message: `Sent ${plural(probes.length, 'request')} to /admin/… on the web process (GET, POST, PUT, PATCH and DELETE /admin/reset, /admin/migrate, ${other}). ${
          open.length ? `${plural(open.length, 'answer was', 'answers were')} not 404` : 'Every one answered 404'}${diff.length ? ', and the data in Redis changed' : wrote.length ? ', but the app wrote to Redis while answering' : ''}. An admin task reachable over HTTP is a door into every web process: a crawler, a link preview or a curious visitor walks through it, and no secret in a URL or header is reviewed or logged like a deploy step.`,
        expected: '404 for every method on every /admin/ path, and no change to the data',
        actual: list([...doors, ...wrote.map((w) => `sent to Redis during ${w}`), ...diff.map((d) => d.line)], 12),
        hints: [
          'Delete the /admin/reset branch from server.js, so /admin/… falls through to the 404 at the end. Keeping it for POST only, or behind a token, leaves the door in place.',
          'Reset the count with a one-off process instead: `npm run reset`, from admin.js.',
        ],
      });
    }
    const count = await visit(t, port, app);
    if (count !== n + 1) {
      throw t.fail({
        message: `Every /admin/ request got 404 and the data did not change, but the next visit was counted as number ${count}; the Redis held ${n} visits, so it should have been ${n + 1}.`,
        expected: `visitor number ${n + 1}`,
        actual: `visitor number ${count}`,
        hints: ['Count visits with countVisit() from counter.js: HINCRBY on the hash "visits", under KEY_PREFIX.'],
      });
    }
    return `Sent ${plural(probes.length, 'request')} to /admin/… (five methods on /admin/reset, /admin/migrate, ${other}): each got 404, nothing in Redis changed, and the next visit was counted as ${count}, after the ${n} already stored.`;
  },

  'reset-one-off': async (t) => {
    const s = await setup(t);
    const n = randomInt(20, 500);
    await seedCurrent(s, n);
    const { app, port } = await t.gate(() => t.startReady({ env: s.env, path: '/health', within: READY_MS, label: 'the web process' }));
    const visits = randomInt(2, 5);
    let count;
    for (let i = 0; i < visits; i++) count = await visit(t, port, app);
    if (count !== n + visits) {
      throw t.fail({
        message: `Stored ${n} visits under KEY_PREFIX=${s.prefix} and visited / ${visits} times; the last visit was counted as number ${count}, not ${n + visits}, so the web process does not count in the data the checker gave it.`,
        expected: `visitor number ${n + visits}`,
        actual: `visitor number ${count}`,
        hints: ['Keep counter.js as it is: one client built from REDIS_URL, with keyPrefix from KEY_PREFIX, counting in the hash "visits".'],
        summary: 'the web process did not count in the Redis and KEY_PREFIX it was given',
      });
    }
    const before = await s.redis.entries();
    const webConnections = s.watcher.connections.length;
    const since = mark(s.watcher);
    const run = await t.gate(() => runTask(t, 'reset', s.env, s.watcher), { next: true });
    const sent = since();
    const own = sent.filter((c) => c.connection > webConnections);
    judgeExit(t, 'reset', run, own, `with the web process's environment while the web process ran`);
    const diff = changes(before, await s.redis.entries());
    const stray = diff.filter((d) => d.key !== s.key('visits'));
    if (stray.length) {
      throw t.fail({
        message: `Ran \`npm run reset\`; it exited 0, but it changed more than the count: ${strayChanges(s, stray).length ? 'keys of another deploy or another app sharing this Redis' : 'other keys of the app'}.`,
        expected: `only ${s.key('visits')} changed (its total back to 0, or gone)`,
        actual: list(stray.map((d) => d.line)),
        hints: ['Reset exactly the count: `redis.hdel(\'visits\', \'total\')` through the client from counter.js, which adds KEY_PREFIX for you. Deleting by pattern (KEYS, SCAN) or flushing reaches data that is not yours.'],
      });
    }
    const total = entry(await s.redis.entries(), s.key('visits'))?.hash?.total;
    if (total !== undefined && Number(total) !== 0) {
      const connected = own.length > 0;
      throw t.fail({
        message: `Ran \`npm run reset\` with REDIS_URL and KEY_PREFIX=${s.prefix}; it exited 0, but ${s.key('visits')} still holds ${total} visits. ${connected ? 'It talked to the Redis in REDIS_URL but did not reset the count there.' : 'It sent no command to the Redis in REDIS_URL: it used another address, or exited before its commands went out.'}`,
        expected: `${s.key('visits')} total 0 (or gone)`,
        actual: `${s.key('visits')}: ${describeEntry(entry(await s.redis.entries(), s.key('visits')))}; the one-off sent: ${own.map(shown).join(', ') || 'nothing'}`,
        hints: [
          'Import the client from counter.js: it reads REDIS_URL and KEY_PREFIX from the environment like the web process does, so the task works on whatever deploy it runs in.',
          'Await the task before closing the connection or exiting: process.exit() does not wait for commands still on their way.',
        ],
      });
    }
    const webWrites = sent.filter((c) => c.connection <= webConnections && isWrite(c));
    if (webWrites.length) {
      throw t.fail({
        message: `Ran \`npm run reset\`; the count was reset, but by the web process (it sent ${webWrites.map(shown).join(', ')}), not by the one-off: the task still goes through a door in the web app.`,
        expected: 'the one-off process itself changes the data; the web process only counts visits',
        actual: `one-off sent: ${own.map(shown).join(', ') || 'nothing'}`,
        hints: ['Make admin.js do the work itself with the client from counter.js, instead of calling the web app over HTTP.'],
      });
    }
    const next = await visit(t, port, app);
    if (next !== 1) {
      throw t.fail({
        message: `Ran \`npm run reset\` (exit 0, the count's key cleared), but the next visit to the web process was counted as number ${next}.`,
        expected: 'visitor number 1',
        actual: `visitor number ${next}`,
        hints: ['The web process and the one-off must use the same key through the same client: import it from counter.js in both.'],
      });
    }
    return `Counted ${visits} visits on top of ${n}, then ran \`npm run reset\` with the web process's environment: it exited 0 after ${Math.round(run.ms)} ms, changed only ${s.key('visits')} (another deploy's and another app's keys untouched), and the next visit was counted as number 1.`;
  },

  'migrate-one-off': async (t) => {
    const s = await setup(t);
    const n = randomInt(100, 1000);
    await s.redis.client.set(s.key('hits'), String(n));
    t.log(`stored ${n} visits in the old format: ${s.key('hits')} = "${n}", no schema version`);
    const before = await s.redis.entries();
    let since = mark(s.watcher);
    const first = await t.gate(() => runTask(t, 'migrate', s.env, s.watcher, 'npm run migrate (first run)'));
    judgeExit(t, 'migrate', first, since(), 'on data in the old format');
    const afterFirst = await s.redis.entries();
    const diff = changes(before, afterFirst);
    const stray = strayChanges(s, diff);
    const total = entry(afterFirst, s.key('visits'))?.hash?.total;
    const version = entry(afterFirst, s.key('schema-version'));
    const problems = [
      ...stray.map((d) => `not the app's: ${d.line}`),
      ...(Number(total) !== n ? [`${s.key('visits')}: ${describeEntry(entry(afterFirst, s.key('visits')))}, expected hash {total: ${n}}`] : []),
      ...(entry(afterFirst, s.key('hits')) ? [`${s.key('hits')} is still there (${describeEntry(entry(afterFirst, s.key('hits')))})`] : []),
      ...(version?.value !== VERSION ? [`${s.key('schema-version')}: ${describeEntry(version)}, expected "${VERSION}"`] : []),
    ];
    if (problems.length) {
      throw t.fail({
        message: `Stored ${n} visits in the old format (${s.key('hits')}) and ran \`npm run migrate\`; it exited 0, but the data is not in the new format${stray.length ? ', and it changed data that belongs to another deploy or app' : ''}.`,
        expected: `${s.key('visits')} = hash {total: ${n}}, ${s.key('hits')} gone, ${s.key('schema-version')} = "${VERSION}", nothing else changed`,
        actual: list(problems),
        hints: ['Run migrate() from admin.js as it is: it moves hits into visits and records the version in one MULTI, through the client from counter.js (which adds KEY_PREFIX).'],
      });
    }
    since = mark(s.watcher);
    const second = await t.gate(() => runTask(t, 'migrate', s.env, s.watcher, 'npm run migrate (second run)'), { next: true });
    judgeExit(t, 'migrate', second, since(), 'a second time, on data it had just migrated');
    const again = changes(afterFirst, await s.redis.entries());
    if (again.length) {
      throw t.fail({
        message: `Ran \`npm run migrate\` twice. The first run converted the data; the second, which should have found it current and left it alone, changed it. Deploy steps get retried, and a migration run twice must do no harm.`,
        expected: 'no change on the second run',
        actual: list(again.map((d) => d.line)),
        hints: ['Read the schema version first and return when the data is already current, as migrate() in admin.js does.'],
      });
    }
    return `Stored ${n} visits in the old format and ran \`npm run migrate\`: it exited 0 after ${Math.round(first.ms)} ms, with ${s.key('visits')} total ${n}, ${s.key('hits')} gone and schema version ${VERSION} recorded. A second run exited 0 and changed nothing; another deploy's and another app's keys were untouched.`;
  },

  'web-writes-no-data': async (t) => {
    const s = await setup(t);
    const n = randomInt(100, 1000);
    await s.redis.client.set(s.key('hits'), String(n));
    t.log(`stored ${n} visits in the old format (${s.key('hits')}), as data from before a deploy`);
    const before = await s.redis.entries();
    const since = mark(s.watcher);
    const envs = [s.env, await t.env({ REDIS_URL: s.watcher.url, KEY_PREFIX: s.prefix })];
    // Both at the same moment, so a migration in each races the other: they take two slots at once.
    const webs = await t.gate(() => Promise.all(envs.map((env, i) => t.startReady({ env, path: '/health', within: READY_MS, label: `web process ${i + 1}` }))), { slots: 2 });
    await sleep(t.budget(200)); // work a process starts once it listens still counts as starting
    const startup = since().filter(isWrite);
    if (startup.length) {
      const diff = changes(before, await s.redis.entries());
      const total = Number(entry(await s.redis.entries(), s.key('visits'))?.hash?.total);
      throw t.fail({
        message: `Started two web processes at the same moment, as a deploy or a scale-up does, on data in the old format (${s.key('hits')} = ${n}). Before anyone visited, they wrote to Redis: ${plural(startup.length, 'command')}. A migration that runs in every web process runs as many times as there are processes, at the same time${total === 2 * n ? `: here both moved the ${n} visits, and the count became ${total}` : ''}.`,
        expected: 'no writes while the web processes start: migrating is a one-off step, run once before them',
        actual: list([...startup.map((c) => `connection ${c.connection}: ${shown(c)}`), ...diff.map((d) => `now ${d.line}`)], 12),
        hints: ['Remove the migrate() call from app.js, and run the migration once with `npm run migrate` before starting the new release.'],
      });
    }
    const visits = mark(s.watcher);
    for (const web of webs) await visit(t, web.port, web.app);
    const wrong = visits().filter((c) => isWrite(c) && !c.args.includes(s.key('visits')));
    if (wrong.length) {
      throw t.fail({
        message: `Two web processes started without writing, but when each got one visit they changed more than the count: ${wrong.map(shown).join(', ')}. A migration done on the first request is still a migration in every web process.`,
        expected: `a visit writes only ${s.key('visits')}`,
        actual: list(wrong.map((c) => `connection ${c.connection}: ${shown(c)}`)),
        hints: ['A visit counts itself and nothing more; migrate with `npm run migrate`, once, before the web processes start.'],
      });
    }
    return `Started two web processes at once on data in the old format: neither wrote to Redis while starting, and a visit to each wrote only ${s.key('visits')}.`;
  },

  'same-config': async (t) => {
    const nobody = await t.port();
    const url = `redis://127.0.0.1:${nobody}/${randomInt(1, 16)}`;
    const prefix = `${randomWord('tfl-')}:`;
    t.log(`REDIS_URL=${url}: nothing listens on port ${nobody}`);
    const unreachable = await t.env({ REDIS_URL: url, KEY_PREFIX: prefix });
    const runs = await Promise.all([
      t.gate(() => giveUp(t, 'reset', unreachable, 'npm run reset (unreachable Redis)', new RegExp(`:${nobody}\\b`), `127.0.0.1:${nobody}`, `REDIS_URL=${url}`)),
      t.gate(() => giveUp(t, 'migrate', unreachable, 'npm run migrate (unreachable Redis)', new RegExp(`:${nobody}\\b`), `127.0.0.1:${nobody}`, `REDIS_URL=${url}`)),
    ]);
    for (const run of runs) {
      const wrong = run.timedOut
        ? run.namedAt === undefined ? `was still running after ${seconds(t.wait(ONEOFF_MS))} without naming ${run.what} (the checker stopped it)` : `named ${run.what}, then was still running ${seconds(GIVE_UP_MS)} later (the checker stopped it)`
        : run.exit.code === 0 ? 'exited with code 0, reporting success'
        : run.namedAt === undefined ? `${describeExit(run.exit)} without saying which Redis it tried`
        : run.tries > GIVE_UP_MS ? `kept trying for ${seconds(run.tries)} after its first failure before it ${describeExit(run.exit)}` : undefined;
      if (!wrong) continue;
      const slow = run.timedOut || run.tries > GIVE_UP_MS;
      throw t.fail({
        message: `Ran \`npm run ${run.name}\` with ${run.given}; it ${wrong}. A one-off gets its config exactly as the web process does; when that config points nowhere, it must fail fast, with a non-zero exit code and a message naming what it tried, so the operator sees at once that the task did not happen and why.`,
        expected: `a non-zero exit, at most ${seconds(GIVE_UP_MS)} after the first failed attempt, with output naming ${run.what}`,
        actual: run.app.lastOutput(5) || '(it printed nothing)',
        hints: [
          slow
            ? 'Use the client from counter.js: it gives up on a command after two retries (maxRetriesPerRequest: 2), where a client with ioredis defaults keeps trying for about 10 s. Close it in a finally block.'
            : run.exit.code === 0
              ? 'Let a failed task fail: do not catch the error and carry on, or set process.exitCode = 1 when you do.'
              : 'Import config.js and counter.js rather than writing an address into the script: they name REDIS_URL and the address they tried.',
        ],
      });
    }
    return `Ran \`npm run reset\` and \`npm run migrate\` with REDIS_URL pointing at a port where nothing listens: ${runs.map((r) => `${r.name} ${describeExit(r.exit)}, ${Math.round(r.tries)} ms after naming 127.0.0.1:${nobody}`).join('; ')}.`;
  },
};

/**
 * The checks' runs start together, in the first check's turn (the kit's together): none depends on another
 * (each has its own Redis, KEY_PREFIX, ports and processes), and most of each run is spent waiting for Node
 * to start a process, which two cores do side by side. A web process gives its gate slot back once it
 * answers; a one-off when it exits.
 */
await runLab(new URL('./lab.json', import.meta.url), together(PARTS, { limits: RUN_LIMITS, timeLimit: TIME_LIMIT, own: 'its own Redis and KEY_PREFIX' }));
