// @ts-check
// Checks for factor VII, Port binding: the visitor counter is a self-contained service. It starts with
// `npm start` alone (the checker deletes host.js, the application server, from its copy), listens on the
// port given in PORT, tells the truth about the port it bound when the system chose it (PORT=0), stops
// at once when its port is taken, and is usable by another app through its URL alone.
//
// Every run is on a copy of the app of its own (an instance): random ports, random greetings that tell
// which process answered, a random number of visits. Nothing here reads the app's source.
import { randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLab, request, describe, describeExit, randomWord, seconds, AppExited, CheckFailed, NotRun } from '../_kit/index.mjs';

/** The application server the starter ships; the app must run without it. */
const SHIM = 'host.js';
const READY_MS = 3000;
/** How soon an app whose port is taken must be gone. */
const EXIT_MS = 2000;
/** How long an app that has said its port is taken may take to exit. */
const GRACE_MS = 1000;
const DASHBOARD = fileURLToPath(new URL('./dashboard.mjs', import.meta.url));

/** @typedef {import('../_kit/index.d.ts').CheckContext} T @typedef {import('../_kit/index.d.ts').App} App */
/** @typedef {{ port: number | undefined, answer?: string, tried: number[], zero: boolean, why: string }} Found */

/** Instance `name`: a copy of the app without host.js, as a machine with no application server has it. */
function withoutShim(/** @type {T} */ t, /** @type {string} */ name) {
  rmSync(join(t.instance(name).dir, SHIM), { force: true });
  return name;
}

/** The crash says a module is missing and names host.js: the app (or npm start) still needs the shim. */
const needsShim = (/** @type {App} */ app) => {
  const crash = app.crash();
  return crash && /Cannot find module|ERR_MODULE_NOT_FOUND/.test(crash.lines.join('\n')) && crash.lines.join('\n').includes(SHIM) ? crash : undefined;
};

/**
 * A failure for an app that cannot start without host.js, saying who still asks for it. "Serves itself"
 * tells that story; the other checks say they could not run.
 */
function shimFailure(/** @type {T} */ t, /** @type {App} */ app, owner = false) {
  const viaScript = /host\.js/.test(app.command);
  if (!owner) return t.notRun(`without host.js, npm start ${viaScript ? 'has nothing to run' : 'crashes'} (${app.command})`, 'self-contained');
  unserved = 'the app cannot start without host.js';
  return t.fail({
    message: viaScript
      ? `Deleted host.js from the checker's copy of the app, as a machine without an application server has it, and ran npm start; package.json's start script still runs host.js (${app.command}), so there was nothing to start.`
      : `Deleted host.js from the checker's copy of the app and ran npm start (${app.command}); the app crashed because it still imports host.js: ${app.errorLine() ?? 'Cannot find module host.js'}.`,
    expected: 'npm start serves the counter with host.js gone',
    actual: app.lastOutput(4),
    hints: viaScript
      ? ['Change "start" in package.json to run the app itself: "node app.js".', 'Then make app.js listen: server.listen(config.port), with config.port read from process.env.PORT.']
      : ['Remove the import of host.js: the app creates its own server (http.createServer) and listens on config.port.'],
    summary: 'the app cannot start without host.js',
  });
}

/**
 * Why the app could not serve at all, once "Serves itself" found out: the later checks then say they
 * could not run instead of waiting out the same silence again.
 * @type {string | undefined}
 */
let unserved;

/** The later checks' guard: nothing to judge when the app does not serve on PORT at all. */
function needsServing(/** @type {T} */ t) {
  if (unserved) throw t.notRun(unserved, 'self-contained');
}

/**
 * Starts a copy of the app without host.js and waits until it answers on its PORT; shim crashes fail.
 * When another program (another check run on this machine) grabbed the chosen port before the app could
 * bind it, the copy starts once more on a fresh port.
 */
async function startCopy(/** @type {T} */ t, /** @type {string} */ name, /** @type {Record<string, string>} */ env, owner = false) {
  // Each copy talks to Redis through a watcher of its own: its traffic shows when its startup was over.
  const watcher = await t.redis.watch();
  const watchedAt = performance.now();
  env = { ...env, REDIS_URL: watcher.url };
  for (let attempt = 1; ; attempt++) {
    try {
      return await t.startReady({ env, instance: withoutShim(t, name), label: `copy ${name}`, path: '/health', within: READY_MS });
    } catch (error) {
      if (error instanceof CheckFailed && error.timing) {
        // Silence alone is about time, and a very busy machine cannot judge it. But an app that finished
        // a Redis round trip long ago has run its startup code: a server would be listening by now.
        const answered = watcher.commands().map((c) => c.answeredAt).filter((at) => at !== undefined);
        const since = answered.length ? performance.now() - (watchedAt + Math.min(.../** @type {number[]} */ (answered))) : 0;
        if (since > t.wait(GRACE_MS)) {
          error = t.fail({ message: `${error.message.replace(/\.$/, '')}, though it had been talking to Redis for ${seconds(since)}: its startup had finished without a server on that port.`, expected: error.expected, actual: error.actual, hints: error.hints, summary: error.summary });
        }
      }
      if (error instanceof AppExited && needsShim(error.app)) throw shimFailure(t, error.app, owner);
      if (attempt === 1 && error instanceof NotRun && /another program took port/.test(error.message)) {
        t.log(`port ${env.PORT} was taken by another program before copy ${name} could bind it; starting it again on a fresh port`);
        env = { ...env, PORT: String(await t.port()) };
        continue;
      }
      if (owner && error instanceof CheckFailed) unserved = error.summary ?? 'the app did not serve on the port given in PORT';
      throw error;
    }
  }
}

/** Whole numbers in a text (greetings are random words with digits, so they are taken out first). */
const numbersIn = (/** @type {string} */ text, /** @type {string[]} */ words = []) =>
  (words.reduce((s, w) => s.split(w).join(' '), text).match(/\d+/g) ?? []).map(Number);

/** The visit number in a counter answer ("Hi-…! You are visitor number 7."), when there is one. */
const visitIn = (/** @type {string} */ body, /** @type {string} */ greeting) => numbersIn(body, [greeting]).at(-1);

/** Two copies of the app, each on its own random port, at the same time; both must answer. */
async function pair(/** @type {T} */ t, owner = false) {
  const greetingA = randomWord('Hi-');
  const greetingB = randomWord('Hey-');
  const [envA, envB] = [await t.env({ GREETING: greetingA }), await t.env({ GREETING: greetingB })];
  const [a, b] = await Promise.all([startCopy(t, 'A', envA, owner), startCopy(t, 'B', envB, owner)]);
  return { a: { ...a, greeting: greetingA }, b: { ...b, greeting: greetingB } };
}

/** Says the port could not be bound (or that it will try again). */
const noticedTaken = (/** @type {string} */ line) => /EADDRINUSE|in use|cannot listen|could ?n[o']t listen|port busy|busy port|retry/i.test(line);

/** Claims to be listening ("listening", {"msg":"listening"}) without saying it could not. */
const claimsListening = (/** @type {string} */ line) => /\blisten(ing|s)\b/i.test(line) && !/\b(not|cannot|can't|could ?n[o']t|fail\w*|unable|error|EADDRINUSE|in use|busy|taken|retry\w*)\b/i.test(line);

await runLab(new URL('./lab.json', import.meta.url), {
  'self-contained': async (t) => {
    const { a, b } = await pair(t, true);
    const first = await request(a.port, '/', { timeout: t.budget(5000) });
    const second = await request(b.port, '/', { timeout: t.budget(5000) });
    const counts = [visitIn(first.body, a.greeting), visitIn(second.body, b.greeting)];
    const served = `GET / on copy A (port ${a.port}) got ${describe(first)}; on copy B (port ${b.port}) ${describe(second)}`;
    if (first.status !== 200 || second.status !== 200) {
      throw t.fail({
        message: `Started two copies of the app without host.js, each with its own PORT; both answered /health, but ${served}.`,
        expected: 'the counter\'s greeting from each copy', actual: `${a.app.lastOutput(3)}\n${b.app.lastOutput(3)}`.trim(),
        hints: ['Press Run, open the app and read what it prints: the visit itself fails.'],
      });
    }
    if (!first.body.includes(a.greeting) || !second.body.includes(b.greeting)) {
      throw t.fail({
        message: `Started copy A with GREETING=${a.greeting} on port ${a.port} and copy B with GREETING=${b.greeting} on port ${b.port}; ${served}: a port answered with the wrong copy's greeting, or none. Each copy must serve on its own port, with its own settings.`,
        expected: `"${a.greeting}" from port ${a.port}, "${b.greeting}" from port ${b.port}`, actual: `${first.body.trim()} / ${second.body.trim()}`,
        hints: ['Create the server in the app and listen on config.port; keep the greeting from config.greeting.'],
      });
    }
    if (counts[0] === undefined || counts[1] !== counts[0] + 1) {
      throw t.fail({
        message: `Two copies of the app share one Redis, so a visit to A and then one to B should count on: ${served}.`,
        expected: 'B\'s visit number one more than A\'s', actual: `${counts[0] ?? 'no number'}, then ${counts[1] ?? 'no number'}`,
        hints: ['Count visits with countVisit() from counter.js, in Redis, as the starter does.'],
      });
    }
    return `Deleted host.js from the checker's copies and ran npm start twice at once (${a.app.command}): copy A answered on port ${a.port} after ${seconds(a.ms)}, copy B on port ${b.port} after ${seconds(b.ms)}, each with its own greeting; visits counted ${counts[0]}, then ${counts[1]}.`;
  },

  'reports-bound-port': async (t) => {
    needsServing(t);
    const copies = [];
    for (const name of ['C', 'D']) {
      const greeting = randomWord('Hello-');
      copies.push({ name, greeting, app: t.start({ env: await t.env({ PORT: 0, GREETING: greeting }), instance: withoutShim(t, name), label: `copy ${name}` }) });
    }
    const found = await Promise.all(copies.map((copy) => followPort(t, copy)));
    for (const [i, result] of found.entries()) {
      const { app, greeting, name } = /** @type {(typeof copies)[number]} */ (copies[i]);
      if (result.port !== undefined) continue;
      if (!app.running) {
        if (needsShim(app)) throw shimFailure(t, app);
        const crash = app.crash();
        if (crash && /SyntaxError|ReferenceError/.test(crash.error)) throw new AppExited(app, 'before it listened');
        const inUse = app.addressInUse();
        throw t.fail({
          message: inUse !== undefined
            ? `Started copies C and D at the same time, both with PORT=0 ("any free port"); copy ${name} ${describeExit(app.exit)} because port ${inUse} was taken: both copies went for the same port instead of letting the system choose.`
            : `Started copy ${name} with PORT=0 ("any free port"); it ${describeExit(app.exit)} without listening: ${app.errorLine() ?? app.lastOutput(2) ?? 'no output'}.`,
          expected: 'with PORT=0, a server on a free port the system picks, and a log line naming it',
          actual: app.lastOutput(4) || '(no output)',
          hints: inUse !== undefined
            ? ['Pass 0 on to server.listen(): do not turn it into a default port (Number(process.env.PORT) || 3000 does).']
            : ['Accept 0 as a port in config.js: server.listen(0) asks the system for any free port.', 'Tests, tools and platforms use PORT=0 to run many copies side by side.'],
        });
      }
      const said = app.ownLines().slice(-4).join('\n');
      throw t.fail({
        message: result.zero
          ? `Started copy ${name} with PORT=0; it said it listens on port 0, which is what it was asked for, not the port it got. With PORT=0 the system picks the port, and only the app can tell which.`
          : result.tried.length
            ? `Started copy ${name} with PORT=0 and GREETING=${greeting}; it named port${result.tried.length > 1 ? 's' : ''} ${result.tried.join(', ')}, but ${result.tried.length > 1 ? 'none of them was' : 'that was not'} where it serves: ${result.why}.`
            : `Started copy ${name} with PORT=0; within ${t.bound(READY_MS)} it printed no port number at all, so nobody can find it.`,
        expected: 'a log line naming the port the app actually listens on',
        actual: said || '(no output)',
        hints: ['Log the bound port inside the listen callback: server.address().port. config.port is what you asked for; with 0 the system chooses.'],
        ...(result.zero || result.tried.length ? {} : { timing: { observedMs: t.wait(READY_MS), idleMs: READY_MS } }),
      });
    }
    const [c, d] = /** @type {[Found, Found]} */ (found);
    return `Started two copies with PORT=0 at once: copy C said port ${c.port} and copy D port ${d.port}; the checker connected to each and got its own greeting back (${c.answer}).`;
  },

  'fails-fast': async (t) => {
    needsServing(t);
    // A program already holding the port: listening on every interface, as the app would.
    const holder = createServer();
    await new Promise((resolve) => holder.listen(0, () => resolve(undefined)));
    const port = /** @type {import('node:net').AddressInfo} */ (holder.address()).port;
    t.log(`the checker holds port ${port} (listening on every interface)`);
    try {
      const app = t.start({ env: await t.env({ PORT: port }), instance: withoutShim(t, 'E'), label: 'the app on a taken port' });
      // Once the app has said it cannot listen, it has a moment to exit, not the whole bound.
      let deadline = app.started + t.wait(EXIT_MS);
      let graced = false;
      while (app.running && performance.now() < deadline) {
        if (!graced && app.ownLines().some(noticedTaken)) {
          graced = true;
          deadline = Math.min(deadline, performance.now() + t.wait(GRACE_MS));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const exit = app.running ? undefined : await app.exited;
      if (!exit) await app.kill();
      if (exit && needsShim(app)) throw shimFailure(t, app);
      const claim = app.ownLines().find(claimsListening);
      const portNamed = new RegExp(`(?<!\\d)${port}(?!\\d)`);
      const named = app.ownLines().find((l) => portNamed.test(l)) ?? (app.crash() && portNamed.test(app.crash()?.error ?? '') ? app.crash()?.error : undefined);
      const said = app.lastOutput(5) || '(no output)';
      if (!exit) {
        const noticed = app.ownLines().find(noticedTaken);
        throw t.fail({
          message: `Held port ${port} and started the app with PORT=${port}; ${noticed ? `${t.bound(GRACE_MS)} after it said so` : `${t.bound(EXIT_MS)} later`} it was still running${noticed ? `, although it had said "${noticed.trim()}"` : claim ? `, and it had said "${claim.trim()}"` : ''}. A platform sees a process that started fine, while nothing it could reach serves the counter.`,
          expected: `a non-zero exit within ${t.bound(EXIT_MS)}, with a message naming port ${port}`,
          actual: `still running; it printed:\n${said}`,
          hints: ["Handle the server's 'error' event: log which port could not be bound and call process.exit(1). Do not retry: the platform restarts the app, or moves it.", ...(app.ownLines().some((l) => /retry|again/i.test(l)) ? ['The retry loop came from host.js: an application server assumes it owns the machine; a port-bound app does not.'] : [])],
          // Once the app has said it could not listen, still running is decisive on any machine; silence is about time.
          ...(noticed ? {} : { timing: { observedMs: t.wait(EXIT_MS), idleMs: EXIT_MS } }),
        });
      }
      if (exit.code === 0) {
        throw t.fail({
          message: `Held port ${port} and started the app with PORT=${port}; it stopped after ${seconds(exit.ms)}, but with exit code 0, which tells the platform the app finished normally.`,
          expected: 'a non-zero exit code', actual: `exit code 0; output:\n${said}`,
          hints: ['Call process.exit(1) when listening fails, so the platform reports a failed start.'],
        });
      }
      if (claim) {
        throw t.fail({
          message: `Held port ${port} and started the app with PORT=${port}; it ${describeExit(exit)}, but first said "${claim.trim()}": a log that claims the app is serving when it never was.`,
          expected: 'no "listening" line unless the port was bound', actual: said,
          hints: ['Log "listening" inside the callback of server.listen(), which runs only once the port is bound.'],
        });
      }
      if (!named) {
        throw t.fail({
          message: `Held port ${port} and started the app with PORT=${port}; it ${describeExit(exit)} after ${seconds(exit.ms)}, but its output does not name port ${port}, so whoever reads the log must guess which port was the problem.`,
          expected: `a message naming port ${port}`, actual: said,
          hints: ['Include the port in the error you log: { msg: "cannot listen", port: config.port, error: error.message }.'],
        });
      }
      return `Held port ${port} and started the app with PORT=${port}: it ${describeExit(exit)} after ${seconds(exit.ms)}, saying: ${named.trim()}`;
    } finally {
      holder.close();
    }
  },

  'backing-service': async (t) => {
    needsServing(t);
    const { a, b } = await pair(t);
    const visits = randomInt(3, 8);
    for (let i = 0; i < visits; i++) {
      const copy = i % 2 ? b : a;
      const answer = await request(copy.port, '/', { timeout: t.budget(5000) });
      if (answer.status !== 200) throw t.notRun(`a visit to copy ${i % 2 ? 'B' : 'A'} got ${describe(answer)}`, 'self-contained');
    }
    const url = `http://127.0.0.1:${b.port}`;
    t.log(`made ${visits} visits, alternating between copy A (port ${a.port}) and copy B (port ${b.port}); now the dashboard reads ${url}/count`);
    const run = await t.exec(`node ${JSON.stringify(DASHBOARD)}`, { env: { COUNTER_URL: url, DASHBOARD_TIMEOUT_MS: String(t.budget(3000)) }, label: 'the dashboard', timeout: 5000 });
    const report = run.json.find((line) => line.app === 'dashboard') ?? {};
    const after = await request(a.port, '/', { timeout: t.budget(5000) });
    const next = visitIn(after.body, a.greeting);
    const direct = await request(b.port, '/count', { timeout: t.budget(5000) });
    const hints = ['Add a /count route in server.js that answers JSON without counting a visit: res.end(JSON.stringify({ count: await currentCount() })), with content-type application/json.'];
    if (typeof report.count !== 'number') {
      throw t.fail({
        message: `Made ${visits} visits, then started a dashboard app with only COUNTER_URL=${url}; it could not read a count (${report.msg ?? `it ${describeExit(run)}`}${report.status ? `: GET /count answered ${report.status}` : ''}${report.error ? `: ${report.error}` : ''}).`,
        expected: 'GET /count answers 200 with JSON like {"count": 5}', actual: `GET /count on copy B: ${describe(direct)}`,
        hints,
      });
    }
    if (report.count !== visits) {
      const counted = report.count === visits + 1;
      throw t.fail({
        message: counted
          ? `Made ${visits} visits, then the dashboard (given only COUNTER_URL=${url}) read ${report.count}: reading the count counted a visit too, so every dashboard refresh inflates it.`
          : `Made ${visits} visits, alternating between copy A and copy B; the dashboard, given only copy B's URL, read ${report.count}. Every copy must report the one total kept in Redis, not what it counted itself.`,
        expected: `{"count": ${visits}}`, actual: `${report.count} (GET /count on copy B now: ${describe(direct)})`,
        hints: counted ? ['Read the total with currentCount() (a Redis GET), not countVisit() (an INCR).'] : ['Read the total from Redis on every request (currentCount() in counter.js), not from a variable in the process.'],
      });
    }
    if (next !== visits + 1) {
      throw t.fail({
        message: `The dashboard read ${visits} after ${visits} visits; the next visit to copy A answered ${describe(after)}, not visitor number ${visits + 1}: GET /count changed the count.`,
        expected: `visitor number ${visits + 1}`, actual: after.body.trim() || describe(after),
        hints: ['GET /count must only read the total (currentCount()).'],
      });
    }
    return `Made ${visits} visits through copies A and B; a dashboard app given nothing but COUNTER_URL=${url} read {"count": ${report.count}}, and the next visit was number ${next}.`;
  },
});

/**
 * Watches a copy started with PORT=0: every port number its own output names (apart from the greeting)
 * is tried; the one that answers GET / with this copy's greeting is where it really listens.
 * @param {T} t @param {{ app: App, greeting: string, name: string }} copy
 * @returns {Promise<Found>}
 */
async function followPort(t, { app, greeting }) {
  const deadline = app.started + t.wait(READY_MS);
  /** @type {Map<number, string>} why each named port was not it */
  const tried = new Map();
  let zero = false;
  while (performance.now() < deadline) {
    const running = app.running;
    const lines = app.ownLines();
    const named = new Set(lines.flatMap((line) => numbersIn(line, [greeting])).filter((n) => n <= 65535));
    if (lines.filter(claimsListening).some((line) => numbersIn(line, [greeting]).includes(0))) zero = true;
    for (const port of named) {
      if (port < 1 || tried.has(port)) continue;
      const answer = await request(port, '/', { timeout: t.budget(2000) });
      if (answer.status !== undefined && answer.body.includes(greeting)) {
        t.log(`port ${port}, named in the app's output, answered GET / with this copy's greeting`);
        return { port, answer: describe(answer), tried: [], zero, why: '' };
      }
      if (port > 1023 || answer.status !== undefined) tried.set(port, answer.status === undefined ? `nothing answered on ${port}` : `port ${port} answered ${describe(answer)}, without this copy's greeting ${greeting}`);
    }
    if (!running) {
      await app.exited;
      break;
    }
    // The app said it is listening, and every port it named has been tried: waiting longer changes nothing.
    if (lines.some(claimsListening)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ports = [...tried.keys()];
  return { port: undefined, tried: ports, zero, why: [...tried.values()].join('; ') };
}
