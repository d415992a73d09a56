import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGate, together, unlessLater } from '../../../labs/_kit/together.mjs';

/** A promise with its resolve, to hold a gate slot until the test lets go. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('startGate', () => {
  it('lets `size` starts go at once and the next one when a slot comes back', async () => {
    const gate = startGate(2);
    const started: string[] = [];
    const holds = { a: held(), b: held(), c: held() };
    const runs = (['a', 'b', 'c'] as const).map((id) => gate(async () => { started.push(id); await holds[id].done; }));
    await tick();
    expect(started).toEqual(['a', 'b']);
    holds.a.release();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    holds.b.release(); holds.c.release();
    await Promise.all(runs);
  });

  it('orders waiting starts by rank, and `next` goes ahead of its own rank and higher ones', async () => {
    const gate = startGate(1);
    const started: string[] = [];
    const first = held();
    const all = [gate(async () => { started.push('busy'); await first.done; })];
    for (const [id, options] of [['r2', { rank: 2 }], ['r1', { rank: 1 }], ['r1b', { rank: 1 }], ['r2next', { rank: 2, next: true }], ['r1next', { rank: 1, next: true }]] as const) {
      all.push(gate(async () => { started.push(id); }, options));
    }
    first.release();
    await Promise.all(all);
    expect(started).toEqual(['busy', 'r1next', 'r1', 'r1b', 'r2next', 'r2']);
  });

  it('without ranks keeps the order starts asked in, `next` ahead of those not begun', async () => {
    const gate = startGate(1);
    const started: string[] = [];
    const first = held();
    const all = [gate(async () => { started.push('busy'); await first.done; })];
    all.push(gate(async () => { started.push('a'); }), gate(async () => { started.push('b'); }));
    all.push(gate(async () => { started.push('next1'); }, { next: true }), gate(async () => { started.push('next2'); }, { next: true }));
    first.release();
    await Promise.all(all);
    expect(started).toEqual(['busy', 'next1', 'next2', 'a', 'b']);
  });

  it('holds a start that needs several slots, and those behind it, until they are free', async () => {
    const gate = startGate(2);
    const started: string[] = [];
    const one = held();
    const all = [gate(async () => { started.push('one'); await one.done; })];
    all.push(gate(async () => { started.push('pair'); }, { slots: 2 }), gate(async () => { started.push('after'); }));
    await tick();
    expect(started).toEqual(['one']);
    one.release();
    await Promise.all(all);
    expect(started).toEqual(['one', 'pair', 'after']);
  });

  it('gives the slot back when `fn` throws', async () => {
    const gate = startGate(1);
    await expect(gate(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(gate(async () => 'next')).resolves.toBe('next');
  });

  it('asks more slots than it has as all of them, and refuses a size below one', async () => {
    await expect(startGate(2)(async () => 'ok', { slots: 5 })).resolves.toBe('ok');
    expect(() => startGate(0)).toThrow(/size must be a whole number of at least 1, got 0/);
  });
});

describe('unlessLater', () => {
  it('gives the value when it comes in time, undefined when it does not', async () => {
    await expect(unlessLater(Promise.resolve(7), 1000)).resolves.toBe(7);
    await expect(unlessLater(new Promise(() => {}), 10)).resolves.toBeUndefined();
  });
});

describe('together', () => {
  const argv = process.argv;
  beforeEach(() => { process.argv = [argv[0] ?? 'node', 'check.mjs']; });
  afterEach(() => { process.argv = argv; });

  /** A checker context as far as together uses it: once, log, wait, notRun, redis, manifest. */
  function context(transcripts: Record<string, string[]>, id: string, shared: Map<string, Promise<unknown>>) {
    return {
      manifest: { checks: [{ id: 'a', title: 'Check A' }, { id: 'b', title: 'Check B' }] },
      log: (text: string) => void (transcripts[id] ??= []).push(text),
      wait: (ms: number) => ms,
      notRun: (reason: string) => new Error(reason),
      once: (key: string, fn: () => Promise<unknown>) => { if (!shared.has(key)) shared.set(key, fn()); return shared.get(key); },
      redis: { url: 'shared', secured: async () => ({ url: `secured-${Math.random()}` }) },
    };
  }

  it('starts every run in the first check\'s turn and replays each run\'s lines into its own check', async () => {
    const transcripts: Record<string, string[]> = {};
    const shared = new Map<string, Promise<unknown>>();
    const urls: string[] = [];
    const checks = together({
      a: async (t) => { t.log('a did its part'); urls.push(t.redis.url); return 'a passed'; },
      b: async (t) => { t.log('b did its part'); urls.push(t.redis.url); throw new Error('b failed'); },
    }, { secured: true, timeLimit: 5000 });
    expect(checks['a']?.timeLimit).toBe(5000);
    await expect(checks['a']!(context(transcripts, 'a', shared) as never)).resolves.toBe('a passed');
    await expect(checks['b']!(context(transcripts, 'b', shared) as never)).rejects.toThrow('b failed');
    expect(transcripts['a']).toEqual(['started the runs of 2 checks at once, each with a Redis of its own; every process they start, and its output, is logged here', 'a did its part']);
    expect(transcripts['b']?.[0]).toMatch(/in the turn of “Check A”/);
    expect(transcripts['b']?.[1]).toBe('b did its part');
    expect(new Set(urls).size).toBe(2);
    expect(urls).not.toContain('shared');
  });

  it('reports a run past its limit as hanging, alone', async () => {
    const shared = new Map<string, Promise<unknown>>();
    const checks = together({ a: async () => 'a passed', b: () => new Promise<string>(() => {}) }, { limits: { b: 20 }, own: 'its own ports' });
    const transcripts: Record<string, string[]> = {};
    await expect(checks['a']!(context(transcripts, 'a', shared) as never)).resolves.toBe('a passed');
    await expect(checks['b']!(context(transcripts, 'b', shared) as never)).rejects.toThrow(/its run did not finish within 20 ms; the app seems to hang/);
    expect(transcripts['a']?.[0]).toMatch(/each with its own ports;/);
  });

  it('refuses an order or a limit that names no run', () => {
    expect(() => together({ a: async () => '' }, { order: ['a', 'x'] })).toThrow(/together: x is not among the runs \(a\)/);
  });
});
