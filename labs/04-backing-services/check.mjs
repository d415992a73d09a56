// Checks for factor IV, Backing services: Redis is a resource the app attaches by REDIS_URL alone. The
// checker moves the app from Redis A to a password-protected Redis B in another database by changing
// only REDIS_URL (copies of the app on B start beside the one on A, like a new deploy), records every
// connection the app opens, then takes B away for a second, with /health asked on one copy and a visitor
// at the other, and brings B back at the same address. One story, watched from several sides: each check
// judges one part of it.
import { randomInt } from 'node:crypto';
import { runLab, request, describe, describeExit, sleep, randomWord, randomHex, seconds } from '../_kit/index.mjs';
import { addressOf, connectionRecorder, reaches } from './connections.mjs';

/** Idle-machine bounds (ms); the kit scales each to the machine with t.budget(). */
const FIRST_VISIT_MS = 2000; // from start to the first counted visit
const ANSWER_MS = 1500; // any answer while Redis is down: a visitor should not wait longer
const REATTACH_MS = 3000; // from Redis's return to a counted visit
/**
 * However busy the machine, a visitor is not asked to wait longer than this for an answer while Redis is
 * down. A scaled bound could otherwise reach ioredis' own default wait (20 reconnection attempts, about
 * 10 s of wall-clock timers that no calibration slows down), and an app that keeps it would pass.
 */
const ANSWER_CAP_MS = 6000;
const answerBudget = (t) => Math.min(t.budget(ANSWER_MS), ANSWER_CAP_MS);
const answerBound = (t) => (t.budget(ANSWER_MS) > ANSWER_CAP_MS ? `${seconds(ANSWER_CAP_MS)} (${seconds(ANSWER_MS)} stretched for this busy machine, but no visitor should wait longer)` : t.bound(ANSWER_MS));
/**
 * How long Redis B stays away: long enough that a retry strategy that gives up after a few tries has
 * given up. Scaled like a bound, since a busy machine runs the app's retry timers late too. This is the
 * one wait the story cannot shorten: giving up is only seen by waiting past it.
 */
const OUTAGE_MS = 1000;
/** How long the app's client may take to notice that its connection was cut, on top of ANSWER_MS for /health. */
const NOTICE_MS = 100;

const DEFAULT_REDIS = 6379;
const listOf = (items) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
/** One line per distinct text, with how many times it occurred. */
const tally = (texts) => [...new Map(texts.map((x) => [x, texts.filter((y) => y === x).length]))].map(([x, n]) => (n > 1 ? `${x} (${n} times)` : x)).join('\n');
/** Why the outage could not be staged, for the checks that need it. */
const noOutage = (s) => (s.runB ? 'the app did not count visits in Redis B correctly, so there was nothing to take away' : 'the app never got as far as Redis B: it did not count visits in Redis A');
const countIn = (body, greeting) => Number(String(body).replace(greeting, '').match(/\d+/g)?.at(-1));
const ms = (value) => `${Math.round(value)} ms`;

/** Asks GET / until a visit is counted (200) or the deadline passes; 503s and refusals while starting are retried. */
async function visitUntilCounted(port, deadline) {
  let last;
  let answered;
  let tries = 0;
  do {
    tries++;
    last = await request(port, '/', { timeout: Math.max(1000, deadline - performance.now()) });
    if (last.status === 200) return { ok: true, response: last, tries };
    if (last.status !== undefined) answered = last;
    await sleep(50);
  } while (performance.now() < deadline);
  // An answer says more than the timeout of a last, late try.
  return { ok: false, response: answered ?? last, tries };
}

/** Asks `path` until `wanted(response)` or the deadline passes. */
async function askUntil(port, path, wanted, deadline) {
  let last;
  let tries = 0;
  const started = performance.now();
  do {
    tries++;
    last = await request(port, path, { timeout: Math.max(250, deadline - performance.now()) });
    if (wanted(last)) return { ok: true, response: last, ms: performance.now() - started, tries };
    await sleep(50);
  } while (performance.now() < deadline);
  return { ok: false, response: last, ms: performance.now() - started, tries };
}

/**
 * Starts the app attached to `url`, with the connection recorder loaded. It is visited later, by firstVisit().
 * @param {import('../_kit/index.d.ts').CheckContext} t
 * @param {{ label: string, url: string, greeting: string, instance?: string }} options
 */
async function launch(t, { label, url, greeting, instance }) {
  const recorder = connectionRecorder();
  const env = await t.env({ REDIS_URL: url, GREETING: greeting, ...recorder.env });
  return { app: t.start({ env, label, instance }), port: Number(env.PORT), recorder, label, greeting };
}

/**
 * Waits for a launched app to listen and for its first counted visit. The bound runs from the app's start,
 * or from the moment the checker turns to it, when it was started ahead of time.
 */
async function firstVisit(t, run) {
  const { app, port, label, greeting } = run;
  const deadline = Math.max(app.started, performance.now()) + t.budget(FIRST_VISIT_MS);
  if (!(await app.waitForPort(port, FIRST_VISIT_MS))) {
    throw t.fail({
      message: `Started ${label} with PORT=${port}; nothing listened there within ${t.bound(FIRST_VISIT_MS)}, so the checker could not visit it.`,
      expected: `a server on port ${port}`,
      actual: app.lastOutput(4) || '(no output)',
      hints: ['Press Run and read what the app prints while it starts.'],
      summary: `${label} never listened on the port given in PORT`,
    });
  }
  const first = await visitUntilCounted(port, deadline);
  t.log(`GET / on ${label}: ${describe(first.response)}${first.tries > 1 ? ` (after ${first.tries} tries)` : ''}`);
  return Object.assign(run, { first, count: first.ok ? countIn(first.response.body, greeting) : undefined });
}

/** The whole story, run once and shared by every check. Only a crash or an app that never listens ends it early. */
function story(t) {
  return t.once('story', async () => {
    const greeting = randomWord('Hello-');
    // Redis B (on the embedded Redis, a second server to start) is made ready while the app runs on A,
    // and the app is started on it at once, the way a new deploy with another REDIS_URL comes up beside
    // the old one: starting a Node process is the slowest step of the story, and neither copy on B is
    // visited before act 2 has given B its own count. Copy C is there for the visitor during the outage.
    const readyB = (async () => {
      const secured = await t.redis.secured({ password: randomHex(8), db: randomInt(1, 16) });
      const b = await secured.watch();
      return { secured, b, ...(await launchOnB(t, b, greeting)) };
    })();
    const settledB = readyB.catch(() => {}); // its failure is reported where acts() awaits it
    // Should act 1 end the story (an app that never listens), B is still set up completely before the
    // story ends, so that the run closes it with everything else.
    return acts(t, readyB, greeting).finally(() => settledB);
  });
}

/** The app on Redis B, and copy C beside it, in a folder of its own (so it shares nothing with B but Redis). */
const launchOnB = async (t, b, greeting) => ({
  runB: await launch(t, { label: 'the app on Redis B', url: b.url, greeting }),
  runC: await launch(t, { label: 'copy C of the app on Redis B', url: b.url, greeting, instance: 'C' }),
});

/** Acts 1 to 4 of the story, in order. */
async function acts(t, readyB, greeting) {
  const a = await t.redis.watch();
  const s = { greeting, a, outage: /** @type {Awaited<ReturnType<typeof loseAndRegain>> | undefined} */ (undefined) };
  t.log(`Redis A: ${a.url} (the checker's Redis behind a recording proxy)`);

  // Act 1: attached to A. Find the key the app counts in, move it to a random number, and see the app follow.
  const runA = await firstVisit(t, await launch(t, { label: 'the app on Redis A', url: a.url, greeting }));
  s.runA = runA;
  if (runA.first.ok) {
    s.key = (await t.redis.entries()).find((e) => e.value === String(runA.count))?.key;
    if (s.key) {
      s.seedA = randomInt(1000, 5000);
      await t.redis.client.set(s.key, s.seedA);
      s.secondA = await request(runA.port, '/', { timeout: answerBudget(t) });
      s.secondACount = countIn(s.secondA.body, greeting);
      t.log(`set "${s.key}" to ${s.seedA} in Redis A; GET / then got ${describe(s.secondA)}`);
    }
  }
  // Not judged here; asked so that a health route probing some other address shows in the connection record.
  s.healthA = await request(runA.port, '/health', { timeout: answerBudget(t) });
  s.outputA = runA.app.lastOutput(4);
  await runA.app.kill(); // how it stops is another factor's business
  s.connectionsA = runA.recorder.read();
  const { secured, b, ...early } = await readyB;
  // Where the recorder does not load (it did not in the app on A), only Redis A's proxy can tell whether
  // the app on B talks to A, and only about an app started after A's snapshot: start the copies on B again.
  if (!s.connectionsA.loaded) await Promise.all([early.runB.app.kill(), early.runC.app.kill()]);
  s.aAfter = JSON.stringify(await t.redis.entries());
  s.aConnectionsAfter = a.connections.length;
  const { runB, runC } = s.connectionsA.loaded ? early : await launchOnB(t, b, greeting);
  Object.assign(s, { secured, b });
  t.log(`Redis B: ${b.url} (another Redis: a password, database ${secured.db}, a recording proxy that can take it away)`);
  if (s.secondACount !== s.seedA + 1) return s;

  // Act 2: only REDIS_URL changes. C is visited once first, like B before its outage; then B gets a
  // history of its own: its count starts at a random number.
  await firstVisit(t, runC);
  s.runC = runC;
  s.seedB = randomInt(20_000, 90_000);
  await secured.client.set(s.key, s.seedB);
  // Should A and B ever share one database (a kit or server that cannot keep them apart), "A untouched"
  // is judged by connections alone.
  s.sharedData = (await t.redis.client.get(s.key)) === String(s.seedB);
  await firstVisit(t, runB);
  s.runB = runB;
  if (runB.first.ok) {
    s.secondB = await request(runB.port, '/', { timeout: answerBudget(t) });
    s.secondBCount = countIn(s.secondB.body, greeting);
    t.log(`GET / again on Redis B: ${describe(s.secondB)}`);
  }
  s.bValue = await secured.client.get(s.key);
  s.outputB = runB.app.lastOutput(4);
  s.refusedB = runB.app.lines.find((l) => /NOAUTH|WRONGPASS|DB index|database \d/.test(l.text))?.text;
  s.aNow = JSON.stringify(await t.redis.entries());
  s.healthUp = await askUntil(runB.port, '/health', (r) => r.status === 200, performance.now() + answerBudget(t));
  t.log(`GET /health with Redis B up: ${describe(s.healthUp.response)}`);

  // Acts 3 and 4: B goes away (connections cut, new ones refused), stays away, and comes back at the same
  // address.
  if (s.secondBCount === s.seedB + 2) s.outage = await loseAndRegain(t, runB, runC, b, greeting, s.secondBCount);
  await Promise.all([runB.app.kill(), runC.app.kill()]);
  s.connectionsB = runB.recorder.read();
  s.connectionsC = runC.recorder.read();
  s.aConnectionsLater = a.connections.length;
  return s;
}

/** Takes Redis B away: its connections are cut and new ones refused. Returns when it went. */
async function takeAway(t, b, what) {
  await b.pause();
  t.log(`took Redis B away (its connections were cut, and new ones are refused): ${what}`);
  return performance.now();
}

/**
 * Acts 3 and 4, in one outage: B goes away for OUTAGE_MS. The app on B gets no visitor at all: /health
 * alone is asked, every 50 ms, so it must find out for itself (a route that repeats the last visit's
 * result cannot). Copy C, a process of its own, gets a visitor at once, who must get a 503, fast; the
 * visitor comes at the start of the outage because a client that queues commands (ioredis' 20 retries)
 * answers a late visitor sooner than an early one. The outage lasts until that visitor has an answer or
 * has waited out the bound. Both copies must still be running when B comes back at the same address, and
 * the app on B must count again on its own, continuing from B's count.
 */
async function outage(t, { app, port }, runC, b, greeting, before) {
  const o = { before };
  const pausedAt = await takeAway(t, b, `for ${ms(t.budget(OUTAGE_MS))}; /health is asked on the app, and a visitor comes to copy C at once`);
  const visiting = visitor(t, runC, pausedAt);
  // Probes start at once; the window allows the client a moment to notice the cut on top of ANSWER_MS.
  const deadline = pausedAt + t.budget(NOTICE_MS) + answerBudget(t);
  let polls = 0;
  do {
    polls++;
    o.health = await request(port, '/health', { timeout: Math.max(250, deadline - performance.now()) });
    if (o.health.status >= 500 || o.health.error) break;
    await sleep(50);
  } while (performance.now() < deadline);
  o.healthMs = performance.now() - pausedAt;
  o.healthOk = o.health.status >= 500;
  t.log(`GET /health with Redis B down: ${describe(o.health)} ${ms(o.healthMs)} after it went away${polls > 1 ? ` (${polls} probes)` : ''}`);

  await sleep(Math.max(0, t.budget(OUTAGE_MS) - (performance.now() - pausedAt)));
  o.visited = await visiting;
  o.ms = performance.now() - pausedAt;
  o.output = app.lastOutput(4);
  o.alive = app.running;
  o.exit = app.exit;
  if (!app.running) {
    // app.exit.ms counts from the app's start.
    o.exitedAfter = app.started + app.exit.ms - pausedAt;
    t.log(`the app ${describeExit(app.exit)} ${ms(o.exitedAfter)} into the outage`);
    return o;
  }
  await b.resume();
  const resumedAt = performance.now();
  t.log(`brought Redis B back at the same address after ${ms(o.ms)}`);
  // A 200 whose count does not carry on (a made-up 0, say) is not a visit counted in Redis: keep asking.
  o.back = await askUntil(port, '/', (r) => r.status === 200 && countIn(r.body, greeting) > before, resumedAt + t.budget(REATTACH_MS));
  o.backCount = o.back.ok ? countIn(o.back.response.body, greeting) : undefined;
  t.log(`GET / after Redis B came back: ${describe(o.back.response)} after ${ms(o.back.ms)}${o.back.tries > 1 ? ` (${o.back.tries} tries)` : ''}`);
  // The tries before the counted one, and copy C's visitor, may still be counted once Redis is back (a
  // client that times a command out leaves it queued); the count must never go back.
  o.refused = o.back.tries - 1;
  o.late = o.refused + (o.visited.visit.status === 200 ? 0 : 1);
  o.outputBack = app.lastOutput(4);
  o.aliveAtEnd = app.running;
  return o;
}

/** Copy C's visitor, who comes as soon as C's client has had a moment to see its connection close. */
async function visitor(t, { app, port }, pausedAt) {
  const v = {};
  await sleep(t.budget(NOTICE_MS)); // let the app's client see its connection close
  v.visit = await request(port, '/', { timeout: answerBudget(t) });
  t.log(`GET / on copy C with Redis B down: ${describe(v.visit)} after ${ms(v.visit.ms)}`);
  v.ms = performance.now() - pausedAt;
  v.output = app.lastOutput(4);
  v.alive = app.running;
  v.exit = app.exit;
  return v;
}

/** Acts 3 and 4, judged by three checks: the outage with copy C's visitor, the app on B's /health and return. */
async function loseAndRegain(t, run, runC, b, greeting, before) {
  const quiet = await outage(t, run, runC, b, greeting, before);
  return { quiet, visited: quiet.visited };
}

const helperHints = [
  'Build the client from the URL in config, and nothing else: new Redis(config.redisUrl, { … }). Passing no URL, or only a host, makes ioredis use 127.0.0.1:6379.',
  'Pass the whole URL to ioredis: it carries the password and the database index as well as the host and port.',
];

await runLab(new URL('./lab.json', import.meta.url), {
  'swaps-by-config': Object.assign(async (t) => {
    const s = await story(t);
    const { runA, a } = s;
    const urlA = a.url;
    if (!runA.first.ok) {
      const elsewhere = s.connectionsA?.connections.filter((c) => !reaches(c, a.port)) ?? [];
      throw t.fail({
        message: `Started the app with REDIS_URL=${urlA} and asked GET / for ${t.bound(FIRST_VISIT_MS)}; it never counted a visit.${elsewhere.length ? ` Meanwhile it tried to connect ${elsewhere.length} time${elsewhere.length === 1 ? '' : 's'} to ${listOf([...new Set(elsewhere.map(addressOf))])}${elsewhere.some((c) => reaches(c, DEFAULT_REDIS)) ? ' (where ioredis goes when a client is given no URL)' : ''}, and ${a.connections.length ? `${a.connections.length} time${a.connections.length === 1 ? '' : 's'} to Redis A` : 'never to Redis A'}.` : ''}`,
        expected: `a 200 answer, counted in the Redis at ${urlA}`,
        actual: `${describe(runA.first.response)}; the app printed:\n${s.outputA || '(nothing)'}`,
        hints: helperHints,
        summary: 'the app never counted a visit in the Redis given in REDIS_URL',
      });
    }
    if (!s.key) {
      const seen = (await t.redis.entries()).map((e) => `${e.key}=${e.value ?? `(${e.type})`}`).join(', ') || 'no keys at all';
      throw t.fail({
        message: `With REDIS_URL=${urlA} the app answered ${describe(runA.first.response)}, but no key in Redis A holds ${runA.count}: the visit was counted somewhere else.`,
        expected: `a key in Redis A holding ${runA.count}`,
        actual: `Redis A holds ${seen}`,
        hints: helperHints,
        summary: 'the app counted somewhere other than the Redis in REDIS_URL',
      });
    }
    if (s.secondACount !== s.seedA + 1) {
      throw t.fail({
        message: `The app counted in "${s.key}" in Redis A; the checker set that key to ${s.seedA} and visited again, and got ${describe(s.secondA)}. The app is not reading the count from the Redis it was given.`,
        expected: `a count of ${s.seedA + 1}`,
        actual: describe(s.secondA),
        hints: ['Count with INCR on the key in Redis every time, rather than remembering the count in the process.', ...helperHints.slice(0, 1)],
        summary: 'the app did not read its count from Redis A',
      });
    }
    const urlB = s.b.url;
    if (!s.runB.first.ok || s.runB.count !== s.seedB + 1 || s.secondBCount !== s.seedB + 2) {
      const bResponse = s.runB.first.ok ? s.secondB : s.runB.first.response;
      const landedInA = s.aNow !== s.aAfter;
      throw t.fail({
        message: `Started the app again with only REDIS_URL changed, to ${urlB}: another Redis, with a password and database ${s.secured.db}, whose "${s.key}" held ${s.seedB} before the first visit. ${s.runB.first.ok ? `It answered ${describe(s.runB.first.response)}, then ${describe(s.secondB)}` : `For ${t.bound(FIRST_VISIT_MS)} GET / got ${describe(bResponse)}`}${landedInA ? ', and Redis A changed meanwhile: the visits went to the old Redis' : s.runB.first.ok && s.bValue === String(s.seedB) ? `, while "${s.key}" in database ${s.secured.db} of Redis B still holds ${s.seedB}: the visits were counted somewhere else, such as another database` : ''}.`,
        expected: `counts ${s.seedB + 1} and ${s.seedB + 2}, read from and written to Redis B`,
        actual: `${describe(bResponse)}${s.refusedB ? `; the app's log shows Redis B refusing it:\n${s.refusedB}` : `; the app printed:\n${s.outputB || '(nothing)'}`}`,
        hints: helperHints.slice().reverse(),
        summary: 'the app did not move to the Redis given in REDIS_URL',
      });
    }
    if (s.sharedData) {
      t.log('Redis A and B share their data on this Redis server, so "A untouched" was judged by connections only');
    } else if (s.aNow !== s.aAfter) {
      throw t.fail({
        message: `On Redis B the app counted ${s.seedB + 1} and ${s.seedB + 2}, as it should, but Redis A changed while the app was attached to B.`,
        expected: 'Redis A exactly as the app left it',
        actual: `before: ${s.aAfter}\nafter:  ${s.aNow}`,
        hints: ['Look for a second client, in another module, still pointing at the old Redis.'],
      });
    }
    return `Counted in "${s.key}" in Redis A (${s.seedA} → ${s.seedA + 1}); started again with only REDIS_URL changed, on Redis B (password, database ${s.secured.db}): ${s.seedB} → ${s.seedB + 1} → ${s.seedB + 2}${s.sharedData ? '' : ', and Redis A was left untouched'}.`;
  }, { timeLimit: 30_000 }),

  'connects-only-where-told': async (t) => {
    const s = await story(t);
    const runs = [
      { name: 'Redis A', url: s.a.url, port: s.a.port, log: s.connectionsA },
      ...(s.connectionsB ? [{ name: 'Redis B', url: s.b.url, port: s.b.port, log: s.connectionsB }] : []),
      ...(s.connectionsC ? [{ name: 'Redis B (copy C)', url: s.b.url, port: s.b.port, log: s.connectionsC }] : []),
    ];
    const unrecorded = runs.some((r) => !r.log.loaded);
    if (unrecorded) t.log("this runtime did not load the checker's connection recorder into the app; judging by Redis A's proxy only");
    const strays = runs.flatMap((r) => r.log.connections.filter((c) => !reaches(c, r.port)).map((c) => ({ ...c, run: r })));
    if (strays.length) {
      const where = [...new Set(strays.map((c) => `${addressOf(c)} (while attached to ${c.run.name})`))];
      const toDefault = strays.some((c) => reaches(c, DEFAULT_REDIS));
      const toA = strays.some((c) => reaches(c, s.a.port));
      throw t.fail({
        message: `The checker recorded every connection the app opened. Besides the Redis in REDIS_URL, it tried to connect to ${listOf(where)}.${toDefault ? ' 127.0.0.1:6379 is where ioredis goes when a client is created without a URL, and where a fixed health probe knocks: a Redis nobody attached.' : ''}${toA ? ' Redis A is the one the app had been moved away from.' : ''}`,
        expected: runs.map((r) => `connections only to ${r.url} while attached to ${r.name}`).join('; '),
        actual: tally(strays.map((c) => `${addressOf(c)} while attached to ${c.run.name}`)),
        hints: ['Create one Redis client, from config.redisUrl, and import it wherever Redis is needed, the health check included.', 'Search the code for new Redis(, connect( and 6379.'],
      });
    }
    const laterA = s.aConnectionsLater - s.aConnectionsAfter;
    if (laterA > 0) {
      throw t.fail({
        message: `Once the app ran on Redis B alone, Redis A's proxy saw ${laterA} new connection${laterA === 1 ? '' : 's'} to it: the app still talks to the Redis it was moved away from.`,
        expected: 'no connection to Redis A after the move',
        actual: `${laterA} connection${laterA === 1 ? '' : 's'} to Redis A`,
        hints: ['Look for a second client still pointing at the old Redis; build every client from config.redisUrl.'],
      });
    }
    const total = runs.reduce((n, r) => n + r.log.connections.length, 0);
    return unrecorded
      ? 'Redis A saw no connection after the app moved to Redis B (other connections could not be recorded in this runtime).'
      : `Recorded ${total} connection${total === 1 ? '' : 's'} over ${runs.length} run${runs.length === 1 ? '' : 's'}: every one to the Redis in REDIS_URL at the time.`;
  },

  'outage-answers-503': async (t) => {
    const s = await story(t);
    if (!s.outage) throw t.notRun(noOutage(s), 'swaps-by-config');
    const { quiet, visited } = s.outage;
    if (!quiet.alive) {
      throw t.fail({
        message: `Took Redis B away while the app was running; the app ${describeExit(quiet.exit)}${quiet.exitedAfter === undefined ? '' : ` ${ms(quiet.exitedAfter)} later`}, before Redis B came back. A restart does not bring Redis back: every visitor gets a refused connection instead of an explanation.`,
        expected: 'the app keeps running and answers 503',
        actual: `${describeExit(quiet.exit)}; the app's last output:\n${quiet.output || '(nothing)'}`,
        hints: ["Give the client an 'error' listener that logs and carries on; don't exit or throw from it.", "Don't exit on a Redis error; let ioredis reconnect in the background."],
      });
    }
    const { visit } = visited;
    const bound = answerBound(t);
    if (!visited.alive || visit.error === 'ECONNREFUSED' || visit.error === 'ECONNRESET') {
      throw t.fail({
        message: `Took Redis B away while the app was running and sent GET / to a copy of it; it got ${describe(visit)}${visited.alive ? '' : `, and that copy ${describeExit(visited.exit)}`}. A restart does not bring Redis back: every visitor gets a refused connection instead of an explanation.`,
        expected: 'the app keeps running and answers 503',
        actual: `${describe(visit)}; the app's last output:\n${visited.output || '(nothing)'}`,
        hints: ["Give the client an 'error' listener that logs and carries on; don't exit or throw from it.", 'Catch the failed Redis command in the request handler and answer 503 there.'],
      });
    }
    if (visit.error) {
      throw t.fail({
        message: `Took Redis B away and sent GET /; no answer came within ${bound}. While Redis is down every visit hangs, and the open connections pile up.`,
        expected: `503 within ${seconds(answerBudget(t))}`,
        actual: describe(visit),
        hints: ['Bound the wait: maxRetriesPerRequest: 1 (not null) makes a command fail after one reconnection attempt; commandTimeout: 1000 caps any reply at a second.', "ioredis' defaults wait through 20 reconnection attempts, some ten seconds, before failing a command."],
      });
    }
    if (visit.status !== 503) {
      const pretend = visit.status >= 200 && visit.status < 300;
      throw t.fail({
        message: `Took Redis B away and sent GET /; it answered ${describe(visit)}.${pretend ? ' That tells visitors and every monitor that all is well, with a count that is not true.' : ' 503 Service Unavailable is the status that says "temporarily unable, try again", which load balancers and clients act on.'}`,
        expected: '503 with a body that says what is unavailable',
        actual: describe(visit),
        hints: pretend
          ? ["Don't fall back to 0 or a remembered count: catch the error and answer 503."]
          : ['Catch the error from the Redis command and answer res.writeHead(503, …) with a short explanation.'],
      });
    }
    if (!visit.body.trim()) {
      throw t.fail({
        message: 'Took Redis B away and sent GET /; it answered 503 with an empty body, which leaves a person guessing.',
        expected: '503 with a body that says what is unavailable',
        actual: '503 ""',
        hints: ['End the response with a sentence such as "The visit counter is unavailable: its Redis cannot be reached. Try again shortly."'],
      });
    }
    return `With Redis B away, GET / answered ${describe(visit)} in ${ms(visit.ms)} (bound ${seconds(answerBudget(t))}); the app and its copy kept running through the ${ms(quiet.ms)} outage.`;
  },

  'health-reports-outage': async (t) => {
    const s = await story(t);
    if (!s.outage) throw t.notRun(noOutage(s), 'swaps-by-config');
    const up = s.healthUp.response;
    if (!s.healthUp.ok) {
      throw t.fail({
        message: `With Redis B up and the app counting visits there, GET /health answered ${describe(up)}. A platform would take a working instance out of rotation.`,
        expected: '200 while the Redis in REDIS_URL answers',
        actual: describe(up),
        hints: ['Ask the Redis the app is attached to, through the same client (redis.ping()), rather than probing a fixed address such as 127.0.0.1:6379.'],
      });
    }
    const o = s.outage.quiet;
    if (!o.alive) throw t.notRun(`the app ${describeExit(o.exit)} when Redis B went away`, 'outage-answers-503');
    const down = o.health;
    const bound = answerBound(t);
    if (down.error === 'ECONNREFUSED' || down.error === 'ECONNRESET') {
      throw t.notRun(`the app stopped answering when Redis B went away (${describe(down)})`, 'outage-answers-503');
    }
    if (!o.healthOk) {
      throw t.fail({
        message: down.error
          ? `Took Redis B away, with no visitors this time, and asked GET /health; no answer came within ${bound}. A probe that hangs tells the platform nothing until its own timeout.`
          : `Took Redis B away, with no visitors this time, and asked GET /health every 50 ms for ${bound}; it kept answering ${describe(down)}, so the platform keeps sending visitors to an instance that cannot count them.`,
        expected: `a 5xx status (503 is usual) within ${seconds(answerBudget(t))} while Redis is down`,
        actual: describe(down),
        hints: down.error
          ? ['Bound the health probe like the visits: a client with maxRetriesPerRequest: 1 or commandTimeout fails PING quickly.']
          : ['Let /health ask Redis itself (await redis.ping()) or read the client state (redis.status === "ready"), not the result of the last visit or a fixed address.', 'Answer 503 when Redis does not answer.'],
      });
    }
    return `GET /health answered ${describe(up)} with Redis B up, and ${describe(down)} ${ms(o.healthMs)} after it went away, with no visit to tell the app (bound ${seconds(answerBudget(t))}).`;
  },

  reattaches: async (t) => {
    const s = await story(t);
    if (!s.outage) throw t.notRun(noOutage(s), 'swaps-by-config');
    const o = s.outage.quiet;
    const bound = t.bound(REATTACH_MS);
    if (!o.alive) throw t.notRun(`the app ${describeExit(o.exit)} during the outage, so it could not re-attach`, 'outage-answers-503');
    const { back } = o;
    if (!back.ok) {
      throw t.fail({
        message: `Kept Redis B away for ${ms(o.ms)}, then brought it back at the same address with its data. For ${bound} GET / got ${describe(back.response)}${back.response.status === 200 ? `, a count that does not carry on from ${o.before}: the visits are not being counted in Redis B` : ': the app did not re-attach by itself, and would need a restart'}.`,
        expected: `a counted visit within ${seconds(t.budget(REATTACH_MS))} of Redis returning, from the same process`,
        actual: `${describe(back.response)}; the app's last output:\n${o.outputBack || '(nothing)'}`,
        hints: ["A retryStrategy that returns null (or anything but a number) ends the client for good: keep returning a delay, e.g. (times) => Math.min(times * 100, 2000), or leave ioredis' default.", 'Never call redis.quit() or redis.disconnect() when a command fails.'],
      });
    }
    if (!(o.backCount > o.before && o.backCount <= o.before + 1 + o.late)) {
      throw t.fail({
        message: `After the outage the app answered ${describe(back.response)}, but before it the count was ${o.before}: the count should carry on from where Redis B had it.`,
        expected: `a count of ${o.before + 1}${o.late ? ` (up to ${o.before + 1 + o.late} if the ${o.late} visit${o.late === 1 ? '' : 's'} refused meanwhile were counted late)` : ''}`,
        actual: describe(back.response),
        hints: ['After reconnecting, keep counting in the same Redis: no fallback store, no count kept in the process.'],
      });
    }
    if (!o.aliveAtEnd) {
      throw t.fail({
        message: `A visit counted again after the outage, but the app ${describeExit(s.runB.app.exit)} right after.`,
        expected: 'the same process, still running',
        actual: describeExit(s.runB.app.exit),
        hints: ["Don't exit on Redis errors or reconnections."],
      });
    }
    return `Redis B went away for ${ms(o.ms)}; the same process counted again ${ms(back.ms)} after it came back (${describe(back.response)}).`;
  },
});
