// Checks for factor IX, Disposability: fast startup, and a graceful shutdown on SIGTERM — finish the
// work in flight, take no new work, close Redis, exit 0. Bounds are idle-machine figures the kit scales.
import { runLab, request, describe, describeExit, seconds, sleep, CheckFailed } from '../_kit/index.mjs';

const READY_MS = 2000, SLOW_MS = 1200, SIGTERM_AFTER_MS = 300, PROBE_AFTER_MS = 150, GRACE_MS = 4000;

/** Starts the app, begins a slow request, sends SIGTERM mid-request, and records what happens. */
const shutdown = (t) => t.once('shutdown', async () => {
  const watcher = await t.redis.watch();
  const { app, port } = await t.startReady({ env: await t.env({ REDIS_URL: watcher.url }), path: '/health', within: READY_MS + 3000 });
  watcher.follow(app);
  t.log(`GET / got ${describe(await request(port, '/'))}`);
  const slow = request(port, `/slow?ms=${SLOW_MS}`, { timeout: t.budget(SLOW_MS + GRACE_MS) });
  await sleep(SIGTERM_AFTER_MS);
  const signalled = performance.now();
  app.signal('SIGTERM');
  await sleep(PROBE_AFTER_MS);
  // A process that is already gone refuses every connection; that says nothing about a graceful stop.
  const goneAtProbe = app.running ? undefined : app.exit;
  const [probe, slowResult] = [await request(port, '/health', { timeout: t.budget(800) }), await slow];
  const exit = await app.waitForExit(GRACE_MS);
  const exitMs = exit && (await app.exited, Math.round(app.started + exit.ms - signalled));
  t.log(`a new connection ${PROBE_AFTER_MS} ms after SIGTERM: ${describe(probe)}; the request in flight: ${describe(slowResult)}; the app ${exit ? `${describeExit(exit)} ${exitMs} ms after SIGTERM` : `still ran ${t.bound(GRACE_MS)} after SIGTERM`}`);
  return { slow: slowResult, probe, goneAtProbe, exit, exitMs, watcher, app };
});

/** Why a Redis connection was not closed properly (QUIT, or the app's own clean close), or undefined. */
const badClose = (c) => (c.closedAt === undefined ? 'was still open'
  : c.unanswered || c.reset ? `was cut with ${c.commands.filter((x) => x.answeredAt === undefined).map((x) => x.name).join(', ') || 'a command'} unanswered`
  : !c.quit && c.appAlive === false ? 'stayed open until the process exit cut it' : undefined);

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

  'finishes-in-flight': async (t) => {
    const { slow, exit, app } = await shutdown(t);
    if (slow.status !== 200) throw t.fail({
      message: `Started a request that takes ${SLOW_MS} ms, sent SIGTERM ${SIGTERM_AFTER_MS} ms into it; the request got ${describe(slow)}${exit ? ` and the app ${describeExit(exit)}` : ''}. A visitor in the middle of a deploy would see an error.`,
      expected: '200 "slow work done…", answered after SIGTERM', actual: `${describe(slow)}; the app's last output:\n${app.lastOutput(3) || '(none)'}`,
      hints: ["Handle the signal: process.once('SIGTERM', …). Without a handler, Node exits on the spot.", 'In the handler call server.close(callback): it stops accepting connections and calls back once the requests in flight are done; exit there, not before.'],
    });
    return `Sent SIGTERM ${SIGTERM_AFTER_MS} ms into a ${SLOW_MS} ms request; it still got ${describe(slow)}.`;
  },

  'refuses-new-work': async (t) => {
    const { probe, goneAtProbe } = await shutdown(t);
    if (goneAtProbe) throw t.notRun(`the app ${describeExit(goneAtProbe)} before the checker tried a new connection, so no process was left to refuse it`, 'finishes-in-flight');
    if (!probe.error || probe.error === 'TIMEOUT') throw t.fail({
      message: `${PROBE_AFTER_MS} ms after SIGTERM the checker opened a new connection and it was ${probe.error ? 'accepted but never answered' : `served: ${describe(probe)}`}. A stopping process should stop taking work so the load balancer sends it elsewhere.`,
      expected: 'the connection refused (ECONNREFUSED)', actual: describe(probe),
      hints: ['Call server.close() as soon as SIGTERM arrives: it stops listening at once while requests in flight carry on.', 'Waiting a fixed time before exiting keeps the door open to new visitors the whole time.'],
    });
    return `${PROBE_AFTER_MS} ms after SIGTERM a new connection got ${probe.error}: the app stopped taking new work.`;
  },

  'exits-promptly': async (t) => {
    const { exit, exitMs, app } = await shutdown(t);
    if (exit && exit.code !== 0) throw t.fail({ message: `After SIGTERM the app ${describeExit(exit)}. A platform reads that as a crash${exit.signal ? ': the signal killed it because nothing handled it' : ''}.`, expected: 'exit code 0', actual: describeExit(exit), hints: ['Exit with code 0 once the server has closed and Redis has quit.'] });
    if (!exit) throw t.fail({
      message: `The app was still running ${t.bound(GRACE_MS)} after SIGTERM, long after its last request finished. Something keeps Node's event loop alive, and the platform will have to kill it.`,
      expected: `exit code 0 within ${t.bound(GRACE_MS)} of SIGTERM`, actual: `still running; last output:\n${app.lastOutput(3) || '(none)'}`,
      hints: ['An open Redis connection keeps the process alive: call await redis.quit() after server.close() finishes.', 'Timers (setInterval) keep it alive too; clear them when shutting down.'],
    });
    return `The app exited with code 0, ${exitMs} ms after SIGTERM (the request in flight needed ${SLOW_MS - SIGTERM_AFTER_MS} ms more).`;
  },

  'closes-redis': async (t) => {
    const { watcher } = await shutdown(t);
    const bad = watcher.connections.map((c) => [c, badClose(c)]).filter(([, why]) => why);
    if (bad.length || watcher.connections.length === 0) throw t.fail({
      message: `The checker watched the app's Redis connections through SIGTERM and its exit: ${bad.map(([c, why]) => `connection ${c.id} ${why}`).join('; ') || 'the app never connected'}. Commands still queued on a connection that is cut are lost.`,
      expected: 'every connection closed by the app before it exits — QUIT (redis.quit()) or a close with no command left unanswered',
      actual: `commands seen: ${[...new Set(watcher.commands().map((c) => c.name))].join(', ') || 'none'}`,
      hints: ['After server.close() has called back, await redis.quit(): it waits for pending replies, then closes the connection.', 'Calling process.exit() straight away cuts the connection instead; exit after quit() resolves.'],
    });
    const how = [...new Set(watcher.connections.map((c) => (c.quit ? 'with QUIT' : 'by closing it cleanly')))].join(' and ');
    return `The app closed its Redis connection${watcher.connections.length > 1 ? 's' : ''} ${how}, every command answered, before exiting.`;
  },
});
