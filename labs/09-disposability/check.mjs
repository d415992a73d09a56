// Checks for factor IX, Disposability: fast startup, and a graceful shutdown on SIGTERM — take no new
// work, finish the work in flight, close Redis cleanly once nothing needs it, exit 0 promptly.
//
// Nothing in the shutdown scenario has a fixed length: two requests of random lengths are in flight when
// SIGTERM comes at a random moment, and a second run stops an idle app. So a handler that waits a fixed
// time, or that exits after "the" request, cannot pass by fitting one scenario. Every bound is an
// idle-machine figure the kit scales to the machine (t.budget / t.bound).
import { runLab, request, describe, describeExit, seconds, sleep, CheckFailed } from '../_kit/index.mjs';

const READY_MS = 2000;
/** How soon after its last response (or after SIGTERM, when idle) the process must be gone. */
const EXIT_MS = 300;
/** Time the app gets to run its SIGTERM handler before the checker tries a new connection. */
const SETTLE_MS = 150;
/** In the slow-Redis run, each reply after SIGTERM is held back a random time in this range. */
const HOLD_MS = /** @type {const} */ ([150, 300]);

const between = (low, high) => low + Math.random() * (high - low);

/**
 * The busy scenario: two /slow requests in flight, SIGTERM at a random moment, a new connection tried
 * soon after, then the checker waits for both answers and the exit, watching every Redis connection.
 * After SIGTERM the shorter request still needs more than the exit bound, so any fixed wait that lets an
 * idle app exit in time cuts it off; the longer ends well after the shorter, so exiting after "the"
 * request in flight cuts it off.
 */
const busy = (t) => t.once('busy', async () => {
  const watchedAt = performance.now();
  const watcher = await t.redis.watch();
  const { app, port } = await t.startReady({ env: await t.env({ REDIS_URL: watcher.url }), path: '/health', within: READY_MS });
  t.log(`GET / got ${describe(await request(port, '/', { timeout: t.budget(5000) }))}`);
  const signalAfter = Math.round(t.budget(SETTLE_MS) + between(0, 250));
  // Short enough to end well inside a platform's grace period (10 s for docker stop) on any machine.
  const remaining = [t.budget(EXIT_MS) + t.budget(between(50, 150))];
  remaining.push(remaining[0] + t.budget(between(100, 200)));
  const lengths = remaining.map((r) => Math.round(signalAfter + r));
  const sent = performance.now();
  const slow = lengths.map((ms) => request(port, `/slow?ms=${ms}`, { timeout: ms + t.budget(4000) }).then((response) => ({ ms, response, endedAt: performance.now() })));
  await sleep(signalAfter - (performance.now() - sent));
  const signalled = performance.now();
  t.log(`two requests in flight, of ${lengths.map(seconds).join(' and ')}; sending SIGTERM ${seconds(signalled - sent)} into them`);
  app.signal('SIGTERM');
  // A new connection at a random moment while both requests are still running.
  await sleep(t.budget(SETTLE_MS) + between(0, t.budget(200)));
  const probedAt = performance.now();
  // A process that is already gone refuses every connection; that says nothing about a graceful stop.
  const goneAtProbe = app.running ? undefined : app.exit;
  const probe = await request(port, '/health', { timeout: t.budget(800) });
  t.log(`a new connection ${seconds(probedAt - signalled)} after SIGTERM: ${describe(probe)}`);
  const answers = await Promise.all(slow);
  const lastEnd = Math.max(...answers.map((a) => a.endedAt));
  for (const a of answers) t.log(`the ${seconds(a.ms)} request: ${describe(a.response)}, ${seconds(a.endedAt - signalled)} after SIGTERM`);
  const exit = app.exit ?? (await app.waitForExit(EXIT_MS + 1000));
  if (exit) await app.exited;
  const exitAt = exit ? app.started + exit.ms : undefined;
  t.log(exit ? `the app ${describeExit(exit)} ${seconds(exitAt - signalled)} after SIGTERM, ${seconds(exitAt - lastEnd)} after the last answer` : `the app was still running ${seconds(performance.now() - lastEnd)} after the last answer`);
  // Watcher times count from its start; put them on the checker's clock. Taken before any kill below.
  const connections = watcher.connections.map((c) => ({ ...c, commands: [...c.commands], closedAt: c.closedAt === undefined ? undefined : watchedAt + c.closedAt }));
  if (!exit) await app.kill();
  return { app, signalled, lengths, answers, lastEnd, probe, probedAt, goneAtProbe, exit, exitAt, connections, watcher };
});

/** The idle scenario: the app served a visit, sits idle for a random moment, then gets SIGTERM. */
const idle = (t) => t.once('idle', async () => {
  const { app, port } = await t.startReady({ env: await t.env(), path: '/health', within: READY_MS, label: 'the app, left idle' });
  t.log(`GET / got ${describe(await request(port, '/', { timeout: t.budget(5000) }))}`);
  await sleep(between(100, 600));
  const signalled = performance.now();
  app.signal('SIGTERM');
  const exit = await app.waitForExit(EXIT_MS + 700);
  if (exit) await app.exited;
  else await app.kill();
  const exitMs = exit ? app.started + exit.ms - signalled : undefined;
  t.log(exit && exitMs !== undefined ? `with nothing in flight, the app ${describeExit(exit)} ${seconds(exitMs)} after SIGTERM` : `with nothing in flight, the app was still running ${seconds(performance.now() - signalled)} after SIGTERM`);
  return { app, exit, exitMs };
});

const ok = (a) => a.response.status === 200 && /slow work done/.test(a.response.body);

/**
 * The slow-Redis scenario: an idle app gets SIGTERM while its Redis answers slowly (every reply held back
 * 150–300 ms, scaled). A command the app sends during shutdown and does not wait for is then certainly
 * still unanswered when it exits, however fast the real Redis is; a correct app just exits later, which
 * is why this run is not timed.
 */
const slowRedis = (t) => t.once('slow-redis', async () => {
  const watcher = await t.redis.watch();
  const watchedAt = performance.now();
  const { app, port } = await t.startReady({ env: await t.env({ REDIS_URL: watcher.url }), path: '/health', within: READY_MS, label: 'the app, with a slow Redis' });
  t.log(`GET / got ${describe(await request(port, '/', { timeout: t.budget(5000) }))}`);
  await sleep(between(50, 250));
  const [min, max] = [Math.round(t.budget(HOLD_MS[0])), Math.round(t.budget(HOLD_MS[1]))];
  t.log(`from now on, every Redis reply is held back ${seconds(min)}–${seconds(max)}; sending SIGTERM`);
  watcher.hold({ min, max });
  const signalled = performance.now();
  app.signal('SIGTERM');
  const exit = await app.waitForExit(EXIT_MS + 1000 + 4 * HOLD_MS[1]);
  if (exit) await app.exited;
  t.log(exit ? `the app ${describeExit(exit)} ${seconds(app.started + exit.ms - signalled)} after SIGTERM` : 'the app was still running; stopping it');
  const connections = watcher.connections.map((c) => ({ ...c, commands: [...c.commands], closedAt: c.closedAt === undefined ? undefined : watchedAt + c.closedAt }));
  if (!exit) await app.kill();
  return { exit, signalled, connections, watcher, min, max };
});

/** Why a Redis connection did not end well, or undefined. Times are on the checker's clock. */
function badClose(c, lastEnd) {
  if (c.closedAt === undefined) return 'was still open';
  const unanswered = c.commands.filter((x) => x.answeredAt === undefined && x.name !== 'QUIT');
  if (unanswered.length) return `was closed with ${unanswered.map((x) => x.name).join(', ')} still waiting for its reply: that command's result is lost`;
  if (c.reset) return 'was reset (RST) instead of closed';
  // A little slack: the checker sees the last answer and the close through two different sockets.
  if (c.closedAt < lastEnd - 100) return `was closed ${seconds(lastEnd - c.closedAt)} before the last request in flight was answered`;
  return undefined;
}

await runLab(new URL('./lab.json', import.meta.url), {
  'ready-quickly': async (t) => {
    const { ms } = await t.startReady({ path: '/health', within: READY_MS }).catch((error) => {
      throw error instanceof CheckFailed ? t.fail({
        message: `Started the app and asked GET /health every 25 ms; no answer came within ${t.bound(READY_MS)}. A platform that scales up or restarts a crashed process waits all that time with no capacity.`,
        expected: `a 200 within ${seconds(t.budget(READY_MS))} of starting`, actual: error.actual,
        hints: ['Call server.listen() right away; do not wait a fixed time for Redis to come up — ioredis connects and retries by itself.', 'Move slow warm-up work out of the startup path, or do it lazily on first use.'],
      }) : error;
    });
    return `Started the app; GET /health answered after ${seconds(ms)} (bound: ${t.bound(READY_MS)}).`;
  },

  'finishes-in-flight': Object.assign(async (t) => {
    const { answers, exit, exitAt, app, signalled, connections, lastEnd } = await busy(t);
    const cut = answers.filter((a) => !ok(a));
    if (cut.length) {
      const closedEarly = connections.find((c) => c.closedAt !== undefined && c.closedAt < lastEnd - 100);
      const answered = answers.filter(ok);
      const dropped = cut.filter((a) => a.response.error);
      const why = exit && dropped.length
        ? ` The app ${describeExit(exit)} ${seconds(exitAt - signalled)} after SIGTERM${answered.length ? `, ${seconds(Math.max(0, exitAt - answered[0].endedAt))} after the ${seconds(answered[0].ms)} one was answered` : ''}, while ${dropped.length === answers.length ? 'both were' : `the ${seconds(dropped[0].ms)} one was`} still running.`
        : closedEarly ? ` Its Redis connection was closed ${seconds(closedEarly.closedAt - signalled)} after SIGTERM, before the work that needs it was done: /slow records itself in Redis at its end.` : '';
      throw t.fail({
        message: `Two requests were in flight, of ${answers.map((a) => seconds(a.ms)).join(' and ')}, when SIGTERM came; ${answers.map((a) => `the ${seconds(a.ms)} one got ${describe(a.response)}`).join(', ')}.${why} A visitor in the middle of a deploy would see an error.`,
        expected: 'both answered 200 "slow work done…", after SIGTERM',
        actual: `${cut.map((a) => `${seconds(a.ms)}: ${describe(a.response)}`).join('; ')}; the app's last output:\n${app.lastOutput(3) || '(none)'}`,
        hints: [
          "Handle the signal: process.once('SIGTERM', …). Without a handler, Node exits on the spot.",
          'In the handler call server.close(callback): it stops accepting connections and calls back once every request in flight has been answered; close Redis and exit there, not before and not after a fixed time.',
          ...(closedEarly ? ['Close Redis after the server has drained: a request still running may need it.'] : []),
        ],
      });
    }
    return `SIGTERM came while two requests of ${answers.map((a) => seconds(a.ms)).join(' and ')} were in flight; both got 200 after it.`;
  }, { timeLimit: 15000 }),

  'refuses-new-work': async (t) => {
    const { probe, goneAtProbe, probedAt, signalled } = await busy(t);
    const when = seconds(probedAt - signalled);
    if (goneAtProbe) throw t.notRun(`the app ${describeExit(goneAtProbe)} before the checker tried a new connection, so no process was left to refuse it`, 'finishes-in-flight');
    if (!probe.error || probe.error === 'TIMEOUT') throw t.fail({
      message: `${when} after SIGTERM, with requests still in flight, the checker opened a new connection and it was ${probe.error ? 'accepted but never answered' : `served: ${describe(probe)}`}. A stopping process should stop taking work so the load balancer sends it elsewhere.`,
      expected: 'the connection refused (ECONNREFUSED)', actual: describe(probe),
      hints: ['Call server.close() as soon as SIGTERM arrives: it stops listening at once while requests in flight carry on.', 'Waiting a fixed time before exiting keeps the door open to new visitors the whole time.'],
    });
    return `${when} after SIGTERM, with requests still in flight, a new connection got ${probe.error}: the app stopped taking new work.`;
  },

  'exits-promptly': Object.assign(async (t) => {
    const { exit, exitAt, lastEnd, app } = await busy(t);
    const quiet = await idle(t);
    const hintsStuck = [
      'Exit as soon as there is nothing left to do: in the callback of server.close(), which runs once the last request is answered, or at once when none is in flight.',
      'A fixed wait is either too long (an idle instance waits for nothing) or too short (a longer request is cut off).',
      'An open Redis connection or a timer keeps the event loop alive: close Redis after the server has drained.',
    ];
    if (quiet.exit && quiet.exit.code !== 0) throw t.fail({
      message: `With nothing in flight, the app got SIGTERM and ${describeExit(quiet.exit)}. A platform reads that as a crash${quiet.exit.signal ? ': the signal killed it because nothing handled it' : ''}.`,
      expected: 'exit code 0', actual: describeExit(quiet.exit), hints: ['Exit with code 0 once the server has closed and Redis is closed.'],
    });
    if (!quiet.exit || quiet.exitMs > t.budget(EXIT_MS)) throw t.fail({
      message: `With nothing in flight — the most common case, a deploy replacing an idle instance — the app got SIGTERM and ${quiet.exit ? `exited only ${seconds(quiet.exitMs)} later` : `was still running ${seconds(t.budget(EXIT_MS + 700))} later`}. With no request to finish, it should be gone within ${t.bound(EXIT_MS)}.`,
      expected: `exit code 0 within ${seconds(t.budget(EXIT_MS))} of SIGTERM`, actual: quiet.exit ? `exit code 0 after ${seconds(quiet.exitMs)}` : `still running; last output:\n${quiet.app.lastOutput(3) || '(none)'}`,
      hints: hintsStuck,
    });
    if (exit && exit.code !== 0) throw t.fail({
      message: `With requests in flight, the app got SIGTERM and ${describeExit(exit)}. A platform reads that as a crash${exit.signal ? ': the signal killed it because nothing handled it' : ''}.`,
      expected: 'exit code 0', actual: describeExit(exit), hints: ['Exit with code 0 once the server has closed and Redis is closed.'],
    });
    if (!exit || exitAt - lastEnd > t.budget(EXIT_MS)) throw t.fail({
      message: `With requests in flight at SIGTERM, the app ${exit ? `exited ${seconds(exitAt - lastEnd)} after the last one was answered` : `was still running ${seconds(t.budget(EXIT_MS + 1000))} after the last one was answered`}. Once the last answer is out there is nothing left to wait for: it should be gone within ${t.bound(EXIT_MS)}.`,
      expected: `exit code 0 within ${seconds(t.budget(EXIT_MS))} of the last answer`, actual: exit ? `exit code 0, ${seconds(exitAt - lastEnd)} after the last answer` : `still running; last output:\n${app.lastOutput(3) || '(none)'}`,
      hints: hintsStuck,
    });
    const after = exitAt < lastEnd ? 'before its last request was answered (see “Finishes a request in flight”)' : `${seconds(exitAt - lastEnd)} after its last answer`;
    return `Idle, the app exited with code 0 ${seconds(quiet.exitMs)} after SIGTERM; busy, it exited with code 0 ${after}.`;
  }, { timeLimit: 15000 }),

  'closes-redis': Object.assign(async (t) => {
    const { connections, answers, lastEnd, exit, watcher } = await busy(t);
    if (!answers.every(ok)) throw t.notRun('the requests in flight were not answered, so there is no "after the last request" to close Redis in', 'finishes-in-flight');
    const slow = await slowRedis(t);
    // Only a run the app finished says how it closes; one that hung is the exit check's to report.
    const lost = slow.exit ? slow.connections.map((c) => [c, badClose(c, slow.signalled)]).filter(([, why]) => why) : [];
    if (lost.length) throw t.fail({
      message: `Idle, the app got SIGTERM while its Redis answered slowly (each reply held back ${seconds(slow.min)}–${seconds(slow.max)}, as a busy or distant Redis does): ${lost.map(([c, why]) => `connection ${c.id} ${why}`).join('; ')}. With a fast Redis the reply usually wins the race with the exit; with a slow one it never does.`,
      expected: 'every command sent during shutdown answered before the connection closes',
      actual: `unanswered when the connection closed: ${slow.connections.flatMap((c) => c.commands.filter((x) => x.answeredAt === undefined && x.name !== 'QUIT').map((x) => [x.name, ...x.args.slice(0, 1)].join(' '))).join(', ') || 'none (the connection was reset)'}`,
      hints: ['Await every Redis command you send while shutting down, then await redis.quit(): it waits for the replies still due before closing.', 'process.exit() right after a command throws its reply away: the write may or may not have happened.'],
    });
    const bad = connections.map((c) => [c, badClose(c, lastEnd)]).filter(([, why]) => why);
    if (bad.length || connections.length === 0) throw t.fail({
      message: `The checker watched the app's Redis connections through SIGTERM${exit ? ' and its exit' : ''}: ${bad.map(([c, why]) => `connection ${c.id} ${why}`).join('; ') || 'the app never connected'}.`,
      expected: 'every connection closed once the last request is answered, with every command answered: redis.quit(), or a plain close with nothing pending',
      actual: `commands seen: ${[...new Set(watcher.commands().map((c) => c.name))].join(', ') || 'none'}`,
      hints: ['After server.close() has called back, await redis.quit(): it waits for the replies still due, then closes the connection.', 'Do not send a command and exit without waiting for its reply.'],
    });
    const how = [...new Set(connections.map((c) => (c.quit ? 'with QUIT' : 'by closing it with nothing pending')))].join(' and ');
    return `The app closed its Redis connection${connections.length > 1 ? 's' : ''} ${how}, after the last request was answered, every command answered; with a slow Redis too, nothing sent during shutdown went unanswered.`;
  }, { timeLimit: 15000 }),
});
