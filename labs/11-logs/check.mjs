// Checks for factor XI, Logs: the app writes its log as a stream of events, one JSON object per line on
// stdout, each as it happens, and keeps no log files of its own. The checker runs the app, sends it
// requests (a 404, a slow one, one while Redis is down), reads its stdout and compares the workspace's
// files before and after.
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLab, request, describe, describeExit, randomWord, sleep, AppExited } from '../_kit/index.mjs';
import { explainStrays, field, levelOf, pairUp, problemsWith, readStream, sameRequest } from './events.mjs';

const READY_MS = 3000;
/** How soon after its answer a request's line must be on stdout. */
const LINE_MS = 300;
/** How long the checker keeps waiting for a late line, to say how late it was. */
const LATE_MS = 1000;
/** How far an event's time may lie outside its request, by the checker's clock. */
const CLOCK_MS = 1000;
/** How much longer than the checker measured a logged duration may be. */
const DURATION_SLACK_MS = 200;

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Starts the app and waits until it listens; a TCP connect, not a request, so no request gets logged. */
async function startListening(t, env, label) {
  const app = t.start({ env, label });
  const port = Number(env.PORT);
  if (!(await app.waitForPort(port, READY_MS))) {
    throw t.fail({
      message: `Started the app with PORT=${port}; after ${t.bound(READY_MS)} nothing listened on port ${port}, so there were no requests to log.`,
      expected: `a server on port ${port}`,
      actual: app.lastOutput(4) || '(the app printed nothing)',
      hints: ['Press Run and read what the app prints.'],
      summary: 'the app never listened on the port given in PORT',
    });
  }
  return app;
}

/** Sends one request and records it with both clocks: performance.now() for delays, Date.now() for `time`. */
async function send(t, port, path, extra = {}) {
  const sentWall = Date.now();
  const sentAt = performance.now();
  const response = await request(port, path, { timeout: 5000 });
  const doneAt = performance.now();
  const req = { method: 'GET', path, ...extra, status: response.status, error: response.error, response, sentAt, sentWall, doneAt, doneWall: Date.now(), ms: doneAt - sentAt };
  t.log(`GET ${path}${extra.outage ? ' (Redis down)' : ''}: ${describe(response)} in ${Math.round(req.ms)} ms`);
  return req;
}

/** The request, if it got an HTTP answer; otherwise the check cannot time its event. */
function answered(t, app, req) {
  if (!app.running) throw new AppExited(app, 'while the checker was sending requests');
  if (req.error) {
    throw t.fail({
      message: `Sent GET ${req.path} to the app; it got ${describe(req.response)}, so there was no answer to time its event against.`,
      expected: 'a 200 answer',
      actual: app.lastOutput(4) || '(the app printed nothing)',
      hints: ['Press Run, open the app and read what it prints.'],
    });
  }
  return req;
}

const label = (req) => `GET ${req.path}${req.outage ? ' while Redis was down' : ''}${req.status ? ` (${req.status})` : ''}`;

/**
 * The run two checks share: snapshot the workspace, start the app, send visits, 404s, a slow request
 * and one while Redis is down (the watcher refuses connections), stop the app, snapshot again.
 */
function traffic(t) {
  return t.once('traffic', async () => {
    const watcher = await t.redis.watch();
    // The app's temporary folder and home are empty folders of the checker's, so a log moved out of the
    // app folder (to os.tmpdir() or ~/) shows up too.
    const scratch = mkdtempSync(join(tmpdir(), 'logs-check-'));
    const elsewhere = { TMPDIR: join(scratch, 'tmp'), HOME: join(scratch, 'home') };
    for (const dir of Object.values(elsewhere)) mkdirSync(dir);
    try {
      return await sendTraffic(t, watcher, await t.env({ REDIS_URL: watcher.url, ...elsewhere }), scratch);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}

async function sendTraffic(t, watcher, env, scratch) {
  const before = t.snapshot();
  const app = await startListening(t, env, 'the app');
  const port = Number(env.PORT);

  const slowMs = randomInt(400, 700);
  const fast = [
    ...Array.from({ length: randomInt(2, 4) }, () => ({ path: '/' })),
    ...Array.from({ length: randomInt(1, 3) }, () => ({ path: `/${randomWord()}` })),
  ].sort(() => Math.random() - 0.5);
  // The slow request runs alongside the others, so the run stays short; it counts a visit once its slow
  // part is done, so Redis goes down only after it has answered.
  const slow = send(t, port, `/slow?ms=${slowMs}`, { slowMs });
  const requests = [];
  for (const { path } of fast) requests.push(await send(t, port, path));
  requests.push(await slow);
  await watcher.pause();
  t.log('Redis is down now (the checker refuses its connections)');
  requests.push(await send(t, port, '/', { outage: true }));
  await watcher.resume();
  t.log(`sent ${requests.length} requests; Redis is back`);

  // Give late lines a moment, then stop the app the way a platform does, so a logger that writes at
  // exit has written; the unbuffered check judges timing, this run only what ends up on stdout.
  const until = performance.now() + t.budget(400);
  while (performance.now() < until && readStream(app, 'stdout').requestEvents.length < requests.length && app.running) await sleep(20);
  // Compared twice: a log file the app removes when it stops was still a log file.
  const whileRunning = t.changedSince(before);
  const crashed = app.running ? undefined : app.exit;
  await app.stop(2000);
  await app.exited;
  const afterStop = t.changedSince(before);
  const outside = filesUnder(scratch).map((file) => `${file.replace(/^tmp\//, '$TMPDIR/').replace(/^home\//, '~/')}: created (${statSync(join(scratch, file)).size} bytes)`);
  return { app, requests, slowMs, crashed, changes: [whileRunning, afterStop], outside };
}

/** Every file below `dir`, as a relative path with forward slashes (a plain walk: any Node, WebContainer's too). */
function filesUnder(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(dir, path) : entry.isFile() ? [path] : [];
  });
}

/** "logs/app.log: created (1030 bytes)", for each file that changed in any of `changes`. */
function describeChanges(t, changes) {
  const seen = new Map();
  for (const change of changes) {
    for (const kind of ['created', 'modified', 'deleted']) for (const path of change[kind]) if (!seen.has(path)) seen.set(path, kind);
  }
  return [...seen].map(([path, kind]) => {
    const size = statSync(join(t.workspace, path), { throwIfNoEntry: false })?.size;
    return `${path}: ${kind === 'modified' ? 'changed' : kind === 'deleted' ? 'removed' : 'created'}${size !== undefined ? ` (${size} bytes now)` : kind === 'created' ? ', then removed' : ''}`;
  });
}

await runLab(new URL('./lab.json', import.meta.url), {
  'no-log-files': async (t) => {
    const run = await traffic(t);
    const listed = [...describeChanges(t, run.changes), ...run.outside];
    if (listed.length) {
      throw t.fail({
        message: `Started the app, sent it ${plural(run.requests.length, 'request')} and stopped it; ${listed.length === 1 ? 'a file' : `${listed.length} files`} changed in ${run.outside.length ? 'its folder, its temporary folder or its home folder' : 'its folder'}. On a platform those folders are thrown away with the container, are read-only, or are not shared by the other copies of the app: the log would be lost, break the app, or end up in pieces.`,
        expected: 'no file created, changed or removed by the app',
        actual: listed.join('\n'),
        hints: [
          'Remove the file writing from logger.js (appendFileSync, createWriteStream, mkdirSync, renameSync) and write each event to stdout instead.',
          'Rotation, retention and shipping are the platform\'s job: on your laptop, `node app.js > my.log` makes a file if you want one.',
        ],
      });
    }
    return `Started the app, sent it ${plural(run.requests.length, 'request')} and stopped it: no file in its folder was created, changed or removed, and none appeared in its temporary or home folder.`;
  },

  'event-per-request': async (t) => {
    const run = await traffic(t);
    const { app, requests } = run;
    if (run.crashed) throw new AppExited(app, 'while the checker was sending requests');
    const unanswered = requests.filter((r) => r.error);
    if (unanswered.length) {
      throw t.fail({
        message: `Sent ${plural(requests.length, 'request')}; ${unanswered.map((r) => `${label(r)} got ${describe(r.response)}`).join(', ')}. Every request needs an answer before its event can be judged.`,
        expected: 'an HTTP answer to every request (500 while Redis is down)',
        actual: app.lastOutput(6) || '(the app printed nothing)',
        hints: ['Keep server.js\'s catch: it answers 500 when counting fails, so a Redis outage is one failed request, not a hung one.'],
      });
    }
    const stdout = readStream(app, 'stdout');
    const stderr = readStream(app, 'stderr');
    if (stdout.strays.length) {
      const { what, hint, shown } = explainStrays(stdout.strays);
      throw t.fail({
        message: `Sent ${plural(requests.length, 'request')} and read the app's stdout as a log pipeline does, one event per line: ${stdout.requestEvents.length === 0 ? 'not one line was a request event, and ' : ''}${plural(stdout.strays.length, 'line was', 'lines were')} not ${stdout.strays.length === 1 ? 'a JSON object' : 'JSON objects'} but ${what}.`,
        expected: 'every line on stdout a JSON object, one event per line',
        actual: shown,
        hints: [hint, ...(stdout.requestEvents.length === 0 ? ["Log each request to stdout from server.js, with res.on('finish', …), rather than to a file."] : []), 'The startup banner counts too: log it as an event, or leave it out.'],
      });
    }
    const { pairs, missing, extra } = pairUp(requests, stdout.requestEvents);
    if (missing.length || extra.length) {
      const onStderr = pairUp(missing, stderr.requestEvents).pairs.map((p) => p.req);
      const lines = [
        ...missing.map((r) => `${label(r)}: ${onStderr.includes(r) ? 'its event went to stderr, not stdout' : 'no event'}`),
        ...extra.map((e) => {
          const twin = requests.find((r) => sameRequest(r, e.event));
          return `${twin ? `${label(twin)}: a second event` : 'an event for no request the checker sent'}: ${e.text.length > 140 ? `${e.text.slice(0, 137)}…` : e.text}`;
        }),
      ];
      const only2xx = missing.length && missing.every((r) => r.status >= 400) && pairs.every((p) => p.req.status < 400);
      throw t.fail({
        message: `Sent ${plural(requests.length, 'request')} (${requests.map(label).join(', ')}); stdout held ${plural(stdout.requestEvents.length, 'request event')}${stdout.requestEvents.length === 0 && stdout.events.length === 0 ? ' and no events at all' : ''}. ${
          only2xx ? 'Only the successful ones were logged, yet the failures are the requests someone will search the log for.'
          : extra.length && !missing.length ? 'Some requests were logged more than once; counting requests or errors from the log would be wrong.'
          : onStderr.length ? 'Events on stderr travel a second pipe: the platform interleaves the two as it likes, so the stream loses its order.' : ''}`.trim(),
        expected: `exactly ${plural(requests.length, 'request event')} on stdout, one per request`,
        actual: lines.join('\n'),
        hints: [
          'Log every request once, when its answer has gone out: res.on(\'finish\', …) in server.js sees the final status, whatever the route did.',
          ...(onStderr.length ? ['Write errors to stdout too, at level "error": one stream, in order.'] : []),
          ...(extra.length ? ['If the catch block logs the error, do not log the same request again on finish: put the error into that one event.'] : []),
        ],
      });
    }
    const tolerance = { clockMs: t.budget(CLOCK_MS), durationMs: t.budget(DURATION_SLACK_MS) };
    const wrong = pairs.map((pair) => ({ pair, problems: problemsWith(pair, tolerance) })).filter((w) => w.problems.length);
    if (wrong.length) {
      throw t.fail({
        message: `Sent ${plural(requests.length, 'request')} and found one JSON event per request on stdout, but ${wrong.length === pairs.length ? 'every one' : plural(wrong.length, 'event')} ${wrong.length === 1 ? 'has' : 'have'} fields that are missing or do not match what happened.`,
        expected: 'each request event with time (ISO-8601, now), level ("error" for a failed request), msg, method, path, status and duration in milliseconds, as the checker saw the request',
        actual: wrong.slice(0, 4).map(({ pair, problems }) => `${label(pair.req)}: ${problems.join('; ')}\n  ${pair.text.length > 160 ? `${pair.text.slice(0, 157)}…` : pair.text}`).join('\n'),
        hints: [
          'Write the event in res.on(\'finish\', …): res.statusCode is final there, and performance.now() minus the start gives the duration.',
          'time: new Date().toISOString(); level: "error" when the status is 500 or more.',
        ],
      });
    }
    const slow = pairs.find((p) => p.req.slowMs);
    const failed = pairs.find((p) => p.req.outage);
    return `Sent ${plural(requests.length, 'request')} (${requests.map(label).join(', ')}): stdout held exactly one JSON event for each, with the right method, path and status; the ${run.slowMs} ms request logged a duration of ${field(slow.event, 'duration')?.value} ms, and the one during the outage was logged at level "${levelOf(failed.event)}".`;
  },

  unbuffered: async (t) => {
    const env = await t.env();
    const app = await startListening(t, env, 'the app');
    const port = Number(env.PORT);
    const countNow = () => readStream(app, 'stdout').requestEvents.length;
    const arrival = async (k, from, until) => {
      while (performance.now() < until && app.running) {
        if (countNow() >= k) return Math.max(0, performance.now() - from);
        await sleep(5);
      }
      return countNow() >= k ? Math.max(0, performance.now() - from) : undefined;
    };

    // One request at a time: each line must be on stdout within a short budget of its answer.
    const lineMs = t.budget(LINE_MS);
    // Plain visits only: whether every kind of request gets an event is the previous check's question.
    const paths = Array.from({ length: randomInt(3, 6) }, () => `/?visitor=${randomWord()}`);
    const delays = [];
    for (const [i, path] of paths.entries()) {
      const req = await answered(t, app, await send(t, port, path));
      const delay = await arrival(i + 1, req.doneAt, req.doneAt + lineMs);
      if (delay !== undefined) {
        delays.push(delay);
        continue;
      }
      const late = await arrival(i + 1, req.doneAt, req.doneAt + t.budget(LATE_MS));
      let when = late !== undefined ? `${(late / 1000).toFixed(1)} s after the answer` : undefined;
      if (when === undefined) {
        await app.stop(2000);
        await app.exited;
        if (countNow() >= i + 1) when = 'only when the app was stopped';
        else if (countNow() === 0) throw t.notRun('the app wrote no request events to stdout, even when it was stopped, so there was nothing to time', 'event-per-request');
      }
      throw t.fail({
        message: `${i === 0 ? 'Sent a request and watched stdout after its answer' : `Sent ${i + 1} requests one at a time and watched stdout after each answer`}. The event for ${i === 0 ? 'it' : `request ${i + 1}`} (GET ${path}) appeared ${when ?? 'not at all, even when the app was stopped'}. Lines held back in the app show up late in a live tail, and are lost for good when the process is killed.`,
        expected: `each request's line on stdout at most ${t.bound(LINE_MS)} after its answer`,
        actual: when ? `appeared ${when}` : 'never appeared',
        hints: ['Write each event as it happens with process.stdout.write(line + "\\n") or console.log(line); do not collect lines in an array or flush them on a timer.'],
      });
    }

    // Several requests at once, then SIGKILL: a kill gives the app no chance to flush, so only lines
    // that were really written survive it.
    const burst = Array.from({ length: randomInt(3, 7) }, () => `/?visitor=${randomWord()}`);
    const done = await Promise.all(burst.map(async (path) => answered(t, app, await send(t, port, path))));
    await sleep(t.budget(100));
    const killedAfter = Math.round(performance.now() - Math.max(...done.map((r) => r.doneAt)));
    await app.kill();
    await app.exited;
    const total = paths.length + burst.length;
    const have = countNow();
    if (have < total) {
      throw t.fail({
        message: `Sent ${plural(burst.length, 'request')} at once, got every answer, and ${killedAfter} ms later killed the app with SIGKILL, as an out-of-memory killer or a crashed machine would. Only ${have} of the ${total} request events had reached stdout; the rest were still inside the app and died with it.`,
        expected: `all ${total} request events on stdout after the kill`,
        actual: `${have} of ${total}; the app ${describeExit(app.exit)}`,
        hints: ['Write each event to stdout the moment it happens; a buffer flushed on exit never runs when the process is killed.'],
      });
    }
    return `Sent ${plural(paths.length, 'request')} one at a time: each event was on stdout ${Math.round(Math.max(...delays))} ms or less after its answer, within the limit of ${t.bound(LINE_MS)}. Then sent ${burst.length} at once and killed the app with SIGKILL ${killedAfter} ms after the last answer: all ${total} events were already on stdout.`;
  },
});
