// Checks for factor VI, Processes: the app is stateless and shares nothing between requests except
// through Redis, so two instances count together and a restart loses nothing. Each instance runs on its
// own copy of the app folder (its own "machine"), so state kept on the local disk is not shared either.
import { runLab, request, describe } from '../_kit/index.mjs';

const SEQUENTIAL = 10, BURST = 30;

/** Reads "Visits so far: 7 (3 of them yours)" as { total: 7, yours: 3 } (the first two numbers). */
const counts = (response) => (([total, yours]) => ({ total, yours }))((response.body.match(/\d+/g) ?? []).map(Number));

const start = async (t, name) => t.startReady({ env: await t.env({ GREETING: 'Hello' }), label: `instance ${name}`, instance: name, path: '/health' });

/**
 * One scenario for all checks: instances A and B on the checker's Redis; 10 requests from one visitor
 * alternating A, B, A, …; a burst of concurrent requests spread over both; then both stop and a fresh
 * instance C answers the same visitor once more.
 */
const cluster = (t) => t.once('cluster', async () => {
  const [a, b] = await Promise.all([start(t, 'A'), start(t, 'B')]);
  const sequential = [];
  let cookie;
  for (let i = 0; i < SEQUENTIAL; i++) {
    const { app, port } = i % 2 === 0 ? a : b;
    const response = await request(port, '/', { headers: cookie ? { cookie } : {}, timeout: t.budget(5000) });
    cookie ??= response.headers['set-cookie']?.[0]?.split(';')[0];
    if (response.status !== 200) throw t.fail({
      message: `Request ${i + 1} (to ${app.label}) got ${describe(response)}.`, expected: '200 with the counts', actual: app.lastOutput(3) || describe(response),
      hints: ['Press Run and open the app; the error it logs tells you what broke.'], summary: `${app.label} answered request ${i + 1} with ${response.status ?? response.error}`,
    });
    sequential.push(counts(response));
  }
  t.log(`alternating A/B with one visitor: totals ${list(sequential.map((s) => s.total))}; theirs ${list(sequential.map((s) => s.yours))}`);
  const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => request((i % 2 ? b : a).port, '/', { timeout: t.budget(5000) })));
  const burstTotals = burst.map((r) => counts(r).total);
  t.log(`${BURST} concurrent requests over A and B: totals ${[...burstTotals].sort((x, y) => x - y).join(', ')}`);
  await Promise.all([a.app.stop(), b.app.stop()]);
  const c = await start(t, 'C');
  const after = await request(c.port, '/', { headers: cookie ? { cookie } : {}, timeout: t.budget(5000) });
  t.log(`stopped A and B; a fresh instance C got ${describe(after)}`);
  return { sequential, burst, burstTotals, after: { response: after, ...counts(after) }, cookie };
});

const list = (values) => values.map((v) => (Number.isNaN(v) || v === undefined ? '?' : v)).join(', ');
/** Sorted counts with repeats folded: "11 (2 times), 12". */
const tally = (sorted) => [...Map.groupBy(sorted, (v) => v)].map(([v, all]) => (all.length > 1 ? `${list([v])} (${all.length} times)` : list([v]))).join(', ');

await runLab(new URL('./lab.json', import.meta.url), {
  'shared-count': async (t) => {
    const { sequential, burst, burstTotals } = await cluster(t);
    const totals = sequential.map((s) => s.total);
    const expected = totals.map((_, i) => i + 1);
    if (totals.some((total, i) => total !== expected[i])) throw t.fail({
      message: `Sent ${SEQUENTIAL} requests alternating between two instances (A, B, A, …); the counts were ${list(totals)}.${totals.some((v, i) => totals.indexOf(v) !== i) ? ' Numbers repeat: each instance keeps its own count, in its memory or on its own disk (each instance runs in its own copy of the app folder, with its own TMPDIR and HOME, as on separate machines).' : ''}`,
      expected: list(expected), actual: list(totals),
      hints: ['Keep the count in Redis, not in a variable or a file: every instance then reads and writes the same number.', "Use Redis's INCR, which increments and returns the new value in one step."],
    });
    const failed = burst.filter((r) => r.status !== 200);
    const sorted = [...burstTotals].sort((x, y) => x - y);
    const distinct = new Set(sorted).size;
    if (failed.length || sorted.some((v, i) => v !== SEQUENTIAL + i + 1)) throw t.fail({
      message: `Sequential requests counted correctly, but ${BURST} requests sent at the same time to both instances ${failed.length ? `got ${failed.length} errors (e.g. ${describe(failed[0])})` : `came back with ${distinct < BURST ? `only ${distinct} different counts: ${BURST - distinct} visits were lost when two requests counted at once` : 'gaps in the counts'}`}.`,
      expected: `every count from ${SEQUENTIAL + 1} to ${SEQUENTIAL + BURST} exactly once`, actual: tally(sorted),
      hints: ['Reading the count, adding one and writing it back is a race between processes. Let Redis do it atomically with INCR (redis.incr).'],
    });
    return `Alternating requests counted ${list(totals)}; ${BURST} concurrent requests over both instances counted ${SEQUENTIAL + 1}…${SEQUENTIAL + BURST} with no repeats.`;
  },

  'survives-restart': async (t) => {
    const { after } = await cluster(t);
    const want = SEQUENTIAL + BURST + 1;
    if (after.response.status !== 200 || after.total !== want) throw t.fail({
      message: `After ${SEQUENTIAL + BURST} visits the checker stopped both instances and started a new one; its first answer was ${describe(after.response)}.`,
      expected: `a total of ${want}`, actual: after.response.status === 200 ? `a total of ${after.total}` : describe(after.response),
      hints: ['A new process must find the count where the old ones left it: in Redis.', 'Do not reset or reload the count when the app starts; a deploy restarts every process.'],
    });
    return `Stopped both instances after ${SEQUENTIAL + BURST} visits; a fresh instance answered with total ${after.total}.`;
  },

  'visitor-state-shared': async (t) => {
    const { sequential, after, cookie } = await cluster(t);
    if (!cookie) throw t.fail({
      message: 'The first answer set no "visitor" cookie, so the checker could not come back as the same visitor.',
      expected: 'a Set-Cookie: visitor=… header on the first visit', actual: 'no Set-Cookie header', hints: ['Keep the visitorId() function in server.js that sets the cookie.'],
    });
    const [yours, expected] = [sequential.map((s) => s.yours), sequential.map((_, i) => i + 1)];
    if (yours.some((v, i) => v !== expected[i]) || after.yours !== SEQUENTIAL + 1) throw t.fail({
      message: `One visitor (same cookie) made ${SEQUENTIAL} visits alternating between instances A and B, then one to a fresh instance C; the app counted their visits as ${list(yours)}, then ${after.yours ?? '?'}.`,
      expected: `${list(expected)}, then ${SEQUENTIAL + 1}`, actual: `${list(yours)}, then ${after.yours ?? '?'}`,
      hints: ["A visitor's own count is state too: keep it in Redis (e.g. HINCRBY on a hash keyed by visitor id), not in a Map in memory.", 'Sticky sessions would only hide this until an instance restarts.'],
    });
    return `One visitor's own count went ${list(yours)} across A and B, and ${after.yours} on a fresh instance C.`;
  },
});
