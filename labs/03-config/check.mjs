// Checks for factor III, Config: the app takes its port, its Redis and its greeting from the
// environment, keeps no addresses or passwords in the code, and stops at once when REDIS_URL is missing.
//
// Behaviour first: the checker's Redis demands a random password and a random non-zero database, both
// only in REDIS_URL, so a password written in the code or a URL rebuilt from a host and port fails where
// it matters: the count does not land. The source scan is a second line for what behaviour cannot show.
import { runLab, request, describe, describeExit, randomWord, seconds, sleep } from '../_kit/index.mjs';
import { portsOf, ephemeralRange } from './listening.mjs';
import { findHardcodedConfig, loadedDotfiles } from './source-scan.mjs';

/** Starts the app once with a random port, greeting and secured Redis; the behaviour checks read this. */
const observe = (t) => t.once('configured-run', async () => {
  const greeting = randomWord('Howdy-');
  const redis = await t.redis.secured();
  // The kit's standard failures tell a crash, a port held by another program, and a port ignored apart.
  const { app, port } = await t.startReady({ env: await t.env({ GREETING: greeting, REDIS_URL: redis.url }), path: '/health' });
  const first = await request(port, '/', { timeout: t.budget(5000) });
  const second = await request(port, '/', { timeout: t.budget(5000) });
  const entries = await redis.entries();
  await app.kill();
  return { port, greeting, first, second, entries, app, redis };
});

/** Whole numbers in an answer, with the greeting taken out first (it may hold digits). */
const numbersIn = (body, greeting) => (body.split(greeting).join(' ').match(/\d+/g) ?? []).map(Number);

/**
 * The visit count, wherever the answer puts it: a number in the second answer, one more than a number
 * in the first, that a key (or a hash field) of the checker's Redis holds.
 */
function findCount({ first, second, entries, greeting }) {
  const before = new Set(numbersIn(first.body, greeting));
  const rising = numbersIn(second.body, greeting).filter((n) => before.has(n - 1));
  const holders = new Map();
  for (const e of entries) {
    if (e.value !== null) holders.set(e.value, `the key "${e.key}"`);
    for (const [field, value] of Object.entries(e.hash ?? {})) holders.set(value, `the field "${field}" of the hash "${e.key}"`);
  }
  const count = rising.find((n) => holders.has(String(n)));
  return { rising, count, holder: count === undefined ? undefined : holders.get(String(count)) };
}

/** What the app's own log says about the Redis it tried, as a clause for a message. */
function redisTrouble(app, redis) {
  if (app.said(/WRONGPASS|invalid username-password/)) return 'Its log shows Redis refused the password it sent: not the one in REDIS_URL, so a password written into the code.';
  if (app.said(/NOAUTH/)) return 'Its log shows it sent no password at all: REDIS_URL carries one, so the app used another URL, or took the URL apart and dropped it.';
  if (app.said(/keeps this lab's data in database/)) return `Its log shows it used another database than ${redis.db}, the one REDIS_URL names in its path (/${redis.db}).`;
  if (app.said(/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/)) return 'Its log shows it could not reach the Redis it tried: not the address in REDIS_URL.';
  return '';
}

const seen = (entries) => (entries.length ? entries.map((e) => `${e.key}=${e.value ?? `(${e.type})`}`).join(', ') : 'no keys at all');

/**
 * Starts the app with PORT set but empty, as a deploy template with a blank value does, and finds where
 * it listens. Right: the app's default port (it treats '' as unset), or a refusal to start. Wrong: port 0,
 * "any free port", which Number('') gives.
 */
/** @returns {Promise<{ verdict: string, app?: any, ports?: number[] | undefined, again?: number[] | undefined }>} */
async function emptyPort(t) {
  const watch = async (label) => {
    const app = t.start({ env: await t.env({ PORT: '' }), label });
    const deadline = performance.now() + t.budget(3000);
    /** @type {number[] | undefined} */
    let ports = [];
    while (app.running && performance.now() < deadline) {
      ports = await portsOf(app.pid);
      if (ports === undefined || ports.length) break;
      await sleep(100);
    }
    if (!app.running) await app.exited;
    await app.kill();
    return { app, ports };
  };
  const first = await watch('the app with PORT=""');
  if (first.ports === undefined) {
    t.log('this system does not show which port a process listens on (no /proc), so the empty-PORT case was not tried');
    return { verdict: 'unseen' };
  }
  const taken = first.ports;
  if (first.app.exit && !taken.length) return { verdict: first.app.exit.code === 0 ? 'exit-0' : 'refused', ...first };
  if (!taken.length) return { verdict: 'silent', ...first };
  const { low, high } = await ephemeralRange();
  if (taken.some((p) => p < low || p > high)) return { verdict: 'default', ...first };
  // Every port it took is one the system hands out for port 0; a default written in the code stays put.
  const again = await watch('the app with PORT="", a second time');
  const moved = again.ports?.length && again.ports.every((p) => !taken.includes(p));
  return { verdict: moved ? 'random' : 'default', ...first, again: again.ports };
}

await runLab(new URL('./lab.json', import.meta.url), {
  'reads-port': async (t) => {
    const { port, first } = await observe(t);
    if (first.error) throw t.fail({
      message: `The app answered on port ${port}, but GET / got ${describe(first)}.`, expected: 'an HTTP answer', actual: describe(first),
      hints: ['Press Run and open the app: the error it logs tells you what went wrong.'],
    });
    const empty = await emptyPort(t);
    const hints = ["Treat an empty PORT like a missing one: Number(process.env.PORT || 3000) — || falls back on '', ?? does not.", 'Or check the value in config.js and refuse to start, naming PORT, when it is not a port number.'];
    if (empty.verdict === 'random') throw t.fail({
      message: `The app listened on the port given in PORT (${port}). Started with PORT set but empty, as a deploy template with a blank value does, it listened on port ${empty.ports?.join(', ')}, and started again on ${empty.again?.join(', ')}: ports the system picks at random. Number('') is 0, and listening on port 0 means "any free port": the app starts, says all is well, and nobody can reach it.`,
      expected: "with PORT=\"\": the app's default port, or a refusal to start that names PORT",
      actual: `ports ${empty.ports?.join(', ')}, then ${empty.again?.join(', ')}`,
      hints,
    });
    if (empty.verdict === 'exit-0' || empty.verdict === 'silent') throw t.fail({
      message: `The app listened on the port given in PORT (${port}). Started with PORT set but empty, it ${empty.verdict === 'exit-0' ? 'exited with code 0 without listening: a platform reads that as a clean stop, not as a bad setting' : `listened on no port within ${t.bound(3000)}, and did not stop either`}.`,
      expected: "with PORT=\"\": the app's default port, or a refusal to start (non-zero exit) that names PORT",
      actual: empty.app?.lastOutput(4) || '(no output)',
      hints,
    });
    const how = {
      unseen: '(this system cannot show which port an app takes, so PORT="" was not tried)',
      refused: `With PORT="" it refused to start (${describeExit(empty.app?.exit)}).`,
      default: `With PORT="" it took its default port ${empty.ports?.join(', ')}.`,
    }[empty.verdict];
    return `Started the app with PORT=${port}; it listened there and GET / got ${first.status}. ${how}`;
  },

  'uses-redis-url': async (t) => {
    const { first, second, entries, app, redis, greeting } = await observe(t);
    const given = `REDIS_URL (a Redis that wants the password in the URL and keeps this app's data in database ${redis.db})`;
    if (first.status !== 200 || second.status !== 200) throw t.fail({
      message: `Gave the app ${given} and asked GET / twice; it got ${describe(first)} and ${describe(second)}. ${redisTrouble(app, redis)}`.trim(),
      expected: 'two 200 answers, counted in the Redis at REDIS_URL', actual: app.lastOutput(4) || 'no log output',
      hints: ['Create the client from the whole URL: new Redis(config.redisUrl), with config.redisUrl read from process.env.REDIS_URL. The URL carries host, port, password and database.', 'Remove any password, host or port written into the code or passed as a client option: options override what the URL says.'],
    });
    const { rising, count, holder } = findCount({ first, second, entries, greeting });
    if (count === undefined) throw t.fail({
      message: rising.length
        ? `The app answered "${second.body.trim()}" after "${first.body.trim()}", so it counted ${rising.join(' or ')}; but database ${redis.db} of the Redis at REDIS_URL holds ${seen(entries)}: the visits were counted somewhere else.${redisTrouble(app, redis) ? ` ${redisTrouble(app, redis)}` : ' Another database, another Redis or the app\'s memory: the URL\'s path, /' + redis.db + ', names the database.'}`
        : `The app answered "${first.body.trim()}", then "${second.body.trim()}": no number in the second answer is one more than a number in the first, so the checker found no count going up. Database ${redis.db} of the Redis at REDIS_URL holds ${seen(entries)}.`,
      expected: `the count in each answer, and a key in database ${redis.db} of the Redis at REDIS_URL holding the second one`, actual: seen(entries),
      hints: ['Create the Redis client from config.redisUrl, and read config.redisUrl from process.env.REDIS_URL, whole: the database is part of the URL.', 'Counting in memory or in another Redis makes the count disappear when the app moves.'],
    });
    return `The app counted ${count - 1}, then ${count}; ${holder} in database ${redis.db} of the checker's password-protected Redis holds ${count}.`;
  },

  'greeting-from-env': async (t) => {
    const { greeting, first } = await observe(t);
    if (first.status !== 200) throw t.notRun(`GET / answered ${describe(first)}, so there was no greeting to read`, 'uses-redis-url');
    if (!first.body.includes(greeting)) throw t.fail({
      message: `Started the app with GREETING=${greeting}; GET / got ${describe(first)}, without that greeting.`,
      expected: `an answer containing "${greeting}"`, actual: first.body.trim() || describe(first),
      hints: ['Read process.env.GREETING in config.js (check the spelling), and use config.greeting in the answer.'],
    });
    return `Started the app with GREETING=${greeting}; GET / answered "${first.body.trim()}".`;
  },

  'no-hardcoded-config': async (t) => {
    const findings = await findHardcodedConfig(t);
    const inDotfiles = findings.filter((f) => f.loadedBy);
    if (findings.length) throw t.fail({
      message: `Found ${findings.length === 1 ? 'a setting' : `settings on ${findings.length} lines`} written into the app's files. Anyone who can read the code can read ${findings.length === 1 ? 'it' : 'them'}, and changing ${findings.length === 1 ? 'it' : 'them'} means a new release.`,
      expected: 'no Redis URLs, Redis hosts or ports, or passwords in the code, package.json, or files the app loads',
      actual: findings.map((f) => `${f.file}:${f.line}: ${f.what}: ${f.text}`).join('\n'),
      hints: [
        'Delete the literal and read the value from process.env; with no default, a missing value is caught at startup.',
        ...(inDotfiles[0] ? [`The app loads ${inDotfiles[0].file} itself (${inDotfiles[0].loadedBy}), so its values travel with the code. On your laptop, load it from the command line instead (node --env-file=.env app.js), and keep it out of the repository.`] : []),
        'A fallback like process.env.REDIS_URL || "redis://localhost" silently uses the wrong Redis in production.',
      ],
    });
    return 'Read the app’s JavaScript, package.json and the dotfiles it loads: no Redis addresses or passwords in them.';
  },

  'fails-fast': async (t) => {
    const app = t.start({ env: await t.env({ REDIS_URL: undefined, GREETING: randomWord() }), label: 'the app without REDIS_URL' });
    const exit = await app.waitForExit(2000);
    if (exit) await app.exited; // let the last lines arrive
    else await app.kill();
    // Only what the app itself said counts: Node echoes the source line of a crash, REDIS_URL and all.
    const named = app.said(/REDIS_URL/);
    const crash = app.crash();
    if (!exit) {
      const dotfiles = await loadedDotfiles(t);
      const fromFile = dotfiles.find((d) => /^\s*(?:export\s+)?REDIS_URL\s*=\s*\S/m.test(d.text));
      throw t.fail({
        message: `Started the app without REDIS_URL; ${t.bound(2000)} later it was still running, so it would only fail on the first visit, or count in the wrong place.${fromFile ? ` It loads ${fromFile.file} itself (${fromFile.where}), and that file sets REDIS_URL: wherever this folder goes, the app quietly uses that Redis instead of asking for one.` : app.said(/ECONNREFUSED/) ? ' Its log shows it tried a Redis that nobody configured: an address written into the code as a default.' : ''}`,
        expected: `the app exits within ${t.bound(2000)} with a non-zero code, naming REDIS_URL`, actual: `still running; it printed:\n${app.lastOutput(6) || '(nothing)'}`,
        hints: fromFile
          ? [`Do not load ${fromFile.file} from the code. For local runs, pass it on the command line (node --env-file=${fromFile.file} app.js), where a deploy never will.`]
          : ['In config.js, when process.env.REDIS_URL is empty, print which variable is missing and call process.exit(1).'],
      });
    }
    if (exit.code === 0) throw t.fail({
      message: 'Started the app without REDIS_URL; it stopped, but with exit code 0, which tells the platform all went well.',
      expected: 'a non-zero exit code', actual: `exit code 0; output:\n${app.lastOutput(6) || '(nothing)'}`,
      hints: ['Use process.exit(1) (or throw) so a supervisor sees the failure and does not report a healthy deploy.'],
    });
    if (!named) throw t.fail({
      message: crash
        ? `Started the app without REDIS_URL; it ${describeExit(exit)} with ${app.errorLine()} — a broken program, not one that checks its settings. Any REDIS_URL in that report is Node quoting the source, not the app saying what is missing.`
        : `Started the app without REDIS_URL; it ${describeExit(exit)} but did not say which setting was missing.`,
      expected: 'an error message from the app that names REDIS_URL', actual: crash ? app.lastOutput(6) : app.errorLine() ?? (app.lastOutput(6) || '(no output)'),
      hints: crash ? [`Fix ${crash.location ?? 'the error'} first; then make config.js name REDIS_URL when it is missing.`] : ['Name the variable in the message, e.g. "Missing required environment variable REDIS_URL", so whoever deploys knows what to set.'],
    });
    return `Without REDIS_URL the app exited in ${seconds(exit.ms)} with code ${exit.code}, saying: ${named}`;
  },
});
