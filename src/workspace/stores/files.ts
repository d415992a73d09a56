/**
 * The learner's files for one lab.
 *
 * Persisted shape — IndexedDB (see file-db.ts): store `files`, key `<lab id>`:
 *   { "v": 1, "savedAt": "<ISO time>", "files": { "<visible path>": "<text>", … } }
 * and store `recovery`, key `[<lab id>, <tab id>]`, the edits of a tab caught in a two-tab conflict.
 * Where the browser refuses IndexedDB (or a caller passes `storage`), the same record lives in
 * localStorage under `tfl:lab:<lab id>:files`, and `notice` tells the learner that a crash may lose the
 * last seconds of typing there. Saved work found in localStorage is moved into IndexedDB on first load.
 * Only the lab's visible files are stored; the lab's own internals never are.
 *
 * Lifecycle: created when a lab workspace opens; `ready` settles once saved work is loaded. Saved work is
 * merged over the starter (paths the lab no longer shows are dropped). Every edit schedules a save
 * (debounced, so typing writes once per pause); each save is one durable transaction, and `saveState`
 * says "saved" only once the browser has it on disk. The pending save is flushed when the page is hidden
 * or closed. "Reset to starter" keeps the previous files in memory until the next edit so it can be
 * undone. A failed save is published in `saveState` for the learner to see, never swallowed.
 *
 * Several tabs of one lab share the record and hear each other's saves (a BroadcastChannel; the `storage`
 * event in localStorage). With no unsaved typing of its own a tab adopts another's files; with unsaved
 * typing it keeps its text and publishes a `conflict`, and until the learner picks a version
 * (`takeOther` or `keepMine`) its saves go to its recovery slot instead of over the other tab's work. A
 * save re-reads the record in its own transaction, so a save from another tab that was never heard is not
 * overwritten either. When the lab opens again and the tab that left a recovery slot is gone (its Web Lock
 * is free), its edits are offered in `recovery` (`restoreRecovery` or `discardRecovery`).
 */
import { atom, type ReadableAtom } from 'nanostores';
import type { FileMap } from '../runtime/types.ts';
import { deleteRecovery, isSavedFiles, loadLab, openFileDb, putRecovery, putSaved, saveUnlessChanged, type RecoveryRecord } from './file-db.ts';
import { browserStorage, describeWriteError, readJson, StorageFailure, writeJson, type KeyValueStorage } from './storage.ts';

export type SaveState =
  | { kind: 'saved'; at: string | null }
  | { kind: 'pending' }
  | { kind: 'failed'; message: string };

export interface FilesStoreOptions {
  lab: string;
  /** The starter's visible files, in the order the tabs show them. */
  starter: FileMap;
  /**
   * Where files are kept: IndexedDB by default (the page's `indexedDB`). Passing `storage` without
   * `database` keeps them in that localStorage instead; `storage` is also where files saved by an older
   * version are migrated from (the page's localStorage by default).
   */
  database?: IDBFactory | null;
  storage?: KeyValueStorage | StorageFailure;
  /** This tab's id, for its recovery slot; random by default. */
  tab?: string;
  debounceMs?: number;
  /** Called for every change of a file's text (edits, reset, undo, another tab's), e.g. to sync the runtime. */
  onChange?: (path: string, text: string) => void;
  /**
   * Calls `listener` with the new stored text whenever another tab writes `key`; returns an unsubscribe.
   * Defaults to a BroadcastChannel named after `key` (IndexedDB), or the window's `storage` event.
   */
  watch?: (key: string, listener: (value: string | null) => void) => () => void;
}

/** Another tab saved different files while this one had unsaved edits. */
export interface TabConflict {
  /** When the other tab saved. */
  savedAt: string;
  /** The other tab's files. */
  files: FileMap;
}

/** Edits kept from a tab that was closed during a two-tab conflict. */
export interface Recovery {
  savedAt: string;
  files: FileMap;
}

export interface FilesStore {
  /** Settles once saved work is loaded; the files before it are the starter's. Never rejects. */
  readonly ready: Promise<void>;
  readonly files: ReadableAtom<FileMap>;
  readonly active: ReadableAtom<string>;
  readonly saveState: ReadableAtom<SaveState>;
  /** True from a reset until the next edit. */
  readonly canUndoReset: ReadableAtom<boolean>;
  /** True once the learner has changed anything since the starter (including in an earlier visit). */
  readonly touched: ReadableAtom<boolean>;
  /** Set while another tab's saved edits and this tab's unsaved ones disagree; saving waits for a choice. */
  readonly conflict: ReadableAtom<TabConflict | null>;
  /** Resolves a conflict by showing the other tab's files here. */
  takeOther(): void;
  /** Resolves a conflict by saving this tab's files over the other tab's. */
  keepMine(): void;
  /** Edits a closed tab left in its recovery slot, offered once; null when there are none. */
  readonly recovery: ReadableAtom<Recovery | null>;
  /** Makes the offered edits this tab's files (saved like any edit) and forgets the slot. */
  restoreRecovery(): void;
  discardRecovery(): void;
  /** A standing note about how edits are kept (e.g. localStorage only), or null. */
  readonly notice: ReadableAtom<string | null>;
  edit(path: string, text: string): void;
  open(path: string): void;
  reset(): void;
  undoReset(): void;
  /** Writes any pending save now. */
  flush(): void;
  dispose(): void;
}

export const filesKey = (lab: string): string => `tfl:lab:${lab}:files`;

interface Persisted {
  v: 1;
  savedAt: string;
  files: FileMap;
}

function isPersisted(value: unknown): value is Persisted {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Persisted>;
  return record.v === 1 && typeof record.files === 'object' && record.files !== null;
}

/** Saved files as this lab shows them (starter merged under them), or the problem that kept them out. */
function fromRecord(raw: unknown, lab: string, starter: FileMap): { files: FileMap; at: string | null; problem: string | null } {
  if (raw instanceof StorageFailure) return { files: { ...starter }, at: null, problem: raw.message };
  if (raw === undefined) return { files: { ...starter }, at: null, problem: null };
  if (!isPersisted(raw)) {
    return { files: { ...starter }, at: null, problem: `Saved work for ${lab} has a format this version does not read; the lab starts from its starter files.` };
  }
  return { files: merged(raw.files, starter), at: raw.savedAt, problem: null };
}

function merged(saved: Record<string, unknown>, starter: FileMap): FileMap {
  const files: FileMap = { ...starter };
  for (const [path, text] of Object.entries(saved)) if (path in starter && typeof text === 'string') files[path] = text;
  return files;
}

const sameFiles = (a: FileMap, b: FileMap): boolean => Object.keys(a).every((path) => a[path] === b[path]);

/** Another tab's save as this lab shows it (starter merged under it), or null when unreadable. */
function parseSaved(raw: string | null, starter: FileMap): { files: FileMap; at: string } | null {
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isPersisted(value)) return null;
  return { files: merged(value.files, starter), at: value.savedAt };
}

function windowStorageEvents(key: string, listener: (value: string | null) => void): () => void {
  if (typeof addEventListener !== 'function') return () => undefined;
  const onStorage = (event: StorageEvent): void => {
    if (event.key === key) listener(event.newValue);
  };
  addEventListener('storage', onStorage);
  return () => removeEventListener('storage', onStorage);
}

/** Tabs hear each other's IndexedDB saves on a BroadcastChannel (IndexedDB has no change event). */
function broadcastChannel(key: string): { post(text: string): void; watch(listener: (value: string | null) => void): () => void; close(): void } {
  if (typeof BroadcastChannel !== 'function') return { post: () => undefined, watch: () => () => undefined, close: () => undefined };
  const channel = new BroadcastChannel(key);
  return {
    post: (text) => channel.postMessage(text),
    watch(listener) {
      const onMessage = (event: MessageEvent): void => listener(typeof event.data === 'string' ? event.data : null);
      channel.addEventListener('message', onMessage);
      return () => channel.removeEventListener('message', onMessage);
    },
    close: () => channel.close(),
  };
}

const LOCAL_ONLY_NOTICE =
  'This browser would not let the course use its database (IndexedDB), so your edits are kept in its local storage, which it may write to disk late: after a crash the last seconds of typing can be missing. Use "Download my work" to keep a copy.';

/**
 * Web Locks tell which tabs are open: each holds a lock named after itself for as long as it lives (the
 * browser releases it when the tab closes). Returns a function that lets it go sooner.
 */
function holdTabLock(tab: string): () => void {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  void locks?.request(`tfl-tab:${tab}`, () => held).catch(() => undefined);
  return release;
}

async function openTabs(): Promise<Set<string> | null> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return null;
  try {
    const { held = [] } = await locks.query();
    return new Set(held.map((lock) => lock.name?.replace(/^tfl-tab:/, '') ?? ''));
  } catch {
    return null;
  }
}

export function createFilesStore(options: FilesStoreOptions): FilesStore {
  const { lab, starter, debounceMs = 400, onChange } = options;
  const paths = Object.keys(starter);
  if (paths.length === 0) throw new Error(`Lab ${lab} shows the learner no files; its manifest must list at least one visible file.`);
  const key = filesKey(lab);
  const tab = options.tab ?? Math.random().toString(36).slice(2, 12);
  const factory = options.database !== undefined ? options.database : options.storage ? null : (globalThis.indexedDB ?? null);
  /** localStorage: the fallback, and where an older version's saved work is migrated from. */
  let storage: KeyValueStorage | StorageFailure | undefined = options.storage;
  const localStore = (): KeyValueStorage | StorageFailure => (storage ??= browserStorage());
  let db: IDBDatabase | null = null;
  const channel = factory ? broadcastChannel(key) : null;

  const initial = factory ? fromRecord(undefined, lab, starter) : fromRecord(readLocal(localStore(), key), lab, starter);
  const files = atom<FileMap>(initial.files);
  const active = atom<string>(paths[0]!);
  const saveState = atom<SaveState>(initial.problem ? { kind: 'failed', message: initial.problem } : { kind: 'saved', at: initial.at });
  const canUndoReset = atom(false);
  const touched = atom(!sameFiles(initial.files, starter));
  const conflict = atom<TabConflict | null>(null);
  const recovery = atom<Recovery | null>(null);
  const notice = atom<string | null>(null);
  let offeredTabs: string[] = [];
  let beforeReset: FileMap | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** `savedAt` of the stored files this tab last wrote or adopted: a different one means another tab saved. */
  let known = initial.at;
  /** Saves to IndexedDB run one after another. */
  let queue: Promise<void> = Promise.resolve();
  let disposed = false;
  /** A save is on its way to IndexedDB: its files count as unsaved typing until it lands. */
  let inFlight = false;
  let releaseTab = (): void => undefined;

  /** Adopts files from elsewhere without writing them back (they are stored already). */
  function adopt(next: FileMap, at: string): void {
    const previous = files.get();
    files.set({ ...next });
    touched.set(!sameFiles(next, starter));
    beforeReset = null;
    canUndoReset.set(false);
    known = at;
    for (const path of paths) if (previous[path] !== next[path]) onChange?.(path, next[path]!);
    saveState.set({ kind: 'saved', at });
  }

  /** True when another tab saved different files since this tab last synced (the conflict is published). */
  function otherTabSaved(store: KeyValueStorage): boolean {
    let raw: string | null;
    try {
      raw = store.getItem(key);
    } catch {
      return false;
    }
    const saved = parseSaved(raw, starter);
    if (!saved || saved.at === known) return false;
    if (sameFiles(saved.files, files.get())) {
      known = saved.at;
      return false;
    }
    conflict.set({ savedAt: saved.at, files: saved.files });
    return true;
  }

  function saveLocal(force: boolean): void {
    const store = localStore();
    if (store instanceof StorageFailure) {
      saveState.set({ kind: 'failed', message: store.message });
      return;
    }
    if (!force && (conflict.get() !== null || otherTabSaved(store))) {
      saveState.set({ kind: 'pending' });
      return;
    }
    const savedAt = new Date().toISOString();
    const failure = writeJson(store, key, { v: 1, savedAt, files: files.get() } satisfies Persisted);
    if (!failure) known = savedAt;
    saveState.set(failure ? { kind: 'failed', message: failure.message } : { kind: 'saved', at: savedAt });
  }

  /** One save to IndexedDB: this tab's files, or, during a conflict, its recovery slot. */
  async function saveDb(database: IDBDatabase, force: boolean): Promise<void> {
    const snapshot = files.get();
    const savedAt = new Date().toISOString();
    const settled = (state: SaveState): void => {
      // Typing since this save began keeps the state pending: another save follows.
      if (timer === null) saveState.set(state);
    };
    inFlight = true;
    try {
      if (!force && conflict.get() !== null) {
        await putRecovery(database, { v: 1, lab, tab, savedAt, files: snapshot } satisfies RecoveryRecord);
        settled({ kind: 'pending' });
        return;
      }
      const result = await saveUnlessChanged(database, lab, { v: 1, savedAt, files: snapshot }, known, force);
      if (result.written) {
        known = savedAt;
        channel?.post(JSON.stringify({ v: 1, savedAt, files: snapshot }));
        settled({ kind: 'saved', at: savedAt });
        return;
      }
      const other = merged(result.other.files, starter);
      if (sameFiles(other, snapshot)) {
        known = result.other.savedAt;
        settled({ kind: 'saved', at: known });
        return;
      }
      conflict.set({ savedAt: result.other.savedAt, files: other });
      await putRecovery(database, { v: 1, lab, tab, savedAt, files: snapshot } satisfies RecoveryRecord);
      settled({ kind: 'pending' });
    } catch (error) {
      saveState.set({ kind: 'failed', message: describeWriteError(error) });
    } finally {
      inFlight = false;
    }
  }

  function save(force = false): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (!factory) return saveLocal(force);
    queue = queue.then(() => ready).then(() => (db ? saveDb(db, force) : saveLocal(force)));
  }

  const forgetRecovery = (tabs: string[]): void => {
    if (db && tabs.length > 0) void deleteRecovery(db, lab, tabs).catch(() => undefined);
  };

  /** Loads from IndexedDB (migrating localStorage's copy), or falls back to localStorage with a notice. */
  async function load(): Promise<void> {
    if (!factory) return;
    releaseTab = holdTabLock(tab);
    try {
      db = await openFileDb(factory);
    } catch {
      notice.set(LOCAL_ONLY_NOTICE);
      const local = fromRecord(readLocal(localStore(), key), lab, starter);
      show(local);
      return;
    }
    try {
      let { saved, recovery: slots } = await loadLab(db, lab);
      if (saved === undefined) {
        const store = localStore();
        const old = store instanceof StorageFailure ? undefined : readJson(store, key);
        if (isPersisted(old)) {
          await putSaved(db, lab, { v: 1, savedAt: old.savedAt, files: old.files });
          (store as KeyValueStorage).removeItem(key);
          saved = old;
        }
      }
      if (saved !== undefined && !isSavedFiles(saved)) saved = { unreadable: true };
      show(fromRecord(saved, lab, starter));
      const open = await openTabs();
      const left = slots.filter((slot) => slot.tab !== tab && !open?.has(slot.tab));
      const differing = left.filter((slot) => !sameFiles(merged(slot.files, starter), files.get()));
      forgetRecovery(left.filter((slot) => !differing.includes(slot)).map((slot) => slot.tab));
      const latest = differing.sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0];
      if (latest) {
        offeredTabs = differing.map((slot) => slot.tab);
        recovery.set({ savedAt: latest.savedAt, files: merged(latest.files, starter) });
      }
    } catch (error) {
      saveState.set({ kind: 'failed', message: `Saved work could not be read from this browser's database (${error instanceof Error ? error.message : String(error)}); the lab starts from its starter files.` });
    }
  }

  /** Shows loaded files, unless the learner typed meanwhile (their edits win and are saved). */
  function show(loaded: ReturnType<typeof fromRecord>): void {
    known = loaded.at;
    if (timer === null) {
      files.set(loaded.files);
      touched.set(!sameFiles(loaded.files, starter));
      saveState.set(loaded.problem ? { kind: 'failed', message: loaded.problem } : { kind: 'saved', at: loaded.at });
    }
  }

  const ready = load().catch(() => undefined);

  const heard = (raw: string | null): void => {
    if (disposed) return;
    const saved = parseSaved(raw, starter);
    if (!saved) return;
    if (sameFiles(saved.files, files.get())) {
      known = saved.at;
      if (conflict.get()) forgetRecovery([tab]);
      conflict.set(null);
      if (timer !== null) clearTimeout(timer);
      timer = null;
      saveState.set({ kind: 'saved', at: saved.at });
    } else if (timer === null && !inFlight && conflict.get() === null) adopt(saved.files, saved.at);
    else conflict.set({ savedAt: saved.at, files: saved.files });
  };
  const unwatch = options.watch ? options.watch(key, heard) : channel ? channel.watch(heard) : windowStorageEvents(key, heard);

  function schedule(): void {
    if (timer !== null) clearTimeout(timer);
    saveState.set({ kind: 'pending' });
    timer = setTimeout(save, debounceMs);
  }

  function replaceAll(next: FileMap): void {
    const previous = files.get();
    files.set({ ...next });
    touched.set(!sameFiles(next, starter));
    for (const path of paths) if (previous[path] !== next[path]) onChange?.(path, next[path]!);
    save();
  }

  const onHidden = (): void => {
    if (timer !== null) save();
  };
  const onVisibility = (): void => {
    if (document.visibilityState === 'hidden') onHidden();
  };
  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', onVisibility);
    addEventListener('pagehide', onHidden);
  }

  return {
    ready,
    files,
    active,
    saveState,
    canUndoReset,
    touched,
    conflict,
    recovery,
    notice,
    takeOther() {
      const other = conflict.get();
      if (!other) return;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      conflict.set(null);
      forgetRecovery([tab]);
      adopt(other.files, other.savedAt);
    },
    keepMine() {
      if (!conflict.get()) return;
      conflict.set(null);
      save(true);
      queue = queue.then(() => forgetRecovery([tab]));
    },
    restoreRecovery() {
      const offered = recovery.get();
      if (!offered) return;
      recovery.set(null);
      beforeReset = null;
      canUndoReset.set(false);
      replaceAll(offered.files);
      const tabs = offeredTabs;
      queue = queue.then(() => forgetRecovery(tabs));
    },
    discardRecovery() {
      if (!recovery.get()) return;
      recovery.set(null);
      forgetRecovery(offeredTabs);
    },
    edit(path, text) {
      if (!(path in starter)) throw new Error(`${path} is not one of lab ${lab}'s files (${paths.join(', ')}).`);
      if (files.get()[path] === text) return;
      files.set({ ...files.get(), [path]: text });
      touched.set(true);
      beforeReset = null;
      canUndoReset.set(false);
      onChange?.(path, text);
      schedule();
    },
    open(path) {
      if (!(path in starter)) throw new Error(`${path} is not one of lab ${lab}'s files (${paths.join(', ')}).`);
      active.set(path);
    },
    reset() {
      beforeReset = files.get();
      replaceAll(starter);
      canUndoReset.set(true);
    },
    undoReset() {
      if (!beforeReset) return;
      const restored = beforeReset;
      beforeReset = null;
      canUndoReset.set(false);
      replaceAll(restored);
    },
    flush: onHidden,
    dispose() {
      onHidden();
      disposed = true;
      unwatch();
      if (typeof document !== 'undefined') {
        document.removeEventListener('visibilitychange', onVisibility);
        removeEventListener('pagehide', onHidden);
      }
      void queue.then(() => {
        channel?.close();
        db?.close();
        releaseTab();
      });
    },
  };
}

function readLocal(storage: KeyValueStorage | StorageFailure, key: string): unknown {
  return storage instanceof StorageFailure ? storage : readJson(storage, key);
}
