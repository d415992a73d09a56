/**
 * The learner's files for one lab.
 *
 * Persisted shape — localStorage key `tfl:lab:<lab id>:files`:
 *   { "v": 1, "savedAt": "<ISO time>", "files": { "<visible path>": "<text>", … } }
 * Only the lab's visible files are stored; the lab's own internals never are.
 *
 * Lifecycle: created when a lab workspace opens. Saved work is merged over the starter (paths the lab no
 * longer shows are dropped). Every edit schedules a save (debounced, so typing writes once per pause);
 * the pending save is flushed when the page is hidden or closed, so a reload or a crashed tab loses at
 * most the last pause. "Reset to starter" keeps the previous files in memory until the next edit so it
 * can be undone. A failed save is published in `saveState` for the learner to see, never swallowed.
 *
 * Several tabs of one lab share the key. A tab hears the others' saves (the `storage` event): with no
 * unsaved typing of its own it adopts their files; with unsaved typing it keeps its text and publishes a
 * `conflict` instead, and saves nothing until the learner picks a version (`takeOther` or `keepMine`).
 * A save also re-reads the key first, so a save from another tab that was never heard is not overwritten.
 */
import { atom, type ReadableAtom } from 'nanostores';
import type { FileMap } from '../runtime/types.ts';
import { browserStorage, readJson, StorageFailure, writeJson, type KeyValueStorage } from './storage.ts';

export type SaveState =
  | { kind: 'saved'; at: string | null }
  | { kind: 'pending' }
  | { kind: 'failed'; message: string };

export interface FilesStoreOptions {
  lab: string;
  /** The starter's visible files, in the order the tabs show them. */
  starter: FileMap;
  /** Defaults to the page's localStorage. */
  storage?: KeyValueStorage | StorageFailure;
  debounceMs?: number;
  /** Called for every change of a file's text (edits, reset, undo, another tab's), e.g. to sync the runtime. */
  onChange?: (path: string, text: string) => void;
  /**
   * Calls `listener` with the new stored text whenever another tab writes `key`; returns an unsubscribe.
   * Defaults to the window's `storage` event.
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

export interface FilesStore {
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

function loadSaved(storage: KeyValueStorage, lab: string, starter: FileMap): { files: FileMap; at: string | null; problem: string | null } {
  const raw = readJson(storage, filesKey(lab));
  if (raw instanceof StorageFailure) return { files: { ...starter }, at: null, problem: raw.message };
  if (raw === undefined) return { files: { ...starter }, at: null, problem: null };
  if (!isPersisted(raw)) {
    return { files: { ...starter }, at: null, problem: `Saved work for ${lab} has a format this version does not read; the lab starts from its starter files.` };
  }
  const files: FileMap = { ...starter };
  for (const [path, text] of Object.entries(raw.files)) {
    if (path in starter && typeof text === 'string') files[path] = text;
  }
  return { files, at: raw.savedAt, problem: null };
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
  const files: FileMap = { ...starter };
  for (const [path, text] of Object.entries(value.files)) if (path in starter && typeof text === 'string') files[path] = text;
  return { files, at: value.savedAt };
}

function windowStorageEvents(key: string, listener: (value: string | null) => void): () => void {
  if (typeof addEventListener !== 'function') return () => undefined;
  const onStorage = (event: StorageEvent): void => {
    if (event.key === key) listener(event.newValue);
  };
  addEventListener('storage', onStorage);
  return () => removeEventListener('storage', onStorage);
}

export function createFilesStore(options: FilesStoreOptions): FilesStore {
  const { lab, starter, debounceMs = 400, onChange } = options;
  const storage = options.storage ?? browserStorage();
  const paths = Object.keys(starter);
  if (paths.length === 0) throw new Error(`Lab ${lab} shows the learner no files; its manifest must list at least one visible file.`);

  const initial =
    storage instanceof StorageFailure
      ? { files: { ...starter }, at: null, problem: storage.message }
      : loadSaved(storage, lab, starter);

  const files = atom<FileMap>(initial.files);
  const active = atom<string>(paths[0]!);
  const saveState = atom<SaveState>(initial.problem ? { kind: 'failed', message: initial.problem } : { kind: 'saved', at: initial.at });
  const canUndoReset = atom(false);
  const touched = atom(!sameFiles(initial.files, starter));
  const conflict = atom<TabConflict | null>(null);
  let beforeReset: FileMap | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** `savedAt` of the stored files this tab last wrote or adopted: a different one means another tab saved. */
  let known = initial.at;

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
      raw = store.getItem(filesKey(lab));
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

  function save(force = false): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (storage instanceof StorageFailure) {
      saveState.set({ kind: 'failed', message: storage.message });
      return;
    }
    if (!force && (conflict.get() !== null || otherTabSaved(storage))) {
      saveState.set({ kind: 'pending' });
      return;
    }
    const savedAt = new Date().toISOString();
    const failure = writeJson(storage, filesKey(lab), { v: 1, savedAt, files: files.get() } satisfies Persisted);
    if (!failure) known = savedAt;
    saveState.set(failure ? { kind: 'failed', message: failure.message } : { kind: 'saved', at: savedAt });
  }

  const unwatch = (options.watch ?? windowStorageEvents)(filesKey(lab), (raw) => {
    const saved = parseSaved(raw, starter);
    if (!saved) return;
    if (sameFiles(saved.files, files.get())) {
      known = saved.at;
      conflict.set(null);
      if (timer !== null) clearTimeout(timer);
      timer = null;
      saveState.set({ kind: 'saved', at: saved.at });
    } else if (timer === null && conflict.get() === null) adopt(saved.files, saved.at);
    else conflict.set({ savedAt: saved.at, files: saved.files });
  });

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
    files,
    active,
    saveState,
    canUndoReset,
    touched,
    conflict,
    takeOther() {
      const other = conflict.get();
      if (!other) return;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      conflict.set(null);
      adopt(other.files, other.savedAt);
    },
    keepMine() {
      if (!conflict.get()) return;
      conflict.set(null);
      save(true);
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
      unwatch();
      if (typeof document !== 'undefined') {
        document.removeEventListener('visibilitychange', onVisibility);
        removeEventListener('pagehide', onHidden);
      }
    },
  };
}
