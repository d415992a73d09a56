// The checker's Redis when REDIS_URL points at a real redis-server: a secured() Redis keeps its data in a
// database borrowed for it alone, apart from t.redis, so a lab can tell "counted in A" from "counted in B".
// Runs where Debian's redis-server is installed; skipped elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    child = spawn(server, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
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
});
