// @vitest-environment happy-dom
/**
 * Two tabs of one lab: two stores on one storage. Browsers tell a tab about another tab's write with a
 * `storage` event (never about its own), so the test dispatches one after each store saves.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFilesStore, filesKey, type FilesStore } from '../../../src/workspace/stores/files.ts';
import { MemoryStorage } from './memory-storage.ts';

const starter = { 'config.js': 'export const port = 3000;\n', 'app.js': 'import "./config.js";\n' };
const key = filesKey('03-config');

/** Tells every tab but `writer` that the stored files changed, as the browser would. */
function heard(storage: MemoryStorage): void {
  dispatchEvent(new StorageEvent('storage', { key, newValue: storage.getItem(key) }));
}

function tab(storage: MemoryStorage, changes: string[] = []): FilesStore {
  return createFilesStore({ lab: '03-config', starter, storage, debounceMs: 300, onChange: (path, text) => changes.push(`${path}=${text}`) });
}

describe('one lab open in two tabs', () => {
  const open: FilesStore[] = [];
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    for (const store of open.splice(0)) store.dispose();
    vi.useRealTimers();
  });

  it('a tab without unsaved typing adopts the other tab’s saved edits, and its own next edit keeps them', () => {
    const storage = new MemoryStorage();
    const twoChanges: string[] = [];
    const one = tab(storage);
    const two = tab(storage, twoChanges);
    open.push(one, two);

    one.edit('config.js', 'export const port = process.env.PORT;\n');
    vi.advanceTimersByTime(300);
    heard(storage);
    expect(two.files.get()['config.js']).toBe('export const port = process.env.PORT;\n');
    expect(twoChanges).toEqual(['config.js=export const port = process.env.PORT;\n']);
    expect(two.touched.get()).toBe(true);
    expect(two.conflict.get()).toBeNull();

    two.edit('app.js', 'import "./config.js"; // two\n');
    vi.advanceTimersByTime(300);
    heard(storage);
    const saved = JSON.parse(storage.getItem(key)!).files;
    expect(saved).toEqual({ 'config.js': 'export const port = process.env.PORT;\n', 'app.js': 'import "./config.js"; // two\n' });
    expect(one.files.get()).toEqual(saved);
  });

  it('with unsaved typing in both, neither is overwritten until the learner picks one', () => {
    const storage = new MemoryStorage();
    const one = tab(storage);
    const two = tab(storage);
    open.push(one, two);

    two.edit('config.js', 'from tab two\n');
    one.edit('config.js', 'from tab one\n');
    vi.advanceTimersByTime(300);
    heard(storage); // both saves landed; the later one (tab one) found tab two's and held back
    expect(one.conflict.get()?.files['config.js']).toBe('from tab two\n');
    expect(one.files.get()['config.js']).toBe('from tab one\n');
    expect(one.saveState.get().kind).toBe('pending');
    expect(JSON.parse(storage.getItem(key)!).files['config.js']).toBe('from tab two\n');

    one.edit('config.js', 'from tab one, still typing\n');
    vi.advanceTimersByTime(300);
    expect(JSON.parse(storage.getItem(key)!).files['config.js']).toBe('from tab two\n');

    one.keepMine();
    expect(one.conflict.get()).toBeNull();
    expect(JSON.parse(storage.getItem(key)!).files['config.js']).toBe('from tab one, still typing\n');
    expect(one.saveState.get().kind).toBe('saved');
  });

  it('hears the other tab while its own save is pending and can take the other version', () => {
    const storage = new MemoryStorage();
    const changes: string[] = [];
    const one = tab(storage, changes);
    const two = tab(storage);
    open.push(one, two);

    one.edit('config.js', 'mine\n');
    two.edit('config.js', 'theirs\n');
    two.flush();
    heard(storage);
    expect(one.conflict.get()).toMatchObject({ files: { 'config.js': 'theirs\n' } });
    vi.advanceTimersByTime(1000);
    expect(JSON.parse(storage.getItem(key)!).files['config.js']).toBe('theirs\n');

    one.takeOther();
    expect(one.files.get()['config.js']).toBe('theirs\n');
    expect(changes.at(-1)).toBe('config.js=theirs\n');
    expect(one.conflict.get()).toBeNull();
    one.edit('app.js', 'next\n');
    vi.advanceTimersByTime(300);
    expect(JSON.parse(storage.getItem(key)!).files).toEqual({ 'config.js': 'theirs\n', 'app.js': 'next\n' });
  });

  it('a save from another tab that was never heard is still not overwritten', () => {
    const storage = new MemoryStorage();
    const one = tab(storage);
    const two = tab(storage);
    open.push(one, two);
    two.edit('config.js', 'theirs\n');
    two.flush();
    one.edit('config.js', 'mine\n');
    one.flush();
    expect(JSON.parse(storage.getItem(key)!).files['config.js']).toBe('theirs\n');
    expect(one.conflict.get()?.files['config.js']).toBe('theirs\n');
  });

  it('ignores other keys and unreadable values', () => {
    const storage = new MemoryStorage();
    const one = tab(storage);
    open.push(one);
    dispatchEvent(new StorageEvent('storage', { key: filesKey('04-backing-services'), newValue: JSON.stringify({ v: 1, savedAt: 'x', files: { 'config.js': 'other lab' } }) }));
    dispatchEvent(new StorageEvent('storage', { key, newValue: '{broken' }));
    expect(one.files.get()).toEqual(starter);
    expect(one.conflict.get()).toBeNull();
  });
});
