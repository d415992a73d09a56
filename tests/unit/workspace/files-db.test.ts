/**
 * The files store on IndexedDB (fake-indexeddb: an in-memory implementation of the same API, so these
 * tests run in Node): durable saves, the migration of localStorage's saved work, the fallback with its
 * notice, and a conflicting tab's edits kept in a recovery slot and offered next time.
 */
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFilesStore, filesKey, type FilesStore } from '../../../src/workspace/stores/files.ts';
import { loadLab, openFileDb } from '../../../src/workspace/stores/file-db.ts';
import { MemoryStorage } from './memory-storage.ts';

const starter = { 'config.js': 'export const port = 3000;\n', 'app.js': 'import "./config.js";\n' };
const lab = '03-config';

/** Tabs of one browser: one database, and a message bus standing in for BroadcastChannel. */
function browser() {
  const database = new IDBFactory();
  const listeners = new Set<(value: string | null) => void>();
  const stores: FilesStore[] = [];
  const open = (tab: string, extra: { storage?: MemoryStorage; silent?: boolean } = {}): FilesStore => {
    const store = createFilesStore({
      lab,
      starter,
      database,
      tab,
      debounceMs: 5,
      ...(extra.storage ? { storage: extra.storage } : {}),
      // A tab hears the others' saves, never its own: the bus delivers to every listener but the sender's.
      watch: (_key, listener) => {
        if (extra.silent) return () => undefined;
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
    stores.push(store);
    return store;
  };
  /** Tells every tab what `store` saved, as the BroadcastChannel would. */
  const announce = async (from: FilesStore): Promise<void> => {
    const db = await openFileDb(database);
    const { saved } = await loadLab(db, lab);
    db.close();
    for (const listener of listeners) if (listener !== (from as unknown)) listener(JSON.stringify(saved));
  };
  return { database, open, announce, stores };
}

async function slots(database: IDBFactory) {
  const db = await openFileDb(database);
  const { recovery } = await loadLab(db, lab);
  db.close();
  return recovery;
}

const settled = (store: FilesStore) => vi.waitFor(() => expect(store.saveState.get().kind).not.toBe('pending'), { timeout: 3_000 });

describe('saved work in IndexedDB', () => {
  const opened: FilesStore[] = [];
  afterEach(() => {
    for (const store of opened.splice(0)) store.dispose();
  });

  it('is saved only once the database has it, and a new tab finds it', async () => {
    const { open } = browser();
    const one = open('one');
    opened.push(one);
    await one.ready;
    one.edit('config.js', 'export const port = process.env.PORT;\n');
    expect(one.saveState.get().kind).toBe('pending');
    await settled(one);
    expect(one.saveState.get()).toMatchObject({ kind: 'saved', at: expect.any(String) });

    const two = open('two');
    opened.push(two);
    expect(two.files.get()['config.js']).toBe(starter['config.js']); // not yet loaded
    await two.ready;
    expect(two.files.get()['config.js']).toBe('export const port = process.env.PORT;\n');
    expect(two.touched.get()).toBe(true);
    expect(two.notice.get()).toBeNull();
  });

  it('moves work saved in localStorage by an older version into the database, once', async () => {
    const { open, database } = browser();
    const storage = new MemoryStorage();
    storage.setItem(filesKey(lab), JSON.stringify({ v: 1, savedAt: '2026-01-02T03:04:05.000Z', files: { 'app.js': 'mine\n' } }));
    const store = open('one', { storage });
    opened.push(store);
    await store.ready;
    expect(store.files.get()).toEqual({ ...starter, 'app.js': 'mine\n' });
    expect(storage.getItem(filesKey(lab))).toBeNull();
    const db = await openFileDb(database);
    expect((await loadLab(db, lab)).saved).toMatchObject({ savedAt: '2026-01-02T03:04:05.000Z', files: { 'app.js': 'mine\n' } });
    db.close();
  });

  it('falls back to localStorage, and says so, where the browser refuses the database', async () => {
    const refusing = { open: () => { throw new DOMException('denied', 'SecurityError'); } } as unknown as IDBFactory;
    const storage = new MemoryStorage();
    const store = createFilesStore({ lab, starter, database: refusing, storage, debounceMs: 5 });
    opened.push(store);
    await store.ready;
    expect(store.notice.get()).toMatch(/would not let the course use its database.*local storage.*Download my work/);
    store.edit('app.js', 'kept locally\n');
    await settled(store);
    expect(JSON.parse(storage.getItem(filesKey(lab)) as string).files['app.js']).toBe('kept locally\n');
  });

  it('never writes over another tab’s save it did not hear of: its edits go to its recovery slot', async () => {
    const { open } = browser();
    const one = open('one', { silent: true });
    const two = open('two', { silent: true });
    opened.push(one, two);
    await Promise.all([one.ready, two.ready]);
    two.edit('config.js', 'theirs\n');
    await settled(two);
    one.edit('config.js', 'mine\n');
    await vi.waitFor(() => expect(one.conflict.get()).toMatchObject({ files: { 'config.js': 'theirs\n' } }));

    const three = open('three');
    opened.push(three);
    await three.ready;
    expect(three.files.get()['config.js']).toBe('theirs\n');
  });

  it('keeps the edits of a conflicting tab that is closed, and offers them next time', async () => {
    const { open, announce, database } = browser();
    const one = open('one');
    const two = open('two');
    await Promise.all([one.ready, two.ready]);
    // Tab two saves; tab one, which typed meanwhile, hears of it (or finds it when saving): a conflict.
    two.edit('config.js', 'from two\n');
    await settled(two);
    one.edit('config.js', 'from one\n');
    await announce(two);
    await vi.waitFor(() => expect(one.conflict.get()).not.toBeNull());
    // Tab one goes on typing, then is closed without choosing.
    one.edit('app.js', 'one kept typing\n');
    await vi.waitFor(async () => expect((await slots(database)).map((r) => r.files['app.js'])).toEqual(['one kept typing\n']), { timeout: 3_000 });
    expect(one.saveState.get().kind).toBe('pending');
    one.dispose();
    two.dispose();

    const next = open('three');
    opened.push(next);
    await next.ready;
    expect(next.files.get()['config.js']).toBe('from two\n');
    expect(next.recovery.get()).toMatchObject({ files: { 'config.js': 'from one\n', 'app.js': 'one kept typing\n' } });
    next.restoreRecovery();
    expect(next.files.get()).toEqual({ 'config.js': 'from one\n', 'app.js': 'one kept typing\n' });
    await settled(next);

    const after = open('four');
    opened.push(after);
    await after.ready;
    expect(after.files.get()['app.js']).toBe('one kept typing\n');
    expect(after.recovery.get()).toBeNull();
  });

  it('forgets the recovery slot when the learner discards it', async () => {
    const { open, announce } = browser();
    const one = open('one');
    const two = open('two');
    await Promise.all([one.ready, two.ready]);
    two.edit('config.js', 'from two\n');
    await settled(two);
    one.edit('config.js', 'from one\n');
    await announce(two);
    await vi.waitFor(() => expect(one.conflict.get()).not.toBeNull());
    one.edit('app.js', 'more\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    one.dispose();
    two.dispose();
    const next = open('three');
    await next.ready;
    expect(next.recovery.get()).not.toBeNull();
    next.discardRecovery();
    next.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = open('four');
    opened.push(after);
    await after.ready;
    expect(after.recovery.get()).toBeNull();
  });
});
