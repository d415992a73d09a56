import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'node:net';
import Redis from 'ioredis';
import { startRedisServer } from '../../../labs/_kit/redis-server.mjs';

const run = promisify(execFile);
let server: { url: string; port: number; close(): Promise<void> };

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server.close());

/** Sends raw RESP and resolves with the first reply bytes. */
function raw(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(payload));
    socket.setTimeout(2000, () => reject(new Error('no reply within 2 s')));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.on('error', reject);
  });
}

describe('embedded Redis', () => {
  it('is shared by separate processes: three processes with real ioredis INCR one counter to 3', async () => {
    const script = `const Redis = require('ioredis'); const r = new Redis(process.argv[1]); r.incr('visits').then((n) => { console.log(n); return r.quit(); });`;
    const outputs = await Promise.all([1, 2, 3].map(() => run(process.execPath, ['-e', script, server.url], { cwd: process.cwd() })));
    expect(outputs.map((o) => Number(o.stdout.trim())).sort()).toEqual([1, 2, 3]);
    const client = new Redis(server.url);
    expect(await client.get('visits')).toBe('3');
    await client.quit();
  });

  it('answers 1,000 pipelined INCRs in order', async () => {
    const client = new Redis(server.url);
    const pipeline = client.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.incr('pipelined');
    const replies = await pipeline.exec();
    expect(replies?.map(([error, value]) => (error ? error.message : value))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    await client.quit();
  });

  it('returns a Redis-style error for an unknown command instead of hanging', async () => {
    expect(await raw(server.port, '*2\r\n$6\r\nFOOBAR\r\n$1\r\nx\r\n')).toBe("-ERR unknown command 'FOOBAR', with args beginning with: 'x'\r\n");
    const client = new Redis(server.url);
    await expect(client.call('NOSUCHTHING')).rejects.toThrow(/unknown command 'NOSUCHTHING'/);
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('closes the connection after QUIT and keeps databases apart', async () => {
    expect(await raw(server.port, '*1\r\n$4\r\nQUIT\r\n')).toBe('+OK\r\n');
    const zero = new Redis(server.url);
    const five = new Redis(`${server.url}/5`);
    await zero.set('k', 'zero');
    await five.set('k', 'five');
    expect([await zero.get('k'), await five.get('k')]).toEqual(['zero', 'five']);
    expect(await zero.multi().incr('t').incr('t').exec()).toEqual([[null, 1], [null, 2]]);
    await Promise.all([zero.quit(), five.quit()]);
  });

  it('starts in well under a second', async () => {
    const started = performance.now();
    const other = await startRedisServer();
    const ms = performance.now() - started;
    await other.close();
    expect(ms).toBeLessThan(300);
  });
});
