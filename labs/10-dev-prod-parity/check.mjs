// @ts-check
// Checks for factor X, Dev/prod parity: development runs on the same backing service as production, with
// the same behaviour, and takes its settings from a .env file that only the development command loads.
//
// Behaviour first. Development (`npm run dev`) and production (`npm start`) run side by side, each on a
// Redis of its own that the checker watches: the visits must land there, and the expiring "visits in this
// window" count must start again after a short window the checker picks, in both. The .env files are
// judged by running the app: a .env with random values must reach `npm run dev` and must not reach
// `npm start`; the variables the app's code reads (recorded in the running app by env-reads.mjs) must
// all be in .env.example. Only .gitignore is read as a file, since no process shows what git ignores.
import { runLab, request, describe, describeExit, randomWord, seconds, sleep } from '../_kit/index.mjs';
import { dotenvNames, envRecorder, ignoredBy, isAppVariable, namesInSource, writeDotenv } from './env-files.mjs';

/** @typedef {import('../_kit/index.d.ts').CheckContext} Context */
/** @typedef {import('../_kit/index.d.ts').Response} Response */
/** @typedef {import('../_kit/index.d.ts').RedisEntry} RedisEntry */
/** @typedef {{ response: Response, sent: number, answered: number, total: number | undefined, recent: number | undefined }} Visit */
/** @typedef {{ key: string, ms: number }} Ttl */

const DEV = 'npm run dev';
/** @param {number} low @param {number} high */
const randomInt = (low, high) => low + Math.floor(Math.random() * (high - low + 1));
/** A random window in seconds, well away from the app's default of 60, so neither can pass for the other. */
const randomWindow = () => (Math.random() < 0.5 ? randomInt(20, 50) : randomInt(70, 99));

/**
 * Whole numbers in an answer, the greeting taken out first (it holds digits): [total, …, in window].
 * @param {string} body @param {string} greeting
 */
function countsIn(body, greeting) {
  const numbers = (body.split(greeting).join(' ').match(/\d+/g) ?? []).map(Number);
  return numbers.length >= 2 ? { total: numbers[0], recent: numbers.at(-1) } : { total: numbers[0], recent: undefined };
}

/** Where a value sits in a Redis, for a message: "hits=2, recent=2". */
/** @param {RedisEntry[]} entries */
const shownEntries = (entries) => (entries.length ? entries.map((e) => `${e.key}=${e.value ?? `(${e.type})`}`).join(', ') : 'no keys at all');

/** The app's commands a watcher saw, without the handshake every client sends. */
const HANDSHAKE = new Set(['AUTH', 'SELECT', 'HELLO', 'CLIENT', 'INFO', 'PING', 'QUIT', 'COMMAND']);
/** @param {import('../_kit/index.d.ts').Watcher} watcher */
const workOf = (watcher) => watcher.commands().filter((c) => !HANDSHAKE.has(c.name));

/**
 * Development and production side by side, each with its own watched Redis and a short window: two visits
 * at once, then one more after the window has passed. `counts-in-redis` and `same-window` both judge it.
 * @param {Context} t
 */
const sideBySide = (t) =>
  t.once('side-by-side', async () => {
    // Long enough that two quick visits fall inside it on this machine, short enough to wait out.
    const windowSeconds = Math.max(1, Math.ceil(t.budget(600) / 1000));
    const dev = { name: 'development', command: DEV, redis: t.redis, greeting: randomWord('Dev-') };
    const secured = await t.redis.secured();
    const prod = { name: 'production', command: t.manifest.commands.start, redis: secured, greeting: randomWord('Prod-') };
    const runs = await Promise.all(
      [dev, prod].map(async (side) => {
        const watcher = await side.redis.watch();
        const recorder = envRecorder();
        const values = { NODE_ENV: side === dev ? 'development' : 'production', REDIS_URL: watcher.url, GREETING: side.greeting, RECENT_WINDOW_SECONDS: windowSeconds };
        const env = await t.env({ ...values, ...recorder.env });
        const instance = side === dev ? 'dev' : 'prod';
        // Development gets its settings both ways, from the environment and from .env, so this run judges
        // the backing service alone (dev-reads-env-file judges .env alone).
        if (side === dev) writeDotenv(t.instance(instance).dir, { ...values, PORT: env.PORT });
        const label = `${side.name} (${side.command})`;
        const { app, port } = await t.startReady({ env, label, command: side.command, instance, path: '/health' });
        /** @type {Visit[]} */
        const visits = [];
        const visit = async () => {
          const sent = performance.now();
          const response = await request(port, '/', { timeout: t.budget(5000) });
          visits.push({ response, sent, answered: performance.now(), ...countsIn(response.body, side.greeting) });
        };
        await visit();
        const seed = await seedCount(side.redis, visits[0]);
        await visit();
        const entries = await side.redis.entries();
        const work = workOf(watcher);
        // Judgeable only if both visits fell inside one window: the second answered before it could close.
        const [first, second] = /** @type {[Visit, Visit]} */ (visits);
        const inWindow = second.answered - first.sent < windowSeconds * 1000;
        // Wait until the window opened by the first visit has certainly closed, then visit once more.
        await sleep(Math.max(0, first.answered + windowSeconds * 1000 + 150 - performance.now()));
        await visit();
        await app.kill();
        return { ...side, app, port, visits, seed, entries, work, connections: watcher.connections.length, url: watcher.url, inWindow, reads: recorder.read() };
      }),
    );
    const [devRun, prodRun] = runs;
    if (!devRun || !prodRun) throw new Error('both environments ran');
    return { windowSeconds, dev: devRun, prod: prodRun };
  });

/**
 * npm run dev with a .env of random values and nothing in the environment, beside npm start with a .env of
 * decoys. `dev-reads-env-file` judges it; `env-files` reads what the app's code read.
 * @param {Context} t
 */
const dotenvRuns = (t) =>
  t.once('dotenv', async () => {
    const devWindow = randomWindow();
    const dev = { PORT: await t.port(), REDIS_URL: t.redis.url, GREETING: randomWord('Local-'), RECENT_WINDOW_SECONDS: devWindow, NODE_ENV: 'development' };
    const devRecorder = envRecorder();
    const shown = writeDotenv(t.instance('dotenv-dev').dir, dev);
    // Only the .env carries the settings: the environment has none of them.
    const devEnv = await t.env({ PORT: undefined, REDIS_URL: undefined, NODE_ENV: undefined, GREETING: undefined, RECENT_WINDOW_SECONDS: undefined, ...devRecorder.env });
    const devApp = t.start({ command: DEV, instance: 'dotenv-dev', env: devEnv, label: `${DEV} with only .env` });

    // Production: .env holds decoys; npm start must ignore them, whether or not NODE_ENV is set.
    let decoyWindow = randomWindow();
    while (Math.abs(decoyWindow - devWindow) < 5) decoyWindow = randomWindow();
    const decoy = { GREETING: randomWord('Leaked-'), RECENT_WINDOW_SECONDS: decoyWindow, NODE_ENV: 'development' };
    writeDotenv(t.instance('dotenv-prod').dir, decoy);
    const secured = await t.redis.secured();
    const prodRecorder = envRecorder();
    const prodEnv = await t.env({ REDIS_URL: secured.url, NODE_ENV: undefined, GREETING: undefined, RECENT_WINDOW_SECONDS: undefined, ...prodRecorder.env });
    const prodStart = t.startReady({ env: prodEnv, command: t.manifest.commands.start, instance: 'dotenv-prod', label: `${t.manifest.commands.start} beside a .env`, path: '/health' });
    prodStart.catch(() => {}); // awaited below; its failure is reported there

    const listening = await devApp.waitForPort(dev.PORT, 3000).catch(() => false);
    // Whether it had stopped by itself (before the checker stopped it), and where it said it listened.
    const devExit = devApp.exit;
    const sent = performance.now();
    const devAnswer = listening ? await request(dev.PORT, '/', { timeout: t.budget(5000) }) : undefined;
    /** @type {Ttl[]} */
    const ttls = [];
    for (const key of await t.redis.keys()) ttls.push({ key, ms: await t.redis.client.pttl(key) });
    // How long ago the visit was sent: a window opened by it has at most that much less time to live.
    const age = performance.now() - sent;
    const { app: prodApp, port: prodPort } = await prodStart;
    const prodAnswer = await request(prodPort, '/', { timeout: t.budget(5000) });
    /** @type {Ttl[]} */
    const prodTtls = [];
    const prodSent = performance.now() - prodAnswer.ms;
    for (const key of await secured.keys()) prodTtls.push({ key, ms: await secured.client.pttl(key) });
    const prodAge = performance.now() - prodSent;
    await Promise.all([devApp.kill(), prodApp.kill()]);
    const reads = [devRecorder.read(), prodRecorder.read()];
    return { dev, devApp, devExit, devAnswer, listening, ttls, age, shown, decoy, prodAnswer, prodTtls, prodAge, reads };
  });

/**
 * The count must come from Redis, not from the app's memory: the key that holds the count after the first
 * visit (the one without an expiry; the window's key holds the same number) is set to a random number, and
 * the next visit must continue from it. Undefined when no such key exists.
 * @param {{ entries(): Promise<RedisEntry[]>, client: any }} redis @param {Visit | undefined} visit
 */
async function seedCount(redis, visit) {
  if (visit?.total === undefined) return undefined;
  for (const entry of await redis.entries()) {
    if (entry.value !== String(visit.total) || (await redis.client.pttl(entry.key)) !== -1) continue;
    const value = randomInt(200, 900);
    await redis.client.set(entry.key, String(value));
    return { key: entry.key, value };
  }
  return undefined;
}

/** @typedef {Awaited<ReturnType<typeof sideBySide>>['dev']} Side */

/**
 * The standard story of a side that did not count in its Redis, or undefined when it did.
 * @param {Side} side
 */
function countingTrouble(side) {
  const [first, second] = /** @type {[Visit, Visit]} */ (side.visits);
  const how = `${side.name} (${side.command}, with REDIS_URL set to a Redis of its own)`;
  if (first.response.status !== 200 || second.response.status !== 200) {
    return { message: `Started ${how} and visited / twice; it answered ${describe(first.response)}, then ${describe(second.response)}.`, actual: side.app.lastOutput(4) || '(no output)' };
  }
  if (side.connections === 0) {
    return {
      message: `Started ${how} and visited / twice; it answered "${second.response.body.trim()}", but nothing ever connected to the Redis in REDIS_URL: the ${side.name} app counted somewhere else, in its own memory.`,
      actual: `no connection to REDIS_URL; that Redis holds ${shownEntries(side.entries)}`,
    };
  }
  const talked = side.work.length ? side.work.slice(0, 4).map((c) => c.name).join(', ') : 'a connection, no commands';
  if (!side.seed) {
    return {
      message: `Started ${how} and visited / once; it answered "${first.response.body.trim()}" and talked to the Redis in REDIS_URL (${talked}), but no key there (without an expiry) held ${first.total ?? 'the count'}: the count it answers with lives somewhere else.`,
      actual: shownEntries(side.entries),
    };
  }
  const { key, value } = side.seed;
  const holds = side.entries.some((e) => e.key === key && e.value === String(value + 1));
  if (second.total !== value + 1 || !holds) {
    return {
      message: `Started ${how} and visited / once; it answered "${first.response.body.trim()}", and the key "${key}" in its Redis held ${first.total}. The checker set "${key}" to ${value} and visited again; the app answered "${second.response.body.trim()}"${second.total === (first.total ?? 0) + 1 ? ': it kept counting from its own memory, and Redis only got a copy' : ''}.`,
      actual: `"${second.response.body.trim()}"; Redis holds ${shownEntries(side.entries)}`,
    };
  }
  return undefined;
}

await runLab(new URL('./lab.json', import.meta.url), {
  'counts-in-redis': async (t) => {
    const { dev, prod } = await sideBySide(t);
    for (const side of [dev, prod]) {
      const trouble = countingTrouble(side);
      if (trouble) throw t.fail({
        ...trouble,
        expected: `each visit counted in the Redis at REDIS_URL, continuing from what that Redis holds, in ${side.name} as in the other environment`,
        hints: side === dev
          ? ['Delete the in-memory branch in counter.js: create the Redis client from config.redisUrl in every environment.', 'In config.js, read REDIS_URL (and the other settings) from process.env whatever NODE_ENV says; development gets them from .env through npm run dev.']
          : ['Production must count in the Redis named by REDIS_URL: new Redis(config.redisUrl).'],
      });
    }
    return `Ran development (${DEV}) and production (${prod.command}) side by side, each on a Redis of its own: both counted in their Redis (${dev.work.slice(0, 3).map((c) => c.name).join(', ')}…) and went on from the random count the checker put there (development from ${dev.seed?.value} to ${dev.visits[1]?.total}, production from ${prod.seed?.value} to ${prod.visits[1]?.total}).`;
  },

  'same-window': async (t) => {
    const { windowSeconds, dev, prod } = await sideBySide(t);
    for (const side of [dev, prod]) {
      const bad = side.visits.find((v) => v.response.status !== 200 || v.recent === undefined);
      if (bad) {
        throw t.fail({
          message: `Visited ${side.name} (${side.command}); it answered ${describe(bad.response)}, which has no "visits in this window" count to read.`,
          expected: 'an answer ending with the count of visits in the current window, as server.js writes it', actual: describe(bad.response),
          hints: ['Keep the answer server.js gives: "… You are visitor number N. Visits in this W-second window: R."'],
        });
      }
      if (!side.inWindow) throw t.notRun(`this machine was too busy: two visits to ${side.name} took longer than the ${windowSeconds}-second window`);
    }
    const seen = (/** @type {Side} */ side) => side.visits.map((v) => v.recent).join(', ');
    const expected = '1, 2, then 1 again';
    const right = (/** @type {Side} */ side) => seen(side) === '1, 2, 1';
    const story = `With RECENT_WINDOW_SECONDS=${windowSeconds}, visited each environment twice at once, then once more ${windowSeconds} s later, when the window had closed.`;
    if (!right(dev) || !right(prod)) {
      const wrong = [dev, prod].filter((s) => !right(s));
      const kept = (/** @type {Side} */ side) => (side.visits[2]?.recent ?? 0) > (side.visits[1]?.recent ?? 0);
      throw t.fail({
        message: `${story} Development counted ${seen(dev)}; production counted ${seen(prod)}. ${
          wrong.length === 1 && wrong[0] === dev && kept(dev)
            ? 'In development the window never closed: whatever holds the count there does not expire it, so a bug in the expiry can only show up in production.'
            : wrong.every(kept)
              ? `${wrong.length === 2 ? 'In both environments' : `In ${wrong[0]?.name}`} the window never closed: the key lost its expiry, or never had one. A plain SET (or SET after GET) clears a key's time to live.`
              : 'The window did not start again at 1 as it should.'
        }`,
        expected: `${expected}, in both environments`,
        actual: `development: ${seen(dev)}; production: ${seen(prod)}`,
        hints: [
          'Keep the window in Redis in every environment: open it with an expiry (SET recent 0 EX <seconds> NX) and count with INCR, which keeps the expiry.',
          'Read the window from RECENT_WINDOW_SECONDS in every environment.',
        ],
      });
    }
    return `${story} Both counted 1, 2, then 1: the window expired the same way in development and production.`;
  },

  'dev-needs-redis': async (t) => {
    const { dir } = t.instance('no-redis');
    const values = { NODE_ENV: 'development', GREETING: randomWord('Dev-'), RECENT_WINDOW_SECONDS: randomWindow() };
    writeDotenv(dir, values);
    const app = t.start({ command: DEV, instance: 'no-redis', env: await t.env({ ...values, REDIS_URL: undefined }), label: 'development without REDIS_URL' });
    const exit = await app.waitForExit(2000);
    if (exit) await app.exited;
    const running = !exit;
    const answer = running && app.port ? await request(app.port, '/', { timeout: t.budget(2000) }) : undefined;
    if (running) await app.kill();
    const named = app.said(/REDIS_URL/);
    if (running) throw t.fail({
      message: `Ran ${DEV} with a .env and an environment that name no Redis; ${t.bound(2000)} later it was still running${answer?.status === 200 ? `, and it answered "${answer.body.trim()}": it counts without any Redis, somewhere production never does` : app.said(/ECONNREFUSED/) ? ', trying a Redis nobody configured (an address written in the code)' : ''}.`,
      expected: `${DEV} stops within ${t.bound(2000)} with a non-zero exit code and a message naming REDIS_URL`,
      actual: answer ? `${describe(answer)}; output:\n${app.lastOutput(4) || '(nothing)'}` : app.lastOutput(4) || '(no output)',
      hints: ['Remove the fallback: require REDIS_URL in every environment (config.js), and let the app stop, naming it, when it is missing.', 'Put REDIS_URL in .env for your own development runs, pointing at a Redis on your machine.'],
    });
    if (exit.code === 0 || !named) throw t.fail({
      message: `Ran ${DEV} without REDIS_URL; it ${describeExit(exit)}${named ? '' : ' without naming REDIS_URL'}.`,
      expected: 'a non-zero exit code and a message naming REDIS_URL', actual: app.lastOutput(4) || '(no output)',
      hints: ['In config.js, when process.env.REDIS_URL is empty, print which variable is missing and call process.exit(1).'],
    });
    return `Without REDIS_URL, ${DEV} stopped in ${seconds(exit.ms)} with code ${exit.code}, saying: ${named}`;
  },

  'dev-reads-env-file': async (t) => judgeDotenv(t, await dotenvRuns(t)),

  'env-files': async (t) => {
    const gitignore = await t.read('.gitignore');
    const env = ignoredBy(gitignore, '.env');
    if (!env.ignored) throw t.fail({
      message: gitignore === undefined
        ? 'There is no .gitignore, so git would commit .env, with everyone\'s local settings and secrets in it.'
        : `Read .gitignore: no line in it ignores .env${env.line ? ` (the last one that matches, "${env.line}", un-ignores it)` : ''}, so git would commit every developer's local settings and secrets.`,
      expected: 'a .gitignore line that ignores .env, e.g. ".env"', actual: gitignore?.trim() || '(no .gitignore)',
      hints: ['Add a line ".env" to .gitignore.'],
    });
    const example = ignoredBy(gitignore, '.env.example');
    if (example.ignored) throw t.fail({
      message: `Read .gitignore: "${example.line}" ignores .env.example too, so the list of variables a newcomer needs would never reach the repository.`,
      expected: '.env ignored, .env.example committed', actual: gitignore?.trim() ?? '',
      hints: ['Ignore .env by its exact name, or add "!.env.example" after the wider pattern.'],
    });
    // What the app's code reads, from the runs of the other checks (recorded inside the running app).
    const side = await sideBySide(t).catch(() => undefined);
    const dotenv = await dotenvRuns(t).catch(() => undefined);
    const recorded = [side?.dev.reads, side?.prod.reads, ...(dotenv?.reads ?? [])].filter((r) => r !== undefined);
    let read = [...new Set(recorded.flatMap((r) => r.names))].filter(isAppVariable);
    let how = 'recorded inside the running app (development and production)';
    if (!recorded.some((r) => r.loaded)) {
      const sources = [];
      for (const file of ['config.js', 'counter.js', 'server.js', 'app.js']) sources.push((await t.read(file)) ?? '');
      read = namesInSource(sources).filter(isAppVariable);
      how = 'found in config.js, counter.js, server.js and app.js (this runtime could not record them in the running app)';
    }
    const exampleText = await t.read('.env.example');
    const listed = new Set(dotenvNames(exampleText));
    const missing = read.filter((name) => !listed.has(name));
    if (exampleText === undefined || missing.length) throw t.fail({
      message: exampleText === undefined
        ? `There is no .env.example, so a newcomer cannot tell which variables the app needs. The app reads ${read.join(', ')} (${how}).`
        : `The app reads ${read.join(', ')} (${how}); .env.example lists ${[...listed].join(', ') || 'none'}, so it leaves out ${missing.join(', ')}. Whoever sets up the next laptop, or the next production deploy, learns about ${missing.length === 1 ? 'it' : 'them'} from a failure.`,
      expected: `.env.example names ${read.join(', ')}`, actual: exampleText?.trim() || '(no .env.example)',
      hints: [`Add ${missing.map((n) => `${n}=`).join(', ')} to .env.example, with a harmless example value and a comment where the meaning is not obvious.`],
    });
    return `.gitignore keeps .env out of git ("${env.line}") and lets .env.example in; .env.example names every variable the app reads: ${read.join(', ')} (${how}).`;
  },
});

/**
 * The verdict of dev-reads-env-file, from its run.
 * @param {Context} t @param {Awaited<ReturnType<typeof dotenvRuns>>} run
 */
function judgeDotenv(t, run) {
  const { dev, devApp, devExit, devAnswer, listening, ttls, age, shown, decoy, prodAnswer, prodTtls, prodAge } = run;
  /** A key that expires as a window of `seconds`, opened by a visit `ago` ms back, would (1 s of rounding allowed). */
  const windowOf = (/** @type {number} */ seconds, /** @type {number} */ ago) => (/** @type {Ttl} */ k) => k.ms > 0 && k.ms <= seconds * 1000 && k.ms >= seconds * 1000 - ago - 1000;
  const hints = ['Make the dev script load the file: "dev": "node --env-file=.env app.js" in package.json.', 'Read every setting from process.env in config.js; no development values in the code.'];
  if (!listening) throw t.fail({
    message: `Wrote a .env (${shown}) and ran ${DEV} with no settings in the environment; it never listened on ${dev.PORT}, the PORT in .env${devExit ? `: it ${describeExit(devExit)}` : `, within ${t.bound(3000)}`}.${devApp.said(/REDIS_URL/) ? ' It said REDIS_URL was missing, though .env sets it: the dev command does not load .env.' : ''}`,
    expected: `${DEV} listening on port ${dev.PORT} from .env`, actual: devApp.lastOutput(4) || '(no output)',
    hints,
  });
  const body = devAnswer?.body.trim() ?? '';
  const windowKey = ttls.find(windowOf(dev.RECENT_WINDOW_SECONDS, age));
  const problems = [];
  if (devAnswer?.status !== 200) problems.push(`GET / got ${describe(devAnswer ?? { body: '', headers: {}, ms: 0, error: 'no answer' })}`);
  else if (!body.includes(dev.GREETING)) problems.push(`it greeted with "${body}", not with GREETING=${dev.GREETING} from .env`);
  if (devAnswer?.status === 200 && !ttls.length) problems.push('nothing reached the Redis whose REDIS_URL is in .env');
  else if (devAnswer?.status === 200 && !windowKey) problems.push(`no key in that Redis expires within RECENT_WINDOW_SECONDS=${dev.RECENT_WINDOW_SECONDS} (${ttls.map((k) => `${k.key}: ${k.ms < 0 ? 'no expiry' : seconds(k.ms)}`).join(', ')})`);
  if (problems.length) throw t.fail({
    message: `Wrote a .env (${shown}) and ran ${DEV} with none of those in the environment; it listened on ${dev.PORT}, but ${problems.join('; ')}. Settings written in the code win over .env.`,
    expected: `the greeting, Redis and window from .env`, actual: body || '(no answer)',
    hints,
  });
  const leaked = prodAnswer.body.includes(decoy.GREETING) || prodTtls.some(windowOf(decoy.RECENT_WINDOW_SECONDS, prodAge));
  if (leaked) throw t.fail({
    message: `Put a .env with GREETING=${decoy.GREETING} and RECENT_WINDOW_SECONDS=${decoy.RECENT_WINDOW_SECONDS} beside the app and ran ${t.manifest.commands.start} with an environment that sets neither; it answered "${prodAnswer.body.trim()}": production read .env. A .env file that travels with the code, or is left on a server, quietly configures production.`,
    expected: `${t.manifest.commands.start} ignoring .env: the default greeting and window`, actual: prodAnswer.body.trim(),
    hints: ['Do not load .env in the code (process.loadEnvFile, a dotenv import, reading the file): only the dev script loads it, with node --env-file=.env.', 'Keep --env-file out of the start script.'],
  });
  return `Wrote a .env with random values and ran ${DEV} with none of them in the environment: it listened on ${dev.PORT}, greeted with ${dev.GREETING}, and counted in that Redis with a ${dev.RECENT_WINDOW_SECONDS}-second window (${windowKey ? `${windowKey.key} expires in ${seconds(windowKey.ms)}` : "?"}). ${t.manifest.commands.start} beside a .env of decoys ignored it.`;
}
