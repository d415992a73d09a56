// Checks for factor IX, Disposability: fast startup, and a graceful shutdown on SIGTERM — finish the
// work in flight, take no new work, close Redis, exit 0. Signals go through the kit's signal module,
// which a runtime without POSIX signals replaces (see labs/_kit/signals.mjs).
import { runLab, request, describe, describeExit, sleep } from '../_kit/index.mjs';

const READY_BOUND_MS = 2000;
const READY_GIVE_UP_MS = 5000;
const SLOW_MS = 1200;
const SIGTERM_AFTER_MS = 300;
const GRACE_MS = 4000;

async function firstOk(port, giveUpMs, app) {
  const started = app.started;
  while (performance.now() - started < giveUpMs) {
    if (!app.running) return undefined;
    const response = await request(port, '/health', { timeout: 1000 });
    if (response.status === 200) return performance.now() - started;
    await sleep(20);
  }
  return undefined;
}

/** Starts the app, begins a slow request, sends SIGTERM mid-request, and records what happens. */
function shutdown(t) {
  return t.once('shutdown', async () => {
    const watcher = await t.redis.watch();
    const port = await t.port();
    const app = t.start({ env: { PORT: String(port), REDIS_URL: watcher.url, GREETING: 'Hello' } });
    const readyMs = await firstOk(port, READY_GIVE_UP_MS, app);
    if (readyMs === undefined) {
      throw t.fail({
        message: `Started the app with PORT=${port}; it did not answer GET /health within ${READY_GIVE_UP_MS / 1000} s, so its shutdown could not be tested.`,
        expected: `200 from GET /health on port ${port}`,
        actual: app.running ? app.lastOutput(4) || '(no output)' : `the app ${describeExit(app.exit)}:\n${app.lastOutput(4)}`,
        hints: ['Press Run and read what the app prints.'],
        summary: 'the app never answered GET /health',
      });
    }
    const visit = await request(port, '/');
    t.log(`GET / got ${describe(visit)}`);
    const slow = request(port, `/slow?ms=${SLOW_MS}`, { timeout: SLOW_MS + GRACE_MS });
    await sleep(SIGTERM_AFTER_MS);
    t.log(`a ${SLOW_MS} ms request is in flight; sending SIGTERM`);
    const signalled = performance.now();
    app.signal('SIGTERM');
    await sleep(150);
    // A process that is already gone refuses every connection; that says nothing about a graceful stop.
    const goneAtProbe = app.running ? undefined : app.exit;
    const probe = await request(port, '/health', { timeout: 800 });
    t.log(`a new connection 150 ms after SIGTERM: ${describe(probe)}${goneAtProbe ? ` (the app had already ${describeExit(goneAtProbe).replace(/^was /, 'been ')})` : ''}`);
    const slowResult = await slow;
    t.log(`the request in flight: ${describe(slowResult)}`);
    const exit = await app.waitForExit(Math.max(0, GRACE_MS - (performance.now() - signalled)));
    const exitMs = exit ? Math.round(performance.now() - signalled) : undefined;
    t.log(exit ? `the app ${describeExit(exit)} ${exitMs} ms after SIGTERM` : `the app was still running ${GRACE_MS / 1000} s after SIGTERM`);
    if (exit) await app.exited;
    return { readyMs, slow: slowResult, probe, goneAtProbe, exit, exitMs, watcher, app };
  });
}

await runLab(new URL('./lab.json', import.meta.url), {
  'ready-quickly': async (t) => {
    const port = await t.port();
    const app = t.start({ env: { PORT: String(port), REDIS_URL: t.redis.url, GREETING: 'Hello' } });
    const ms = await firstOk(port, t.budget(READY_GIVE_UP_MS), app);
    if (ms === undefined || ms > t.budget(READY_BOUND_MS)) {
      throw t.fail({
        message: `Started the app and asked GET /health every 20 ms; ${ms === undefined ? `no 200 came within ${READY_GIVE_UP_MS / 1000} s` : `the first 200 came after ${Math.round(ms)} ms`}. A platform that scales up or restarts a crashed process waits all that time with no capacity.`,
        expected: `a 200 within ${t.bound(READY_BOUND_MS)} of starting`,
        actual: ms === undefined ? (app.running ? 'still not answering' : `the app ${describeExit(app.exit)}`) : `${Math.round(ms)} ms`,
        hints: ['Call server.listen() right away; do not wait a fixed time for Redis to come up — ioredis connects and retries by itself.', 'Move slow warm-up work out of the startup path, or do it lazily on first use.'],
      });
    }
    return `Started the app; GET /health answered 200 after ${Math.round(ms)} ms.`;
  },

  'finishes-in-flight': async (t) => {
    const { slow, exit, app } = await shutdown(t);
    if (slow.status !== 200) {
      throw t.fail({
        message: `Started a request that takes ${SLOW_MS} ms, sent SIGTERM ${SIGTERM_AFTER_MS} ms into it; the request got ${describe(slow)}${exit ? ` and the app ${describeExit(exit)}` : ''}. A visitor in the middle of a deploy would see an error.`,
        expected: '200 "slow work done", answered after SIGTERM',
        actual: `${describe(slow)}${app.lines.length ? `; the app's last output:\n${app.lastOutput(3)}` : ''}`,
        hints: ["Handle the signal: process.once('SIGTERM', …). Without a handler, Node exits on the spot.", 'In the handler call server.close(callback): it stops accepting connections and calls back once the requests in flight are done; exit there, not before.'],
      });
    }
    return `Sent SIGTERM ${SIGTERM_AFTER_MS} ms into a ${SLOW_MS} ms request; it still got ${describe(slow)}.`;
  },

  'refuses-new-work': async (t) => {
    const { probe, goneAtProbe } = await shutdown(t);
    if (goneAtProbe) {
      const how = goneAtProbe.signal ? `was killed by ${goneAtProbe.signal}` : `had exited with code ${goneAtProbe.code}`;
      throw t.notRun(`the app ${how} before the checker tried a new connection, so no process was left to refuse it`, 'finishes-in-flight');
    }
    if (!probe.error || probe.error === 'TIMEOUT') {
      throw t.fail({
        message: `150 ms after SIGTERM the checker opened a new connection and it was ${probe.error ? 'accepted but never answered' : `served: ${describe(probe)}`}. A stopping process should stop taking work so the load balancer sends it elsewhere.`,
        expected: 'the connection refused (ECONNREFUSED)',
        actual: describe(probe),
        hints: ['Call server.close() as soon as SIGTERM arrives: it stops listening at once while requests in flight carry on.', 'Waiting a fixed time before exiting keeps the door open to new visitors the whole time.'],
      });
    }
    return `150 ms after SIGTERM a new connection got ${probe.error}: the app stopped taking new work.`;
  },

  'exits-promptly': async (t) => {
    const { exit, exitMs, app } = await shutdown(t);
    if (!exit || exit.code !== 0) {
      throw t.fail({
        message: exit
          ? `After SIGTERM the app ${describeExit(exit)}. A platform reads that as a crash${exit.signal ? ': the signal killed it because nothing handled it' : ''}.`
          : `The app was still running ${GRACE_MS / 1000} s after SIGTERM, long after its last request finished. Something keeps Node's event loop alive, and the platform will have to kill it.`,
        expected: `exit code 0 within ${GRACE_MS / 1000} s of SIGTERM`,
        actual: exit ? describeExit(exit) : `still running; last output:\n${app.lastOutput(3) || '(none)'}`,
        hints: exit
          ? ['Exit with code 0 once the server has closed and Redis has quit.']
          : ['An open Redis connection keeps the process alive: call await redis.quit() after server.close() finishes.', 'Timers (setInterval) keep it alive too; clear them when shutting down.'],
      });
    }
    return `The app exited with code 0, ${exitMs} ms after SIGTERM (the request in flight needed ${SLOW_MS - SIGTERM_AFTER_MS} ms more).`;
  },

  'closes-redis': async (t) => {
    const { watcher, exit } = await shutdown(t);
    if (!watcher.sawQuit()) {
      throw t.fail({
        message: `The checker watched the app's ${watcher.connections.length} Redis connection${watcher.connections.length === 1 ? '' : 's'}: ${exit ? 'the app exited' : 'the app kept running'} without sending QUIT, so Redis is left with a half-open connection and any command still queued is lost.`,
        expected: 'QUIT sent on the Redis connection before the process exits',
        actual: `commands seen: ${[...new Set(watcher.connections.flatMap((c) => c.commands))].join(', ') || 'none'}`,
        hints: ['After server.close() has called back, await redis.quit(): it waits for pending replies, then says goodbye to Redis.', 'Calling process.exit() straight away skips that; exit after quit() resolves.'],
      });
    }
    return 'The app sent QUIT to Redis before exiting.';
  },
});
