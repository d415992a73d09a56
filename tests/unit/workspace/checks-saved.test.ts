import { describe, expect, it } from 'vitest';
import { checksKey, createChecksStore, type ChecksStore } from '../../../src/workspace/stores/checks.ts';
import { StorageFailure } from '../../../src/workspace/stores/storage.ts';
import type { CheckEvent } from '../../../src/workspace/runtime/types.ts';
import { MemoryStorage } from './memory-storage.ts';

const plan = { v: 1, type: 'plan', lab: '03-config', checks: [{ id: 'port', title: 'Port from PORT' }, { id: 'redis', title: 'Redis from REDIS_URL' }] } satisfies CheckEvent;

function failingRun(store: ChecksStore): void {
  store.begin();
  store.apply(plan);
  store.apply({ v: 1, type: 'log', check: 'port', source: 'checker', text: 'Started the app with PORT=41234' });
  store.apply({ v: 1, type: 'result', check: 'port', status: 'pass', message: 'ok', hints: [], ms: 80 });
  store.apply({ v: 1, type: 'result', check: 'redis', status: 'fail', message: 'Counted in memory', expected: '2', actual: '1', hints: ['Use REDIS_URL', 'Pass it to new Redis()'], ms: 120 });
  store.apply({ v: 1, type: 'done', status: 'fail', passed: 1, failed: 1, errored: 0 });
}

describe('the last check run, kept across reloads', () => {
  it('shows the previous visit’s verdict, messages and unlocked hints, marked with when it ran', () => {
    const storage = new MemoryStorage();
    const first = createChecksStore({ lab: '03-config', storage });
    failingRun(first);
    first.showNextHint('redis');

    const reloaded = createChecksStore({ lab: '03-config', storage }).state.get();
    expect(reloaded.phase).toBe('done');
    expect(reloaded.done).toMatchObject({ status: 'fail', passed: 1, failed: 1 });
    expect(reloaded.restoredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(reloaded.rows).toEqual([
      expect.objectContaining({ id: 'port', status: 'pass', ms: 80 }),
      expect.objectContaining({ id: 'redis', status: 'fail', message: 'Counted in memory', expected: '2', actual: '1', hintsShown: 1, hints: ['Use REDIS_URL', 'Pass it to new Redis()'] }),
    ]);
    expect(reloaded.transcript).toEqual([]);
    expect(reloaded.announcement).toBe('');
  });

  it('keeps the time of the run when a hint is unlocked after a reload, and clears the mark on the next Check', () => {
    const storage = new MemoryStorage();
    failingRun(createChecksStore({ lab: '03-config', storage }));
    const at = JSON.parse(storage.getItem(checksKey('03-config'))!).at as string;
    const reloaded = createChecksStore({ lab: '03-config', storage });
    reloaded.showNextHint('redis');
    expect(JSON.parse(storage.getItem(checksKey('03-config'))!)).toMatchObject({ at, rows: [{}, { hintsShown: 1 }] });

    reloaded.begin();
    expect(reloaded.state.get()).toMatchObject({ phase: 'running', restoredAt: null, run: 1 });
    expect(reloaded.state.get().rows.map((row) => row.status)).toEqual(['pending', 'pending']);
  });

  it('keeps labs apart and starts idle when nothing (or something unreadable) is stored', () => {
    const storage = new MemoryStorage();
    failingRun(createChecksStore({ lab: '03-config', storage }));
    expect(createChecksStore({ lab: '04-backing-services', storage }).state.get().phase).toBe('idle');
    storage.setItem(checksKey('05-build-release-run'), JSON.stringify({ v: 1, at: 'x', done: {}, rows: [{ id: 'a' }] }));
    expect(createChecksStore({ lab: '05-build-release-run', storage }).state.get().phase).toBe('idle');
    storage.setItem(checksKey('06-processes'), '{broken');
    expect(createChecksStore({ lab: '06-processes', storage }).state.get().phase).toBe('idle');
  });

  it('reports a full storage once per failed save and still shows the run', () => {
    const storage = new MemoryStorage();
    storage.full = true;
    const failures: string[] = [];
    const store = createChecksStore({ lab: '03-config', storage, onSaveFailed: (failure) => failures.push(failure.message) });
    failingRun(store);
    expect(store.state.get().phase).toBe('done');
    expect(failures).toEqual([expect.stringMatching(/storage for the site is full/)]);
    expect(createChecksStore({ lab: '03-config', storage: new StorageFailure('refused') }).state.get().phase).toBe('idle');
  });

  it('a run abandoned before the checker answered brings back the previous rows untouched', () => {
    const storage = new MemoryStorage();
    const store = createChecksStore({ lab: '03-config', storage });
    failingRun(store);
    const shown = store.state.get().rows;
    store.begin();
    store.abandon('the course server stopped.');
    expect(store.state.get()).toMatchObject({ phase: 'done', rows: shown, problem: null, announcement: 'Check run 2 could not start: the course server stopped.' });
  });
});
