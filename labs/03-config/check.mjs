// Checks for factor III, Config: the app takes its port, its Redis and its greeting from the
// environment, keeps no addresses or passwords in the code, and stops at once when REDIS_URL is missing.
import { runLab, request, describe, describeExit, randomWord } from '../_kit/index.mjs';
import { findHardcodedConfig } from './source-scan.mjs';

/** Starts the app once with a random port and greeting; every behaviour check reads these observations. */
const observe = (t) => t.once('configured-run', async () => {
  const greeting = randomWord('Howdy-');
  // The kit's standard failures tell a crash, a port held by another program, and a port ignored apart.
  const { app, port } = await t.startReady({ env: await t.env({ GREETING: greeting }), path: '/health' });
  const [first, second] = [await request(port, '/'), await request(port, '/')];
  const entries = await t.redis.entries();
  await app.stop();
  return { port, greeting, first, second, entries, app };
});

const countIn = (body) => Number(body.match(/\d+/g)?.at(-1));

await runLab(new URL('./lab.json', import.meta.url), {
  'reads-port': async (t) => {
    const { port, first } = await observe(t);
    if (first.error) throw t.fail({
      message: `The app answered on port ${port}, but GET / got ${describe(first)}.`, expected: 'an HTTP answer', actual: describe(first),
      hints: ['Press Run and open the app: the error it logs tells you what went wrong.'],
    });
    return `Started the app with PORT=${port}; it listened there and GET / got ${first.status}.`;
  },

  'uses-redis-url': async (t) => {
    const { first, second, entries, app } = await observe(t);
    const url = t.redis.url;
    if (first.status !== 200 || second.status !== 200) throw t.fail({
      message: `Gave the app REDIS_URL=${url} and asked GET / twice; it got ${describe(first)} and ${describe(second)}.${app.said(/ECONNREFUSED|ENOTFOUND|NOAUTH|WRONGPASS|Redis/i) ? ' Its log shows it could not reach the Redis it tried.' : ''}`,
      expected: 'two 200 answers, counted in the Redis at REDIS_URL', actual: app.lastOutput(3) || 'no log output',
      hints: ['Connect with new Redis(process.env.REDIS_URL) — through config.js — rather than a fixed address.'],
    });
    const [c1, c2] = [countIn(first.body), countIn(second.body)];
    const landed = entries.find((e) => e.value === String(c2));
    const seen = entries.length ? entries.map((e) => `${e.key}=${e.value ?? `(${e.type})`}`).join(', ') : 'no keys at all';
    if (!landed || c2 !== c1 + 1) throw t.fail({
      message: `The app answered counts ${c1} and ${c2}, but the checker's Redis at REDIS_URL holds ${seen}: the visits were counted somewhere else.`,
      expected: `a key in the Redis at ${url} holding ${c2}`, actual: seen,
      hints: ['Make sure the Redis client is created from config.redisUrl, and that config.redisUrl comes from process.env.REDIS_URL.', 'Counting in memory or in another Redis makes the count disappear when the app moves.'],
    });
    return `The app counted ${c1}, then ${c2}; the key "${landed.key}" in the checker's own Redis holds ${c2}.`;
  },

  'greeting-from-env': async (t) => {
    const { greeting, first } = await observe(t);
    if (first.status !== 200 || !first.body.includes(greeting)) throw t.fail({
      message: `Started the app with GREETING=${greeting}; GET / got ${describe(first)}${first.status === 200 ? ', without that greeting' : ', so there was no greeting to read'}.`,
      expected: `a 200 answer containing "${greeting}"`, actual: first.body.trim() || describe(first),
      hints: first.status === 200
        ? ['Read process.env.GREETING in config.js (check the spelling), and use config.greeting in the answer.']
        : ['Make “Counts visits in the Redis given in REDIS_URL” pass first: the app answers an error while it cannot count.'],
    });
    return `Started the app with GREETING=${greeting}; GET / answered "${first.body.trim()}".`;
  },

  'no-hardcoded-config': async (t) => {
    const findings = await findHardcodedConfig(t);
    if (findings.length) throw t.fail({
      message: `Found ${findings.length === 1 ? 'a setting' : `settings on ${findings.length} lines`} written into the code. Anyone who can read the code can read ${findings.length === 1 ? 'it' : 'them'}, and changing ${findings.length === 1 ? 'it' : 'them'} means a new release.`,
      expected: 'no Redis URLs, hosts, ports of Redis or passwords in the source',
      actual: findings.map((f) => `${f.file}:${f.line}: ${f.what}: ${f.text}`).join('\n'),
      hints: ['Delete the literal and read the value from process.env; with no default, a missing value is caught at startup.', 'A fallback like process.env.REDIS_URL || "redis://localhost" silently uses the wrong Redis in production.'],
    });
    return 'Read the app’s code, package.json and the dotfiles it loads: no Redis addresses or passwords in them.';
  },

  'fails-fast': async (t) => {
    const app = t.start({ env: await t.env({ REDIS_URL: undefined, GREETING: randomWord() }), label: 'the app without REDIS_URL' });
    const exit = await app.waitForExit(2000);
    if (exit) await app.exited; // let the last lines arrive
    // Only what the app itself said counts: Node echoes the source line of a crash, REDIS_URL and all.
    const named = app.said(/REDIS_URL/);
    const crash = app.crash();
    if (!exit) throw t.fail({
      message: `Started the app without REDIS_URL; ${t.bound(2000)} later it was still running, so it would only fail on the first visit, or count in the wrong place.${app.said(/ECONNREFUSED/) ? ` Its log shows it tried a Redis that nobody configured: an address written into the code as a default.` : ''}`,
      expected: `the app exits within ${t.bound(2000)} with a non-zero code, naming REDIS_URL`, actual: `still running; it printed:\n${app.lastOutput(6) || '(nothing)'}`,
      hints: ['In config.js, when process.env.REDIS_URL is empty, print which variable is missing and call process.exit(1).'],
    });
    if (exit.code === 0) throw t.fail({
      message: 'Started the app without REDIS_URL; it stopped, but with exit code 0, which tells the platform all went well.',
      expected: 'a non-zero exit code', actual: `exit code 0; output:\n${app.lastOutput(6) || '(nothing)'}`,
      hints: ['Use process.exit(1) (or throw) so a supervisor sees the failure and does not report a healthy deploy.'],
    });
    if (!named) throw t.fail({
      message: crash && !named
        ? `Started the app without REDIS_URL; it ${describeExit(exit)} with ${app.errorLine()} — a broken program, not one that checks its settings. Any REDIS_URL in that report is Node quoting the source, not the app saying what is missing.`
        : `Started the app without REDIS_URL; it ${describeExit(exit)} but did not say which setting was missing.`,
      expected: 'an error message from the app that names REDIS_URL', actual: crash ? app.lastOutput(6) : app.errorLine() ?? (app.lastOutput(6) || '(no output)'),
      hints: crash ? [`Fix ${crash.location ?? 'the error'} first; then make config.js name REDIS_URL when it is missing.`] : ['Name the variable in the message, e.g. "Missing required environment variable REDIS_URL", so whoever deploys knows what to set.'],
    });
    return `Without REDIS_URL the app exited in ${Math.round(exit.ms)} ms with code ${exit.code}, saying: ${named}`;
  },
});
