// Checks for factor III, Config: the app takes its port, its Redis and its greeting from the
// environment, keeps no addresses or passwords in the code, and stops at once when REDIS_URL is missing.
import { runLab, request, describe, describeExit, randomWord, AppExited } from '../_kit/index.mjs';
import { findHardcodedConfig } from './source-scan.mjs';

const READY_MS = 3000;

/** Starts the app once with a random port and greeting; every behaviour check reads these observations. */
function observe(t) {
  return t.once('configured-run', async () => {
    const port = await t.port();
    const greeting = randomWord('Howdy-');
    const app = t.start({ env: { PORT: String(port), REDIS_URL: t.redis.url, GREETING: greeting } });
    let ready;
    try {
      ready = await app.waitForPort(port, READY_MS);
    } catch (error) {
      if (!(error instanceof AppExited) || !/EADDRINUSE/.test(app.lastOutput(20))) throw error;
      ready = false;
    }
    if (!ready) {
      const claimed = app.lastOutput(50).match(/port\W{0,3}(\d{2,5})/i)?.[1];
      throw t.fail({
        message: `Started the app with PORT=${port}; ${app.running ? `after ${READY_MS / 1000} s nothing was listening on port ${port}` : `it ${describeExit(app.exit)} without ever listening on port ${port}`}${claimed && claimed !== String(port) ? `, and the app says it listens on ${claimed}: a port written into the code` : ''}.`,
        expected: `a server on port ${port}`,
        actual: app.running ? `nothing on ${port}; the app printed:\n${app.lastOutput(4) || '(nothing)'}` : `the app ${describeExit(app.exit)}: ${app.errorLine() ?? app.lastOutput(4)}`,
        hints: ['Read the port from process.env.PORT in config.js, e.g. port: Number(process.env.PORT ?? 3000).', 'A platform assigns the port; the app must listen where it is told to.'],
        summary: 'the app never answered on the port given in PORT',
      });
    }
    const first = await request(port, '/');
    const second = await request(port, '/');
    const entries = await t.redis.entries();
    await app.stop();
    return { port, greeting, first, second, entries, app };
  });
}

const countIn = (body, greeting) => Number(body.replace(greeting, '').match(/\d+/g)?.at(-1));

await runLab(new URL('./lab.json', import.meta.url), {
  'reads-port': async (t) => {
    const { port, first } = await observe(t);
    if (first.error) {
      throw t.fail({
        message: `The app accepted connections on port ${port}, but GET / got ${describe(first)}.`,
        expected: 'an HTTP answer',
        actual: describe(first),
        hints: ['Press Run and open the app: the error it logs tells you what went wrong.'],
      });
    }
    return `Started the app with PORT=${port}; it listened there and GET / got ${first.status}.`;
  },

  'uses-redis-url': async (t) => {
    const { first, second, entries, app } = await observe(t);
    const url = t.redis.url;
    if (first.status !== 200 || second.status !== 200) {
      const redisTrouble = /ECONNREFUSED|ENOTFOUND|NOAUTH|WRONGPASS|Redis/i.test(app.lastOutput(30));
      throw t.fail({
        message: `Gave the app REDIS_URL=${url} and asked GET / twice; it got ${describe(first)} and ${describe(second)}.${redisTrouble ? ' Its log shows it could not reach the Redis it tried.' : ''}`,
        expected: 'two 200 answers, counted in the Redis at REDIS_URL',
        actual: app.lastOutput(3) || 'no log output',
        hints: ['Connect with new Redis(process.env.REDIS_URL) — through config.js — rather than a fixed address.'],
      });
    }
    const c1 = countIn(first.body, ''), c2 = countIn(second.body, '');
    const landed = entries.find((e) => e.value === String(c2));
    if (!landed || c2 !== c1 + 1) {
      const seen = entries.length ? entries.map((e) => `${e.key}=${e.value ?? `(${e.type})`}`).join(', ') : 'no keys at all';
      throw t.fail({
        message: `The app answered counts ${c1} and ${c2}, but the checker's Redis at REDIS_URL holds ${seen}: the visits were counted somewhere else.`,
        expected: `a key in the Redis at ${url} holding ${c2}`,
        actual: seen,
        hints: ['Make sure the Redis client is created from config.redisUrl, and that config.redisUrl comes from process.env.REDIS_URL.', 'Counting in memory or in another Redis makes the count disappear when the app moves.'],
      });
    }
    return `The app counted ${c1}, then ${c2}; the key "${landed.key}" in the checker's own Redis holds ${c2}.`;
  },

  'greeting-from-env': async (t) => {
    const { greeting, first } = await observe(t);
    if (first.status !== 200) {
      throw t.fail({
        message: `Started the app with GREETING=${greeting}; GET / got ${describe(first)}, so there was no greeting to read.`,
        expected: `a 200 answer containing "${greeting}"`,
        actual: describe(first),
        hints: ['Make “Counts visits in the Redis given in REDIS_URL” pass first: the app answers an error while it cannot count.'],
      });
    }
    if (!first.body.includes(greeting)) {
      throw t.fail({
        message: `Started the app with GREETING=${greeting}; GET / got ${describe(first)}, without that greeting.`,
        expected: `an answer containing "${greeting}"`,
        actual: first.body.trim() || describe(first),
        hints: ['Read process.env.GREETING in config.js (check the spelling), and use config.greeting in the answer.'],
      });
    }
    return `Started the app with GREETING=${greeting}; GET / answered "${first.body.trim()}".`;
  },

  'no-hardcoded-config': async (t) => {
    const findings = await findHardcodedConfig(t);
    if (findings.length) {
      throw t.fail({
        message: findings.length === 1
          ? 'Found a setting written into the code. Anyone who can read the code can read it, and changing it means a new release.'
          : `Found settings on ${findings.length} lines of the code. Anyone who can read the code can read them, and changing them means a new release.`,
        expected: 'no Redis URLs, hosts, ports of Redis or passwords in the source',
        actual: findings.map((f) => `${f.file}:${f.line}: ${f.what}: ${f.text}`).join('\n'),
        hints: ['Delete the literal and read the value from process.env; with no default, a missing value is caught at startup.', 'A fallback like process.env.REDIS_URL || "redis://localhost" silently uses the wrong Redis in production.'],
      });
    }
    return `Read ${t.manifest.files.visible.filter((f) => f.endsWith('.js')).join(', ')}: no Redis addresses or passwords in the code.`;
  },

  'fails-fast': async (t) => {
    const port = await t.port();
    const app = t.start({ env: { PORT: String(port), GREETING: randomWord() }, label: 'the app without REDIS_URL' });
    const exit = await app.waitForExit(2000);
    if (exit) await app.exited; // let the last lines arrive
    const output = app.lastOutput(20);
    if (!exit) {
      const tried = output.match(/ECONNREFUSED ([\w.:[\]-]+)/)?.[1];
      throw t.fail({
        message: `Started the app without REDIS_URL; 2 s later it was still running, so it would only fail on the first visit, or count in the wrong place.${tried ? ` Its log shows it tried a Redis at ${tried} that nobody configured: an address written into the code as a default.` : ''}`,
        expected: 'the app exits within 2 s with a non-zero code, naming REDIS_URL',
        actual: `still running; it printed:\n${output || '(nothing)'}`,
        hints: ['In config.js, when process.env.REDIS_URL is empty, print which variable is missing and call process.exit(1).'],
      });
    }
    if (exit.code === 0) {
      throw t.fail({
        message: 'Started the app without REDIS_URL; it stopped, but with exit code 0, which tells the platform all went well.',
        expected: 'a non-zero exit code',
        actual: `exit code 0; output:\n${output || '(nothing)'}`,
        hints: ['Use process.exit(1) (or throw) so a supervisor sees the failure and does not report a healthy deploy.'],
      });
    }
    // A file that does not even load never reaches the line that would look for REDIS_URL.
    const crash = app.crash();
    if (crash && !/REDIS_URL/.test(output) && /^SyntaxError\b|ERR_MODULE_NOT_FOUND|Cannot find (?:module|package)/.test(crash.error)) {
      throw t.notRun(`without REDIS_URL too, the app could not load: ${app.errorLine()}`, 'reads-port');
    }
    if (!/REDIS_URL/.test(output)) {
      throw t.fail({
        message: `Started the app without REDIS_URL; it exited with code ${exit.code ?? exit.signal} but did not say which setting was missing.`,
        expected: 'an error message that names REDIS_URL',
        actual: app.errorLine() ?? (output || '(no output)'),
        hints: ['Name the variable in the message, e.g. "Missing required environment variable REDIS_URL", so whoever deploys knows what to set.'],
      });
    }
    return `Without REDIS_URL the app exited in ${Math.round(exit.ms)} ms with code ${exit.code}, saying: ${output.split('\n').find((l) => l.includes('REDIS_URL'))}`;
  },
});
