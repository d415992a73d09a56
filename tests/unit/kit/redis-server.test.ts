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

  it('puts a queued SET inside EXEC as OK, as Redis does', async () => {
    const client = new Redis(server.url);
    expect(await client.multi().set('exec-ok', 'x').get('exec-ok').exec()).toEqual([[null, 'OK'], [null, 'x']]);
    await client.quit();
  });

  it('starts in well under a second', async () => {
    const started = performance.now();
    const other = await startRedisServer();
    const ms = performance.now() - started;
    await other.close();
    expect(ms).toBeLessThan(300);
  });
});

describe('embedded Redis: WATCH is per connection', () => {
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(server.url);
    clients.push(c);
    return c;
  };
  afterAll(() => Promise.all(clients.map((c) => c.quit())));

  it('aborts EXEC (null array) when another connection changed a watched key, and runs it when none did', async () => {
    const [a, b] = [client(), client()];
    await a.set('w1', '1');
    await a.watch('w1');
    await b.incr('w1');
    expect(await a.multi().set('w1', '10').exec()).toBeNull();
    expect(await a.get('w1')).toBe('2');
    await a.watch('w1');
    expect(await a.multi().set('w1', '10').exec()).toEqual([[null, 'OK']]);
    expect(await b.get('w1')).toBe('10');
    expect(await raw(server.port, '*2\r\n$5\r\nWATCH\r\n$1\r\nz\r\n*1\r\n$5\r\nMULTI\r\n')).toBe('+OK\r\n+OK\r\n');
  });

  it('sends the null array as *-1, the way redis-server does', async () => {
    const a = client();
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    socket.write('*2\r\n$5\r\nWATCH\r\n$2\r\nw2\r\n');
    await expect.poll(() => received).toBe('+OK\r\n');
    await a.set('w2', 'changed');
    socket.write('*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$2\r\nw3\r\n*1\r\n$4\r\nEXEC\r\n');
    await expect.poll(() => received).toBe('+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n');
    socket.destroy();
    expect(await a.get('w3')).toBeNull();
  });

  it("aborts when the watching connection itself changed the key, and forgets the watch after EXEC, DISCARD and UNWATCH", async () => {
    const [a, b] = [client(), client()];
    await a.watch('w4');
    await a.set('w4', 'mine');
    expect(await a.multi().incr('w5').exec()).toBeNull();
    // EXEC ended the watch: a later change by someone else no longer matters.
    await b.set('w4', 'theirs');
    expect(await a.multi().incr('w5').exec()).toEqual([[null, 1]]);
    await a.watch('w4');
    await a.multi({ pipeline: false });
    await a.discard();
    await b.set('w4', 'again');
    expect(await a.multi().incr('w5').exec()).toEqual([[null, 2]]);
    await a.watch('w4');
    await a.unwatch();
    await b.set('w4', 'and again');
    expect(await a.multi().incr('w5').exec()).toEqual([[null, 3]]);
  });

  it('ignores changes to other keys and to the same key name in another database', async () => {
    const a = client();
    const other = client();
    const five = new Redis(`${server.url}/5`);
    clients.push(five);
    await a.watch('w6');
    await other.set('w7', 'unrelated');
    await five.set('w6', 'db five');
    expect(await a.multi().set('w6', 'ok').exec()).toEqual([[null, 'OK']]);
  });

  it('counts a key written by a Lua script, deleted, flushed or expired as changed', async () => {
    const [a, b] = [client(), client()];
    const attempt = async (change: () => Promise<unknown>) => {
      await a.set('w8', '1');
      await a.watch('w8');
      await change();
      return a.multi().set('w8', 'tx').exec();
    };
    expect(await attempt(() => b.eval("return redis.call('INCR', KEYS[1])", 1, 'w8'))).toBeNull();
    expect(await attempt(() => b.del('w8'))).toBeNull();
    expect(await attempt(() => b.flushdb())).toBeNull();
    await a.set('w9', '1', 'PX', 30);
    await a.watch('w9');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await a.multi().set('w9', 'tx').exec()).toBeNull();
  });

  it('refuses WATCH inside MULTI without queueing it, and WATCH without keys, like redis-server 7', async () => {
    const a = client();
    await expect(a.call('WATCH')).rejects.toThrow(/wrong number of arguments for 'watch'/);
    const multiWatchExec = '*1\r\n$5\r\nMULTI\r\n*2\r\n$5\r\nWATCH\r\n$3\r\nw10\r\n*1\r\n$4\r\nEXEC\r\n';
    const socket = connect(server.port, '127.0.0.1', () => socket.write(multiWatchExec));
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    await expect.poll(() => received).toBe('+OK\r\n-ERR WATCH inside MULTI is not allowed\r\n*0\r\n');
    socket.destroy();
  });

  it('lets a textbook optimistic retry loop count every increment: each of 12 connections reads the same value, one EXEC wins, the rest retry', async () => {
    const racers = Array.from({ length: 12 }, () => client());
    const first = racers[0]!;
    await first.set('w11', '0');
    // Every racer WATCHes and reads before any of them writes, so exactly one first EXEC can succeed.
    const firstReads = await Promise.all(racers.map(async (r) => (await r.watch('w11'), Number(await r.get('w11')))));
    expect(new Set(firstReads)).toEqual(new Set([0]));
    const firstRound = await Promise.all(racers.map((r, i) => r.multi().set('w11', firstReads[i]! + 1).exec()));
    expect(firstRound.filter((reply) => reply !== null)).toHaveLength(1);
    let aborted = firstRound.filter((reply) => reply === null).length;
    const increment = async (r: Redis) => {
      for (;;) {
        await r.watch('w11');
        const next = Number(await r.get('w11')) + 1;
        if (await r.multi().set('w11', next).exec()) return;
        aborted++;
      }
    };
    await Promise.all(racers.slice(1).map(increment));
    await Promise.all(racers.map(async (r) => { for (let i = 0; i < 4; i++) await increment(r); }));
    expect(await first.get('w11')).toBe(String(1 + 11 + 12 * 4));
    expect(aborted).toBeGreaterThanOrEqual(11);
  });
});

describe('embedded Redis: blocking list pops block only their own connection', () => {
  let clients: Redis[] = [];
  const client = () => {
    const c = new Redis(server.url);
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    clients = [];
  });

  it('wakes one BLPOP/BRPOP waiter per pushed element while other clients keep working', async () => {
    const [a, b, pusher] = [client(), client(), client()];
    const first = a.blpop('jobs:block', 0);
    const second = b.brpop('jobs:other', 'jobs:block', 0);
    // While both wait, the server still answers everyone else.
    expect(await pusher.incr('jobs:unrelated')).toBe(1);
    await pusher.rpush('jobs:block', 'one', 'two');
    const replies = [await first, await second].sort();
    expect(replies).toEqual([['jobs:block', 'one'], ['jobs:block', 'two']]);
    expect(await pusher.llen('jobs:block')).toBe(0);
  });

  it('answers null at the timeout, and runs what the client sent meanwhile afterwards, in order', async () => {
    const a = client();
    const started = performance.now();
    const popped = a.blpop('jobs:none', 0.2);
    const after = a.set('jobs:after', 'ran');
    expect(await popped).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
    expect(await after).toBe('OK');
  });

  it('pops at once when there is something, and moves with BLMOVE and BRPOPLPUSH', async () => {
    const [a, pusher] = [client(), client()];
    await pusher.rpush('jobs:src', 'x');
    expect(await a.blmove('jobs:src', 'jobs:busy', 'LEFT', 'RIGHT', 1)).toBe('x');
    const waiting = a.brpoplpush('jobs:src', 'jobs:busy', 0);
    await pusher.lpush('jobs:src', 'y');
    expect(await waiting).toBe('y');
    expect(await pusher.lrange('jobs:busy', 0, -1)).toEqual(['y', 'x']); // RPOPLPUSH pushes onto the head
  });

  it('refuses a bad timeout like redis-server, and never blocks inside MULTI', async () => {
    const a = client();
    await expect(a.blpop('jobs:none', 'soon')).rejects.toThrow('ERR timeout is not a float or out of range');
    await expect(a.blpop('jobs:none', -1)).rejects.toThrow('ERR timeout is negative');
    expect(await a.multi().blpop('jobs:none', 0).rpush('jobs:none', 'z').exec()).toEqual([[null, null], [null, 1]]);
  });

  it('forgets a waiter whose connection closed: the next element goes to a live one', async () => {
    const [gone, live, pusher] = [new Redis(server.url), client(), client()];
    gone.blpop('jobs:handoff', 0).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    gone.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = live.blpop('jobs:handoff', 0);
    await pusher.rpush('jobs:handoff', 'only');
    expect(await waiting).toEqual(['jobs:handoff', 'only']);
  });
});
