/**
 * npm run bench:redis — INCR throughput of the embedded Redis against Debian's redis-server, side by side
 * in one run: one command at a time (a round trip each, like the app's visits) and pipelined.
 * Each server runs in its own process; skipped with a note when redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import Redis from 'ioredis';

const SEQUENTIAL = 5_000;
const PIPELINED = 50_000;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Connects once the server accepts connections (it was just spawned). */
async function ready(url: string): Promise<Redis> {
  for (let attempt = 0; ; attempt++) {
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      client.disconnect();
      if (attempt > 150) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function measure(name: string, url: string): Promise<string[]> {
  const client = await ready(url);
  await client.del('bench');
  let started = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) await client.incr('bench');
  const sequential = SEQUENTIAL / ((performance.now() - started) / 1000);
  started = performance.now();
  const pipeline = client.pipeline();
  for (let i = 0; i < PIPELINED; i++) pipeline.incr('bench');
  await pipeline.exec();
  const pipelined = PIPELINED / ((performance.now() - started) / 1000);
  const final = await client.get('bench');
  if (final !== String(SEQUENTIAL + PIPELINED)) throw new Error(`${name}: expected ${SEQUENTIAL + PIPELINED}, got ${final}`);
  await client.quit();
  return [name, `${Math.round(sequential).toLocaleString('en')} /s`, `${Math.round(pipelined).toLocaleString('en')} /s`];
}

async function withServer(command: string, args: string[], run: () => Promise<string[]>): Promise<string[]> {
  const child: ChildProcess = spawn(command, args, { stdio: 'ignore' });
  try {
    return await run();
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const rows = [['server', `INCR one at a time (${SEQUENTIAL})`, `INCR pipelined (${PIPELINED})`]];
const embeddedPort = await freePort();
rows.push(await withServer(process.execPath, ['labs/_kit/redis-server.mjs', '--port', String(embeddedPort)], () => measure('embedded (ioredis-mock)', `redis://127.0.0.1:${embeddedPort}`)));
if (spawnSync('redis-server', ['--version']).status === 0) {
  const port = await freePort();
  rows.push(await withServer('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], () => measure('redis-server', `redis://127.0.0.1:${port}`)));
} else {
  rows.push(['redis-server', 'not installed', '—']);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('   '));
