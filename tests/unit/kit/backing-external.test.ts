// The checker's Redis when REDIS_URL points at a real redis-server: a secured() Redis keeps its data in a
// database borrowed for it alone, apart from t.redis, so a lab can tell "counted in A" from "counted in B".
// Runs where Debian's redis-server is installed; skipped elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { openBacking } from '../../../labs/_kit/backing.mjs';
import { freePort, sleep } from '../../../labs/_kit/util.mjs';

const server = spawnSync('sh', ['-c', 'command -v redis-server']).stdout.toString().trim();
const Redis = createRequire(import.meta.url)('ioredis');

describe.skipIf(!server)('the checker Redis on a real redis-server', () => {
  let child: ChildProcess;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backing-external-'));
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    child = spawn(server, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--databases', '20', '--dir', dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      const up = await probe.connect().then(() => true, () => false);
      probe.disconnect();
      if (up) return;
      await sleep(50);
    }
    throw new Error('redis-server did not start');
  }, 15_000);

  afterAll(async () => {
    child?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('secured() borrows a database of its own: what the app counts through it stays out of t.redis', async () => {
    const backing = await openBacking(url);
    try {
      const secured = await backing.secured({ password: 'pw-0123456789abcdef', db: 5 });
      const gate = await secured.watch();
      const app = new Redis(gate.url, { maxRetriesPerRequest: 1 });
      expect(await app.incr('hits')).toBe(1);
      app.disconnect();
      expect(await secured.entries()).toEqual([{ key: 'hits', type: 'string', value: '1' }]);
      expect(await backing.entries()).toEqual([]);

      await backing.client.set('hits', '42');
      expect(await secured.client.get('hits')).toBe('1');

      await backing.reset();
      expect(await secured.entries()).toEqual([]);
      expect(await secured.keys()).toEqual([]);
    } finally {
      await backing.close();
    }
  });

  const LOCK = 'twelve-factor-labs:checker-lock';
  const inDb = (db: number) => new Redis(url, { db, maxRetriesPerRequest: 1 });
  /** A pid that belonged to a process which has ended. */
  const deadPid = () => {
    const done = spawnSync(process.execPath, ['-e', '0']);
    return done.pid as number;
  };

  it('borrows from every database the server has, never one holding data or a live checker\'s lock, and takes back one whose checker died', async () => {
    const clients = Array.from({ length: 20 }, (_, db) => inDb(db));
    try {
      // Databases 1–17 hold someone's data; 18 is locked by a live checker (this process); 19 by one whose process ended.
      for (let db = 1; db <= 17; db++) await clients[db]!.set('someone:data', String(db));
      await clients[18]!.set(LOCK, JSON.stringify({ host: hostname(), pid: process.pid, at: Date.now() }));
      await clients[19]!.set(LOCK, JSON.stringify({ host: hostname(), pid: deadPid(), at: Date.now() }));
      await clients[19]!.set('left:behind', 'by the dead checker');

      const first = await openBacking(url);
      const second = await openBacking(url);
      try {
        const dbOf = (b: { url: string }) => Number(new URL(b.url).pathname.slice(1));
        expect(dbOf(first)).toBe(19);
        expect(await first.entries()).toEqual([]);
        expect(dbOf(second)).toBe(0);
        await expect(openBacking(url)).rejects.toThrow(/no database free for the checker: all 20 hold data or another running checker's lock.*--databases/);
        for (let db = 1; db <= 17; db++) expect(await clients[db]!.get('someone:data')).toBe(String(db));
        expect(JSON.parse((await clients[18]!.get(LOCK))!).pid).toBe(process.pid);
      } finally {
        await first.close();
        await second.close();
      }
      expect(await clients[19]!.dbsize()).toBe(0);
      expect(await clients[0]!.dbsize()).toBe(0);
    } finally {
      for (const client of clients) {
        await client.flushdb();
        client.disconnect();
      }
    }
  });

  it('a lock nobody renewed for minutes is stale even when its process may be alive elsewhere', async () => {
    const filler = Array.from({ length: 20 }, (_, db) => inDb(db));
    try {
      for (let db = 0; db < 20; db++) if (db !== 7) await filler[db]!.set('someone:data', 'x');
      await filler[7]!.set(LOCK, JSON.stringify({ host: 'another-machine', pid: 1, at: Date.now() - 10 * 60_000 }));
      const backing = await openBacking(url);
      try {
        expect(new URL(backing.url).pathname).toBe('/7');
      } finally {
        await backing.close();
      }
      await filler[7]!.set(LOCK, JSON.stringify({ host: 'another-machine', pid: 1, at: Date.now() }));
      await expect(openBacking(url)).rejects.toThrow(/no database free/);
    } finally {
      for (const client of filler) {
        await client.flushdb();
        client.disconnect();
      }
    }
  });
});
