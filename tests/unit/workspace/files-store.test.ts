// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFilesStore, filesKey } from '../../../src/workspace/stores/files.ts';
import { StorageFailure } from '../../../src/workspace/stores/storage.ts';
import { MemoryStorage } from './memory-storage.ts';

const starter = { 'app.js': 'const port = 3000;\n', '.env': 'GREETING=hi\n' };

describe('the files store', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts from the starter when nothing is saved', () => {
    const store = createFilesStore({ lab: '03-config', starter, storage: new MemoryStorage() });
    expect(store.files.get()).toEqual(starter);
    expect(store.active.get()).toBe('app.js');
    expect(store.touched.get()).toBe(false);
  });

  it('saves once per pause in typing, not per keystroke', () => {
    const storage = new MemoryStorage();
    const setItem = vi.spyOn(storage, 'setItem');
    const store = createFilesStore({ lab: '03-config', starter, storage, debounceMs: 300 });
    for (const text of ['c', 'co', 'con', 'cons']) store.edit('app.js', text);
    expect(store.saveState.get().kind).toBe('pending');
    expect(setItem).not.toHaveBeenCalled();
    vi.advanceTimersByTime(300);
    expect(setItem).toHaveBeenCalledTimes(1);
    const saved = JSON.parse(storage.getItem(filesKey('03-config'))!);
    expect(saved).toMatchObject({ v: 1, files: { 'app.js': 'cons', '.env': 'GREETING=hi\n' } });
    expect(store.saveState.get().kind).toBe('saved');
  });

  it('flushes a pending save when the page is hidden, and a new store finds the edit', () => {
    const storage = new MemoryStorage();
    const store = createFilesStore({ lab: '03-config', starter, storage, debounceMs: 10_000 });
    store.edit('app.js', 'const port = process.env.PORT;\n');
    dispatchEvent(new Event('pagehide'));
    const reopened = createFilesStore({ lab: '03-config', starter, storage });
    expect(reopened.files.get()['app.js']).toBe('const port = process.env.PORT;\n');
    expect(reopened.touched.get()).toBe(true);
  });

  it('drops saved paths the lab no longer shows and keeps new starter files', () => {
    const storage = new MemoryStorage();
    storage.setItem(filesKey('03-config'), JSON.stringify({ v: 1, savedAt: 'x', files: { 'app.js': 'mine', 'old.js': 'gone' } }));
    const store = createFilesStore({ lab: '03-config', starter, storage });
    expect(store.files.get()).toEqual({ 'app.js': 'mine', '.env': 'GREETING=hi\n' });
  });

  it('reports a full quota to the learner instead of swallowing it', () => {
    const storage = new MemoryStorage();
    const store = createFilesStore({ lab: '03-config', starter, storage, debounceMs: 5 });
    storage.full = true;
    store.edit('app.js', 'x');
    vi.advanceTimersByTime(5);
    const state = store.saveState.get();
    expect(state.kind).toBe('failed');
    expect(state.kind === 'failed' && state.message).toMatch(/storage for the site is full.*Download my work/);
  });

  it('reports storage that the browser refuses and damaged saved work', () => {
    const refused = createFilesStore({ lab: 'a', starter, storage: new StorageFailure('This browser refuses local storage.') });
    expect(refused.saveState.get()).toEqual({ kind: 'failed', message: 'This browser refuses local storage.' });
    const storage = new MemoryStorage();
    storage.setItem(filesKey('a'), '{not json');
    const damaged = createFilesStore({ lab: 'a', starter, storage });
    expect(damaged.files.get()).toEqual(starter);
    expect(damaged.saveState.get()).toMatchObject({ kind: 'failed', message: expect.stringContaining('is damaged') });
  });

  it('resets to the starter and undoes the reset until the next edit', () => {
    const changes: string[] = [];
    const store = createFilesStore({ lab: 'a', starter, storage: new MemoryStorage(), onChange: (path, text) => changes.push(`${path}=${text}`) });
    store.edit('app.js', 'mine');
    store.reset();
    expect(store.files.get()).toEqual(starter);
    expect(store.canUndoReset.get()).toBe(true);
    store.undoReset();
    expect(store.files.get()['app.js']).toBe('mine');
    expect(changes).toEqual(['app.js=mine', `app.js=${starter['app.js']}`, 'app.js=mine']);
    store.reset();
    store.edit('.env', 'X=1');
    expect(store.canUndoReset.get()).toBe(false);
    store.undoReset();
    expect(store.files.get()['app.js']).toBe(starter['app.js']);
  });

  it('refuses a path that is not one of the lab files, naming the files it has', () => {
    const store = createFilesStore({ lab: 'a', starter, storage: new MemoryStorage() });
    expect(() => store.edit('.lab/check.mjs', 'x')).toThrow(/not one of lab a's files \(app\.js, \.env\)/);
  });
});
