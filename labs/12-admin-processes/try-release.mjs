// The lab's "Try a release by hand" task: plays one release of the visitor counter with your code, step by
// step, and prints what each step did to the data. Old data is waiting; the new web processes start; the
// migration runs (twice, as a retried deploy step would); a visitor counts; someone resets the count.
// It uses REDIS_URL when the environment gives one, else an embedded Redis of its own, and keeps its keys
// under KEY_PREFIX "try-release:", so it works the same in every runtime and touches nothing else.
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { resolveCommand } from '../_kit/commands.mjs';
import { startRedisServer } from '../_kit/redis-server.mjs';
import { canConnect, eachLine, freePort, sleep } from '../_kit/util.mjs';

const PREFIX = 'try-release:';
const ONE_OFF_MS = 20_000;
const embedded = process.env.REDIS_URL ? undefined : await startRedisServer();
const url = process.env.REDIS_URL || embedded.url;
const redis = new Redis(url, { maxRetriesPerRequest: 1 });
const env = { ...process.env, REDIS_URL: url, KEY_PREFIX: PREFIX };
const running = new Set();

/** Starts a command of the app (`npm run x` read from package.json), printing its output indented. */
function start(command, label, extra = {}) {
  let resolved;
  try {
    resolved = resolveCommand(command, process.cwd(), env);
  } catch (error) {
    console.log(`   ${error.message}`);
    return { exited: Promise.resolve({ code: null, missing: true }) };
  }
  const child = spawn(resolved.program, resolved.args, { env: { ...env, ...resolved.env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  for (const stream of [child.stdout, child.stderr]) eachLine(stream, (line) => line.trim() && console.log(`   [${label}] ${line}`));
  const exited = new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  }).finally(() => running.delete(child));
  return { child, exited };
}

async function stop(proc) {
  if (!proc.child || proc.child.exitCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 3000);
  await proc.exited;
  clearTimeout(timer);
}

async function oneOff(name) {
  console.log(`\n$ npm run ${name}`);
  const began = performance.now();
  const proc = start(`npm run ${name}`, name);
  const timer = setTimeout(() => proc.child?.kill('SIGKILL'), ONE_OFF_MS);
  const exit = await proc.exited;
  clearTimeout(timer);
  const ms = Math.round(performance.now() - began);
  if (exit.missing) return;
  if (exit.signal === 'SIGKILL') console.log(`   → still running after ${ONE_OFF_MS / 1000} s, so it was stopped. Does it close its Redis connection?`);
  else console.log(`   → exited with code ${exit.code ?? exit.signal} after ${ms} ms${exit.code === 0 ? '' : ': the task failed'}`);
}

async function web(label) {
  const port = await freePort();
  const proc = start('node app.js', label, { PORT: String(port) });
  let exited = false;
  proc.exited.then(() => (exited = true));
  const deadline = performance.now() + 10_000;
  while (!exited && performance.now() < deadline && !(await canConnect(port))) await sleep(50);
  return { ...proc, port, label };
}

async function ask(server, path, method = 'GET') {
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
    console.log(`   ${method} ${path} on ${server.label} → ${response.status} ${(await response.text()).trim()}`);
  } catch (error) {
    console.log(`   ${method} ${path} on ${server.label} → no answer (${error.cause?.code ?? error.message})`);
  }
}

async function show() {
  const keys = (await redis.keys(`${PREFIX}*`)).sort();
  if (keys.length === 0) console.log('   Redis: (no keys)');
  for (const key of keys) {
    const type = await redis.type(key);
    const value = type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : JSON.stringify(await redis.get(key));
    console.log(`   Redis: ${key} = ${value}`);
  }
}

async function oldData() {
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length) await redis.del(keys);
  await redis.set(`${PREFIX}hits`, '40');
}

try {
  console.log(`Trying a release with your code, on ${embedded ? 'an embedded Redis of its own' : 'the Redis in REDIS_URL'}, KEY_PREFIX=${PREFIX}`);

  console.log('\n1. Before the release, the data is in the old format (version 1): 40 visits in "hits".');
  await oldData();
  await show();

  console.log('\n2. A deploy starts two web processes at once. Neither should touch the data yet.');
  const pair = [await web('web 1'), await web('web 2')];
  await sleep(300);
  await show();
  await Promise.all(pair.map(stop));

  console.log('\n3. The release step runs the migration once, then again, as a retried deploy step would.');
  await oldData();
  await oneOff('migrate');
  await show();
  await oneOff('migrate');
  await show();

  console.log('\n4. The new web process serves visitors.');
  const site = await web('web');
  await ask(site, '/');
  await ask(site, '/');

  console.log('\n5. Someone finds /admin/reset. It should not exist.');
  await ask(site, '/admin/reset');
  await ask(site, '/admin/reset', 'POST');

  console.log('\n6. The count is reset the right way: a one-off process, with the same config.');
  await oneOff('reset');
  await show();
  await ask(site, '/');
  await stop(site);
  console.log('\nDone. Compare each step with what the chapter says should happen.');
} finally {
  await Promise.all([...running].map((child) => stop({ child, exited: new Promise((r) => child.once('exit', r)) })));
  redis.disconnect();
  await embedded?.close();
}
