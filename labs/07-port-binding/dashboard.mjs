// A second app that uses the visitor counter as a backing service: it is given the counter's URL in
// COUNTER_URL, reads GET /count there, and prints the total. The URL is all it knows about the counter:
// no port number, no Redis, no shared files.
const given = process.env.COUNTER_URL;
const url = given || (process.env.PORT ? `http://localhost:${process.env.PORT}` : '');
const timeout = Number(process.env.DASHBOARD_TIMEOUT_MS) || 5000;
const say = (fields) => console.log(JSON.stringify({ app: 'dashboard', counter: url, ...fields }));

if (!url) {
  console.error('Set COUNTER_URL to the visitor counter\'s address, e.g. COUNTER_URL=http://localhost:3000');
  process.exit(2);
}
if (!given) console.log(`COUNTER_URL is not set, so the dashboard tries the lab's port: ${url}`);

let status;
let body = '';
try {
  const response = await fetch(new URL('/count', url), { signal: AbortSignal.timeout(timeout) });
  status = response.status;
  body = await response.text();
} catch (error) {
  say({ msg: 'could not reach the counter', error: error.cause?.code ?? error.name ?? String(error) });
  process.exit(1);
}

let count;
try {
  count = JSON.parse(body).count;
} catch {}
if (status !== 200 || typeof count !== 'number') {
  say({ msg: 'no count in the answer', status, body: body.slice(0, 200) });
  process.exit(1);
}
say({ msg: 'visitors so far', count });
